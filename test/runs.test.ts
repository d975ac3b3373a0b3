// Several runs of one build as one profile, on hand-built runs with known counts: merging (threads
// matched across runs, stacks not split per run), format 3 on disk and its checks, format 2 still
// read as one run, the noise bands' basis, and a diff that allows for the runs' own variation.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ProfileBuilder, runSample, stackCount, type ProfileData } from '../engine/profile/profile.js';
import { mergeRuns } from '../engine/profile/runs.js';
import { decodeProfile, encodeProfile } from '../engine/store/format.js';
import { ProfileStore } from '../engine/store/store.js';
import { diffProfiles } from '../engine/query/diff.js';
import { functionRuns, profileWobble, withFunctionNoise, withLineNoise } from '../engine/query/noise.js';
import { hotLines, topFunctions } from '../engine/query/query.js';
import { checkSpec, ParamsError } from '../protocol/validate.js';
import { shareInterval } from '../engine/query/stats.js';
import { FIXTURES, scratch } from './helpers.js';

/** One run: stacks as ['comm/pid/tid', 'a;b;c' root first, samples]; frame k of a stack is on line 10 + k of src/<name>.rs. */
function run(rows: Array<[string, string, number]>): ProfileData {
  const b = new ProfileBuilder();
  b.event = 'cpu-clock';
  for (const [thread, stack, n] of rows) {
    const [comm, pid, tid] = thread.split('/');
    const t = b.thread({ comm: comm!, pid: Number(pid), tid: Number(tid) });
    const locs = stack.split(';').map((name, k) => b.location(b.fn({ name }), { file: `src/${name}.rs`, line: 10 + k }));
    b.add(locs, t, n, n * 1000, { unknown: false, truncated: false });
  }
  return b.finish();
}

/** The same profile as if its runs were one: what the diff knew before it used the runs. */
function asOneRun(p: ProfileData): ProfileData {
  return { ...p, runs: [p.totalSamples], stacks: { ...p.stacks, runSamples: new Float64Array(0) } };
}

test("merged runs: threads matched by name and rank across pids, one stack per shape, each run's counts kept", () => {
  const a = run([
    ['main/100/100', 'main;work', 60],
    ['w/100/101', 'start;spin', 30],
    ['w/100/102', 'start;spin', 10],
  ]);
  // New pid and tids, and the threads first seen in another order: still the same threads.
  const b = run([
    ['w/200/202', 'start;spin', 12],
    ['w/200/201', 'start;spin', 25],
    ['main/200/200', 'main;work', 50],
    ['main/200/200', 'main;extra', 5],
  ]);
  const m = mergeRuns([a, b]);
  assert.deepEqual(m.runs, [100, 92]);
  assert.equal(m.totalSamples, 192);
  assert.deepEqual(m.threads, a.threads, "the first run's threads, none added for the second");
  assert.equal(stackCount(m), 4, 'three shapes shared by both runs and one of the second run alone');
  const byShape = new Map<string, number[]>();
  for (let i = 0; i < stackCount(m); i++) {
    const t = m.threads[m.stacks.thread[i]!]!;
    byShape.set(`${t.tid}`, [...(byShape.get(`${t.tid}`) ?? []), runSample(m, 0, i), runSample(m, 1, i)]);
  }
  assert.deepEqual(byShape.get('101'), [30, 25], 'the first w thread by tid in each run');
  assert.deepEqual(byShape.get('102'), [10, 12]);
  assert.deepEqual(byShape.get('100'), [60, 50, 0, 5]);
  for (let i = 0; i < stackCount(m); i++) assert.equal(runSample(m, 0, i) + runSample(m, 1, i), m.stacks.samples[i]);
  assert.equal(m.totalPeriod, 192_000);
  const work = functionRuns(m).get('work')!;
  assert.deepEqual(work, { self: [60, 50], total: [60, 50] });
});

test('format 3: runs round trip, one run costs no column, inconsistent run counts are refused', () => {
  const one = run([
    ['m/1/1', 'main;a', 70],
    ['m/1/1', 'main;b', 30],
  ]);
  const three = mergeRuns([
    one,
    run([
      ['m/2/2', 'main;a', 65],
      ['m/2/2', 'main;b', 35],
    ]),
    run([
      ['m/3/3', 'main;a', 72],
      ['m/3/3', 'main;b', 28],
    ]),
  ]);
  const bytes = (p: ProfileData) => Buffer.concat(encodeProfile(p));
  assert.deepEqual(decodeProfile(bytes(three)), three);
  assert.deepEqual(decodeProfile(bytes(one)), one);
  // Stored size grows by the per-run counts and the header's list of runs, nothing else.
  const header = (b: Buffer) => b.readUInt32LE(8);
  assert.equal(bytes(three).length - header(bytes(three)) - (bytes(one).length - header(bytes(one))), 3 * stackCount(three) * 8);
  const damaged = bytes(three);
  const runsAt = damaged.length - 3 * stackCount(three) * 8;
  damaged.writeDoubleLE(66, runsAt + 8 * stackCount(three)); // run 2's first stack: 65 → 66
  assert.throws(() => decodeProfile(damaged), /runs' counts sum to/);
});

test('a store written by the flame before format 3 (format 2) is read, as one run', async () => {
  const dir = scratch('flame-runs-old-');
  cpSync(path.join(FIXTURES, 'store-format2'), dir, { recursive: true });
  const store = await ProfileStore.open(dir);
  const [meta] = store.list();
  assert.ok(meta, 'listed');
  const p = await store.get(meta.id);
  assert.deepEqual(p.runs, [meta.samples]);
  assert.equal(p.stacks.runSamples.length, 0);
  assert.deepEqual(
    topFunctions(p, { limit: 3 }).map((f) => [f.name, f.self, f.total]),
    meta.summary!.slice(0, 3).map((f) => [f.name, f.self, f.total]),
    'the counts the old flame stored',
  );
  assert.ok(withFunctionNoise(p, topFunctions(p)).every((f) => f.noise?.basis === 'sampling' && f.noise.runs === undefined));
});

test('noise bands: sampling only for one run, from the runs for several, and wider when the runs disagree', () => {
  const steady = mergeRuns(
    [0, 1, 2].map((k) =>
      run([
        [`m/${k}/${k}`, 'main;a', 500],
        [`m/${k}/${k}`, 'main;b', 500],
      ]),
    ),
  );
  const wobbly = mergeRuns(
    [350, 500, 650].map((a, k) =>
      run([
        [`m/${k}/${k}`, 'main;a', a],
        [`m/${k}/${k}`, 'main;b', 1000 - a],
      ]),
    ),
  );
  const one = run([
    ['m/1/1', 'main;a', 1500],
    ['m/1/1', 'main;b', 1500],
  ]);
  const bandOf = (p: ProfileData) => withFunctionNoise(p, topFunctions(p)).find((f) => f.name === 'a')!.noise!;
  assert.equal(bandOf(one).basis, 'sampling');
  assert.equal(bandOf(steady).basis, 'runs');
  assert.deepEqual(bandOf(wobbly).runs, { self: [350, 500, 650], total: [350, 500, 650] });
  const width = (p: ProfileData) => bandOf(p).self.high - bandOf(p).self.low;
  assert.ok(width(wobbly) > 3 * width(steady), `${width(wobbly)} against ${width(steady)}`);
  assert.ok(profileWobble(wobbly) > 0 && profileWobble(one) === 0);
  assert.ok(bandOf(wobbly).self.low < 0.5 && bandOf(wobbly).self.high > 0.5);
  const lines = withLineNoise(wobbly, hotLines(wobbly));
  assert.ok(lines.every((l) => l.noise?.basis === 'runs' && l.noise.runs!.self.reduce((x, y) => x + y, 0) === l.self));
});

test("the diff allows for the runs' variation: shifts within it are not called out, a real one still is", () => {
  // Each side's three runs spread a's share over 20 points, as a busy machine can; the sides'
  // means differ by 8 points, which two single runs of 3000 samples would call significant.
  const side = (shares: number[], c: number) =>
    mergeRuns(
      shares.map((s, k) =>
        run([
          [`m/${k}/${k}`, 'main;a', Math.round(1000 * s)],
          [`m/${k}/${k}`, 'main;b', Math.round(1000 * (1 - s)) - c],
          [`m/${k}/${k}`, 'main;c', c],
        ]),
      ),
    );
  const base = side([0.4, 0.5, 0.6], 50);
  const current = side([0.48, 0.58, 0.68], 50);
  const flagged = (b: ProfileData, c: ProfileData) =>
    diffProfiles(b, c)
      .functions.filter((f) => f.significant)
      .map((f) => f.name)
      .sort();
  assert.deepEqual(flagged(asOneRun(base), asOneRun(current)), ['a', 'b'], 'sampling noise alone');
  assert.deepEqual(flagged(base, current), [], "within the runs' variation");
  // c triples, at b's expense: far beyond c's runs' variation (none), so it is still found.
  assert.deepEqual(flagged(base, side([0.4, 0.5, 0.6], 150)), ['c']);
});

test('runs in the spec: a whole number from 1 to 100, refused by name otherwise', () => {
  checkSpec({ record: { runs: 5 } });
  for (const bad of [0, 1.5, 101, '3']) {
    assert.throws(
      () => checkSpec({ record: { runs: bad } }),
      (err: unknown) => err instanceof ParamsError && err.field === 'record.runs',
      String(bad),
    );
  }
});

test("a band holds its share at 0 and at 1, where rounding used to leave Wilson's bounds inside it", () => {
  for (const n of [1, 7, 192, 196, 1000, 3001]) {
    for (const c of [0, n]) {
      const i = shareInterval({ counts: [c], totals: [n] }, 0);
      assert.ok(i.low <= i.share && i.share <= i.high, `${c} of ${n}: ${JSON.stringify(i)}`);
    }
  }
});
