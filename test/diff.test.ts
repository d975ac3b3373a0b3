// Profile diffs: shares normalised per profile, rows present on one side only, ordering and the
// noise threshold, on hand-built profiles with known counts and on real recordings.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProfileBuilder, type ProfileData } from '../engine/profile/profile.js';
import { diffProfiles, noiseThreshold, type ProfileDiff } from '../engine/query/diff.js';
import { hotLines, topFunctions } from '../engine/query/query.js';
import { analyzePerfData } from '../engine/profile/analyze.js';
import { buildHotspots, perfRecordTo } from './helpers.js';

/** Stacks as [thread comm/tid, 'a;b;c' root first, samples]; frame k of a stack is on line 10 + k of src/<name>.rs. */
function build(rows: Array<[string, string, number]>): ProfileData {
  const b = new ProfileBuilder();
  for (const [thread, stack, n] of rows) {
    const [comm, tid] = thread.split('/');
    const t = b.thread({ comm: comm!, pid: 1, tid: Number(tid) });
    const locs = stack.split(';').map((name, k) => b.location(b.fn({ name }), { file: `src/${name}.rs`, line: 10 + k }));
    b.add(locs, t, n, n, { unknown: false, truncated: false });
  }
  return b.finish();
}

/** Rows as [name, deltaSelfShare, deltaTotalShare, significant], deltas rounded to 4 places. */
function summary(d: ProfileDiff): Array<[string, number, number, boolean]> {
  const r = (x: number) => Math.round(x * 1e4) / 1e4 + 0; // + 0 turns -0 into 0
  return d.functions.map((f) => [f.name, r(f.deltaSelfShare), r(f.deltaTotalShare), f.significant]);
}

const cases: Array<{
  name: string;
  base: ProfileData;
  current: ProfileData;
  limit?: number;
  thread?: string | number;
  want: Array<[string, number, number, boolean]>;
}> = [
  {
    name: 'a shift from a to b and a new function c, all beyond noise at 100 samples each',
    base: build([
      ['m/1', 'main;a', 80],
      ['m/1', 'main;b', 20],
    ]),
    current: build([
      ['m/1', 'main;a', 50],
      ['m/1', 'main;b', 40],
      ['m/1', 'main;c', 10],
    ]),
    want: [
      ['a', -0.3, -0.3, true],
      ['b', 0.2, 0.2, true],
      ['c', 0.1, 0.1, true],
      ['main', 0, 0, false],
    ],
  },
  {
    name: 'shares, not counts: the same shape at 1000 and 10 samples is no change',
    base: build([
      ['m/1', 'main;a', 700],
      ['m/1', 'main;b', 300],
    ]),
    current: build([
      ['m/1', 'main;a', 7],
      ['m/1', 'main;b', 3],
    ]),
    want: [
      ['a', 0, 0, false],
      ['b', 0, 0, false],
      ['main', 0, 0, false],
    ],
  },
  {
    // 2 of 10 samples moving is within two standard errors (0.438 at a pooled share of 0.4).
    name: 'a 20-point shift on 10 samples is noise',
    base: build([
      ['m/1', 'main;a', 3],
      ['m/1', 'main;b', 7],
    ]),
    current: build([
      ['m/1', 'main;a', 5],
      ['m/1', 'main;b', 5],
    ]),
    want: [
      ['a', 0.2, 0.2, false],
      ['b', -0.2, -0.2, false],
      ['main', 0, 0, false],
    ],
  },
  {
    name: 'a function gone from current is listed with zeros; ties by name',
    base: build([
      ['m/1', 'main;old', 50],
      ['m/1', 'main;a', 50],
    ]),
    current: build([
      ['m/1', 'main;a', 50],
      ['m/1', 'main;new', 50],
    ]),
    want: [
      ['new', 0.5, 0.5, true],
      ['old', -0.5, -0.5, true],
      ['a', 0, 0, false],
      ['main', 0, 0, false],
    ],
  },
  {
    name: 'limit',
    base: build([
      ['m/1', 'main;a', 80],
      ['m/1', 'main;b', 20],
    ]),
    current: build([
      ['m/1', 'main;a', 50],
      ['m/1', 'main;b', 40],
      ['m/1', 'main;c', 10],
    ]),
    limit: 2,
    want: [
      ['a', -0.3, -0.3, true],
      ['b', 0.2, 0.2, true],
    ],
  },
  {
    name: 'thread filter: only the worker thread, whose shape is unchanged',
    base: build([
      ['m/1', 'main;a', 80],
      ['w/2', 'run;x', 10],
    ]),
    current: build([
      ['m/1', 'main;b', 5],
      ['w/2', 'run;x', 40],
    ]),
    thread: 'w',
    want: [
      ['run', 0, 0, false],
      ['x', 0, 0, false],
    ],
  },
];

for (const c of cases) {
  test(`diffProfiles: ${c.name}`, () => {
    const d = diffProfiles(c.base, c.current, { limit: c.limit, thread: c.thread });
    assert.deepEqual(summary(d), c.want);
  });
}

test('diffProfiles: counts and shares on both sides, sample totals, and lines', () => {
  const base = build([
    ['m/1', 'main;a', 80],
    ['m/1', 'main;b', 20],
  ]);
  const current = build([
    ['m/1', 'main;a', 50],
    ['m/1', 'main;b', 40],
    ['m/1', 'main;c', 10],
  ]);
  const d = diffProfiles(base, current);
  assert.deepEqual(d.base, { samples: 100 });
  assert.deepEqual(d.current, { samples: 100 });
  assert.equal(d.noise, noiseThreshold(100, 100));
  const c = d.functions.find((f) => f.name === 'c')!;
  assert.deepEqual(c.base, { self: 0, total: 0, selfShare: 0, totalShare: 0 });
  assert.deepEqual(c.current, { self: 10, total: 10, selfShare: 0.1, totalShare: 0.1 });
  const main = d.functions.find((f) => f.name === 'main')!;
  assert.deepEqual(main.base, { self: 0, total: 100, selfShare: 0, totalShare: 1 });
  // Lines: src/a.rs:11 and src/b.rs:11 are the leaf lines, src/main.rs:10 the shared caller line.
  assert.deepEqual(
    d.lines.map((l) => [`${l.file}:${l.line}`, l.base.self, l.current.self, l.significant]),
    [
      ['src/a.rs:11', 80, 50, true],
      ['src/b.rs:11', 20, 40, true],
      ['src/c.rs:11', 0, 10, true],
      ['src/main.rs:10', 0, 0, false],
    ],
  );
  // Each change comes with its interval, around it; a real one's excludes 0, no change's holds it.
  for (const r of [...d.functions, ...d.lines]) {
    assert.ok(r.change.self.low <= r.deltaSelfShare && r.deltaSelfShare <= r.change.self.high, JSON.stringify(r));
    assert.ok(r.change.total.low <= r.deltaTotalShare && r.deltaTotalShare <= r.change.total.high, JSON.stringify(r));
  }
  const a = d.functions.find((f) => f.name === 'a')!;
  assert.ok(a.significant && a.change.self.high < 0, JSON.stringify(a));
  assert.ok(main.change.total.low <= 0 && main.change.total.high >= 0, JSON.stringify(main));
  assert.deepEqual(JSON.parse(JSON.stringify(d)), d);
  // Repeated calls answer from the cache, and a limit does not truncate the cached answer.
  assert.equal(diffProfiles(base, current, { limit: 1 }).functions.length, 1);
  assert.equal(diffProfiles(base, current).functions.length, 4);
});

test("each share's change has its own interval and verdict: a's self moved, its total did not", () => {
  const base = build([
    ['m/1', 'main;a', 500],
    ['m/1', 'main;a;b', 500],
  ]);
  const current = build([
    ['m/1', 'main;a', 900],
    ['m/1', 'main;a;b', 100],
  ]);
  const d = diffProfiles(base, current);
  const a = d.functions.find((f) => f.name === 'a')!;
  assert.equal(a.change.basis, 'sampling');
  assert.deepEqual([a.change.self.significant, a.change.total.significant, a.significant], [true, false, true]);
  assert.ok(a.change.self.low < a.deltaSelfShare && a.deltaSelfShare < a.change.self.high, JSON.stringify(a.change));
  assert.ok(a.change.self.low > 0, 'the interval of a 40-point rise on 1000 samples excludes 0');
  // Total stays 1 on both sides: no change, nothing called out.
  assert.equal(a.deltaTotalShare, 0);
  const b = d.functions.find((f) => f.name === 'b')!;
  assert.deepEqual([b.change.self.significant, b.change.total.significant], [true, true]);
  assert.ok(b.change.total.high < 0);
  for (const r of [...d.functions, ...d.lines]) assert.equal(r.significant, r.change.self.significant || r.change.total.significant);
});

const noiseCases: Array<[number, number, number | undefined, number]> = [
  [100, 100, undefined, 2 * Math.sqrt(0.25 * 0.02)],
  [10_000, 10_000, undefined, 2 * Math.sqrt(0.25 * 0.0002)],
  [100, 100, 0.1, 2 * Math.sqrt(0.09 * 0.02)],
  [100, 100, 0, 0],
  [0, 100, undefined, 1],
];

for (const [nb, nc, share, want] of noiseCases) {
  test(`noiseThreshold(${nb}, ${nc}, ${share})`, () => {
    assert.ok(Math.abs(noiseThreshold(nb, nc, share) - want) < 1e-12);
  });
}

// ---- real recordings -----------------------------------------------------------------------

let full: ProfileData;
let panicked: ProfileData;

before(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flame-diff-'));
  const bin = await buildHotspots();
  await perfRecordTo(path.join(dir, 'full.data'), [bin], { FLAME_FIXTURE_SCALE: '0.5' });
  // With --panic the fixture runs only hash_chain, then panics: no primes thread, no fib.
  await perfRecordTo(path.join(dir, 'panic.data'), [bin, '--panic'], { FLAME_FIXTURE_SCALE: '2' });
  full = (await analyzePerfData(path.join(dir, 'full.data'), { cacheDir: path.join(dir, 'cache') })).profile;
  panicked = (await analyzePerfData(path.join(dir, 'panic.data'), { cacheDir: path.join(dir, 'cache') })).profile;
});

test('real recording against itself: every row, no change, nothing significant', () => {
  const d = diffProfiles(full, full);
  assert.equal(d.functions.length, topFunctions(full).length);
  assert.equal(d.lines.length, hotLines(full).length);
  for (const f of [...d.functions, ...d.lines]) {
    assert.equal(f.deltaSelfShare, 0);
    assert.equal(f.significant, false);
  }
  // Every sample has one innermost function: self shares add up to 1.
  const sum = d.functions.reduce((a, f) => a + f.base.selfShare, 0);
  assert.ok(Math.abs(sum - 1) < 1e-9, String(sum));
});

test('real recordings: functions that did not run in current are listed with zeros', () => {
  const d = diffProfiles(full, panicked);
  for (const name of ['hotspots::count_primes', 'hotspots::fib']) {
    const row = d.functions.find((f) => f.name === name);
    assert.ok(row, name);
    assert.ok(row.base.total > 0, name);
    assert.deepEqual(row.current, { self: 0, total: 0, selfShare: 0, totalShare: 0 });
    assert.equal(row.deltaTotalShare, -row.base.totalShare);
  }
  const chain = d.functions.find((f) => f.name === 'hotspots::hash_chain')!;
  // Present on both sides. (Its share is not necessarily higher in the panicking run: printing
  // the panic's backtrace can take a third of that short run.)
  assert.ok(chain.base.total > 0 && chain.current.total > 0);
  assert.equal(chain.deltaTotalShare, chain.current.totalShare - chain.base.totalShare);
});
