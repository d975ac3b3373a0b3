// daemon/query.ts with hand-built profiles of known counts: self and total per function (inline
// and not), per line (recursion counted once), filters, limits, and the per-profile memo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProfileBuilder, type ProfileData } from '../engine/profile/profile.js';
import { foldedStacks, hotLines, topFunctions } from '../engine/query/query.js';

/** main → work (lib.rs:10) → mix inlined (lib.rs:3), on two threads, plus recursion in rec. */
function profile(): ProfileData {
  const b = new ProfileBuilder();
  const main = b.fn({ name: 'main', file: '/p/src/main.rs', line: 1 });
  const work = b.fn({ name: 'work', file: '/p/src/lib.rs', line: 8 });
  const mix = b.fn({ name: 'mix', file: '/p/src/lib.rs', line: 2 });
  const rec = b.fn({ name: 'rec', file: '/p/src/lib.rs', line: 20 });
  const lMain = b.location(main, { file: '/p/src/main.rs', line: 4 });
  const lWork = b.location(work, { file: '/p/src/lib.rs', line: 10 });
  const lMix = b.location(mix, { file: '/p/src/lib.rs', line: 3, inlined: true });
  const lRec = b.location(rec, { file: '/p/src/lib.rs', line: 22 });
  const t1 = b.thread({ comm: 'app', pid: 1, tid: 1 });
  const t2 = b.thread({ comm: 'worker', pid: 1, tid: 2 });
  const flags = { unknown: false, truncated: false };
  b.add([lMain, lWork, lMix], t1, 6, 6000, flags); // self: mix (inline) / work (no-inline)
  b.add([lMain, lWork], t1, 3, 3000, flags);
  b.add([lMain, lRec, lRec, lRec], t2, 1, 1000, flags); // recursion: total once per sample
  return b.finish();
}

test('top: self to the innermost inlined function, or with noInline to the owner of the instruction', () => {
  const p = profile();
  assert.deepEqual(
    topFunctions(p).map((f) => [f.name, f.self, f.total]),
    [
      ['mix', 6, 6],
      ['work', 3, 9],
      ['rec', 1, 1],
      ['main', 0, 10],
    ],
  );
  assert.deepEqual(
    topFunctions(p, { noInline: true }).map((f) => [f.name, f.self, f.total]),
    [
      ['work', 9, 9],
      ['rec', 1, 1],
      ['main', 0, 10],
      ['mix', 0, 6],
    ],
  );
  assert.deepEqual(
    topFunctions(p, { sortBy: 'total', limit: 2 }).map((f) => f.name),
    ['main', 'work'],
  );
  assert.deepEqual(
    topFunctions(p, { filter: '^m' }).map((f) => f.name),
    ['mix', 'main'],
  );
  assert.deepEqual(
    topFunctions(p, { thread: 'worker' }).map((f) => [f.name, f.self]),
    [
      ['rec', 1],
      ['main', 0],
    ],
  );
  assert.deepEqual(
    topFunctions(p, { thread: 2 }).map((f) => f.name),
    ['rec', 'main'],
  );
  const work = topFunctions(p).find((f) => f.name === 'work')!;
  assert.equal(work.file, '/p/src/lib.rs');
  assert.equal(work.line, 8);
});

test('lines: self at the innermost line, totals once per sample, file filters by suffix', () => {
  const p = profile();
  assert.deepEqual(
    hotLines(p).map((l) => [l.file.slice(3), l.line, l.self, l.total]),
    [
      ['src/lib.rs', 3, 6, 6],
      ['src/lib.rs', 10, 3, 9],
      ['src/lib.rs', 22, 1, 1],
      ['src/main.rs', 4, 0, 10],
    ],
  );
  assert.deepEqual(
    hotLines(p, { file: 'src/main.rs' }).map((l) => l.line),
    [4],
  );
  assert.deepEqual(
    hotLines(p, { file: '/p/src/lib.rs', limit: 1 }).map((l) => l.line),
    [3],
  );
  assert.deepEqual(hotLines(p, { file: 'lib.rs' }).length, 3);
  assert.deepEqual(hotLines(p, { file: 'b.rs' }), []);
});

test('repeated queries give the same answer, and a caller changing a result changes nothing', () => {
  const p = profile();
  const a = hotLines(p);
  a[0]!.self = 999;
  const t = topFunctions(p);
  t[0]!.self = 999;
  assert.equal(hotLines(p)[0]!.self, 6);
  assert.equal(topFunctions(p)[0]!.self, 6);
  assert.deepEqual(
    topFunctions(p, { thread: 'app' }).map((f) => f.name),
    ['mix', 'work', 'main'],
  );
  assert.deepEqual(
    topFunctions(p).map((f) => f.name),
    ['mix', 'work', 'rec', 'main'],
  );
});

test('folded stacks: root first, with thread prefixes and inline marks on request', () => {
  const p = profile();
  assert.deepEqual(Object.fromEntries(foldedStacks(p)), { 'main;work;mix': 6, 'main;work': 3, 'main;rec;rec;rec': 1 });
  assert.deepEqual(Object.fromEntries(foldedStacks(p, { threads: true, markInlined: true, thread: 'app' })), {
    'app-1;main;work;mix_[i]': 6,
    'app-1;main;work': 3,
  });
});
