// What the engine hands flame-native for a stored profile's graph: each frame's band (of its
// call path's counts in every run) as a note after the first stack through it, reversed too, and
// a differential graph of two profiles whose within-noise changes are the ones `flame diff`
// does not call significant. Drawn by the real flame-native, read back from the SVG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProfileBuilder, type ProfileData } from '../engine/profile/profile.js';
import { mergeRuns } from '../engine/profile/runs.js';
import { diffProfiles } from '../engine/query/diff.js';
import { profileWobble } from '../engine/query/noise.js';
import { shareInterval } from '../engine/query/stats.js';
import { renderSvg } from '../engine/render/native.js';
import { diffSvgStacks, profileSvgStacks } from '../engine/render/svg-input.js';
import type { SvgOptions } from '../protocol/types.js';

/** One run's stacks as ['a;b;c' root first, samples]. */
function build(rows: Array<[string, number]>): ProfileData {
  const b = new ProfileBuilder();
  const t = b.thread({ comm: 'm', pid: 1, tid: 1 });
  for (const [stack, n] of rows) {
    const locs = stack.split(';').map((name, k) => b.location(b.fn({ name }), { file: `src/${name}.rs`, line: 10 + k }));
    b.add(locs, t, n, n, { unknown: false, truncated: false });
  }
  return b.finish();
}

/** Each frame's tooltip by its call path ('main;a'), from the SVG's nesting (depth by y). */
async function tooltips(stacks: Parameters<typeof renderSvg>[0], opts: SvgOptions = {}): Promise<Map<string, { title: string; fill: string }>> {
  const r = await renderSvg(stacks, opts);
  assert.ok('svg' in r);
  const out = new Map<string, { title: string; fill: string }>();
  const byY = new Map<number, string>();
  const frames = [...r.svg.toString().matchAll(/<g><title>([^<]*)<\/title><rect x="[^"]*" y="(\d+)"[^>]*fill="([^"]+)"/g)].map((m) => ({
    title: m[1]!,
    y: Number(m[2]),
    fill: m[3]!,
  }));
  // Pre-order: a frame's parent is the last frame drawn one level up (16 px).
  for (const f of frames) {
    const name = f.title.slice(0, f.title.indexOf(' ('));
    const parent = byY.get(f.y + 16);
    const path = parent === undefined || parent === 'all' ? name : `${parent};${name}`;
    byY.set(f.y, path);
    out.set(path, { title: f.title, fill: f.fill });
  }
  return out;
}

const pct = (x: number) => ((100 * x) / 2).toFixed(2);

test("a profile of three runs: every frame's tooltip has its call path's band from the runs, the same stacks reversed their own", async () => {
  const runs = [
    [
      ['main;a;x', 40],
      ['main;b;x', 10],
      ['main;a', 50],
    ],
    [
      ['main;a;x', 46],
      ['main;b;x', 12],
      ['main;a', 42],
    ],
    [
      ['main;a;x', 37],
      ['main;b;x', 8],
      ['main;a', 55],
    ],
  ] as Array<Array<[string, number]>>;
  const p = mergeRuns(runs.map(build));
  assert.deepEqual(p.runs, [100, 100, 100]);
  const tau2 = profileWobble(p);
  const band = (counts: number[]) => {
    const i = shareInterval({ counts, totals: p.runs }, tau2);
    return `±${pct(i.high - i.low)}, 3 runs`;
  };
  const t = await tooltips(profileSvgStacks(p));
  assert.equal(t.get('main;a;x')!.title, `x (123 samples, 41.00% ${band([40, 46, 37])})`);
  assert.equal(t.get('main;a')!.title, `a (270 samples, 90.00% ${band([90, 88, 92])})`);
  assert.equal(t.get('main;b;x')!.title, `x (30 samples, 10.00% ${band([10, 12, 8])})`);
  assert.equal(t.get('main')!.title, `main (300 samples, 100.00% ${band([100, 100, 100])})`);
  assert.notEqual(band([40, 46, 37]), band([10, 12, 8]), 'the bands are the frames’ own');
  // Reversed, x is one frame of both its callers' samples.
  const r = await tooltips(profileSvgStacks(p, { reverse: true }), { reverse: true });
  assert.equal(r.get('x')!.title, `x (153 samples, 51.00% ${band([50, 58, 45])})`);
  assert.equal(r.get('x;b')!.title, `b (30 samples, 10.00% ${band([10, 12, 8])})`);
  // A flame chart's frames are not call paths: no bands.
  assert.doesNotMatch([...(await tooltips(profileSvgStacks(p, { flamechart: true }), { flamechart: true })).values()][1]!.title, /±/);
});

test('a profile of one run: the band is sampling noise alone, and says so', async () => {
  const p = build([
    ['main;a', 30],
    ['main;b', 70],
  ]);
  const i = shareInterval({ counts: [30], totals: [100] }, 0);
  assert.equal((await tooltips(profileSvgStacks(p))).get('main;a')!.title, `a (30 samples, 30.00% ±${pct(i.high - i.low)}, sampling)`);
});

test('a differential graph of two profiles: the base scaled to the current total, colour only where flame diff calls the change real, grey within noise', async () => {
  // fib grows from 10% to 15% of the samples: real. a and b lose 3 and 2 points: noise at these counts.
  const base = build([
    ['main;fib', 100],
    ['main;a', 450],
    ['main;b', 450],
  ]);
  const current = build([
    ['main;fib', 300],
    ['main;a', 840],
    ['main;b', 860],
  ]);
  const significant = new Map(diffProfiles(base, current).functions.map((f) => [f.name, f.significant]));
  assert.deepEqual(Object.fromEntries(significant), { fib: true, a: false, b: false, main: false });
  const stacks = diffSvgStacks(base, current);
  // Scaled by 2000/1000.
  assert.deepEqual(
    stacks.map(([s, n, e]) => [s, e?.before, n]),
    [
      ['main;fib', 200, 300],
      ['main;a', 900, 840],
      ['main;b', 900, 860],
    ],
  );
  const t = await tooltips(stacks);
  assert.equal(t.get('main;fib')!.title, 'fib (300 samples, 15.00%; +5.00%)', "the change in points of share, as flame diff's");
  assert.equal(t.get('main;fib')!.fill, 'rgb(255,100,100)', 'the largest growth, the deepest red');
  assert.equal(t.get('main;a')!.title, 'a (840 samples, 42.00%; -3.00%, within noise)');
  assert.equal(t.get('main;a')!.fill, 'rgb(220,220,220)');
  assert.equal(t.get('main;b')!.fill, 'rgb(220,220,220)');
  assert.equal(t.get('main')!.fill, 'rgb(250,250,250)', 'no change of its own');
  // Without the notes (inferno-diff-folded's lines alone), a is blue.
  const plain = await tooltips(stacks.map(([s, n, e]) => [s, n, { before: e!.before! }] as const));
  assert.equal(plain.get('main;a')!.fill, 'rgb(160,160,255)', '−60 of the largest 100: 100 + 150 × 40 / 100');
});
