// `--runs N` end to end with real cargo and perf on the hotspots fixture: one stored profile with
// every run's counts, intervals in `flame top`/`flame lines` with their basis, a store of the
// flame before format 3 still read, and a diff of two several-run profiles that allows for the
// variation between runs where a diff of single runs calls it change. No timing decides a pass.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { ProfileStore } from '../engine/store/store.js';
import { stackCount, type ProfileData } from '../engine/profile/profile.js';
import { diffProfiles } from '../engine/query/diff.js';
import { viewOf } from '../engine/query/view.js';
import { profileWobble } from '../engine/query/noise.js';
import { shareInterval } from '../engine/query/stats.js';
import type { FunctionRow, LineRow } from '../protocol/types.js';
import * as P from '../protocol/methods.js';
import { listen, send } from '../clients/connect.js';
import { startDaemon } from './daemon-fixture.js';
import { FIXTURES, runFlame, scratch } from './helpers.js';

let work: string;
let env: Record<string, string>;
let executable: string;

before(() => {
  work = scratch('flame-runs-ws-');
  cpSync(path.join(FIXTURES, 'hotspots'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  const runtime = scratch('flame-runs-rt-');
  // No daemon: `flame record` stores in the workspace's history itself, and the queries read it in-process.
  env = { FLAME_RUNTIME_DIR: runtime, FLAME_SOCKET: path.join(runtime, 'none.sock'), FLAME_CACHE_DIR: path.join(runtime, 'cache'), FLAME_FIXTURE_SCALE: '0.5' };
});

async function flame(args: string[], extra: Record<string, string> = {}): Promise<string> {
  const r = await runFlame(args, { cwd: work, env: { ...env, ...extra } });
  assert.equal(r.exitCode, 0, `flame ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

const history = () => ProfileStore.open(path.join(work, 'target', 'flame', 'profiles'));
const sum = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0);

/** Every row's band holds its share, and its per-run counts (several runs) add up to its counts. */
function checkBands(rows: Array<FunctionRow | LineRow>, samples: number, runs: number | undefined): void {
  assert.ok(rows.length > 0);
  for (const r of rows) {
    const n = r.noise!;
    assert.equal(n.basis, runs === undefined ? 'sampling' : 'runs', JSON.stringify(r));
    assert.ok(
      n.self.low <= r.self / samples && r.self / samples <= n.self.high && n.total.low <= r.total / samples && r.total / samples <= n.total.high,
      JSON.stringify(r),
    );
    if (runs === undefined) {
      assert.equal(n.runs, undefined);
    } else {
      assert.equal(n.runs!.self.length, runs);
      assert.equal(sum(n.runs!.self), r.self);
      assert.equal(sum(n.runs!.total), r.total);
    }
  }
}

test("flame record --runs 3: one stored profile with three runs' counts, and top and lines with bands from them", async () => {
  const rec = JSON.parse(await flame(['record', '--runs', '3', '--json']));
  executable = rec.executable;
  assert.equal(rec.runs.length, 3);
  assert.equal(sum(rec.runs.map((r: { samples: number }) => r.samples)), rec.samples);
  const store = await history();
  assert.equal(store.list().length, 1, 'one profile, not three');
  const meta = store.resolve(rec.profile);
  const p = await store.get(meta.id);
  assert.equal(p.runs.length, 3);
  assert.ok(p.runs.every((n) => n > 0));
  assert.equal(sum(p.runs), p.totalSamples);
  assert.deepEqual(meta.runs, p.runs);
  const n = stackCount(p);
  for (let i = 0; i < n; i++) assert.equal(p.stacks.runSamples[i]! + p.stacks.runSamples[n + i]! + p.stacks.runSamples[2 * n + i]!, p.stacks.samples[i]);

  const top = JSON.parse(await flame(['top', '--json', '--limit', '0']));
  assert.equal(top.profile, meta.id);
  assert.deepEqual(top.runs, p.runs);
  checkBands(top.functions, top.samples, 3);
  const lines = JSON.parse(await flame(['lines', '--json', 'src/lib.rs']));
  checkBands(lines.lines, lines.samples, 3);
  assert.match(await flame(['top', '--limit', '3']), /in 3 runs \(.*\n.*±self \(3 runs\)/);
  assert.match(rec.top[0].noise.basis, /^runs$/, 'the summary of `flame record --json` too');

  // The SVG's tooltips: every frame's band, from its call path's counts in the three runs.
  const titles = svgTitles(rec.svg);
  assert.ok(titles.length > 5);
  for (const t of titles.slice(1)) assert.match(t, /^.+ \([\d,]+ samples, \d+\.\d\d% ±\d+\.\d\d, 3 runs\)$/);
  assert.match(titles[0]!, /^all \([\d,]+ samples, 100%\)$/);
  // A frame on the root: its runs' counts are those of the stacks starting with it, as the graph
  // shows them (the runtime's plumbing left out, engine/query/view.ts).
  const v = viewOf(p);
  const vn = stackCount(v);
  const first = v.functions[v.locations[v.stacks.locs[v.stacks.start[0]!]!]!.fn]!.name;
  const perRun = v.runs.map((_, r) => {
    let c = 0;
    for (let i = 0; i < vn; i++)
      if (v.stacks.start[i + 1]! > v.stacks.start[i]! && v.functions[v.locations[v.stacks.locs[v.stacks.start[i]!]!]!.fn]!.name === first)
        c += v.stacks.runSamples[r * vn + i]!;
    return c;
  });
  const band = shareInterval({ counts: perRun, totals: v.runs }, profileWobble(v));
  const title = titles.find((t) => t.startsWith(`${escapeXml(first)} (`))!;
  assert.ok(title.endsWith(` ±${((100 * (band.high - band.low)) / 2).toFixed(2)}, 3 runs)`), `${title} vs ${JSON.stringify(band)}`);
});

/** The tooltips of an SVG flame graph, in drawing order (the root first). */
function svgTitles(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/<g><title>([^<]*)<\/title>/g)].map((m) => m[1]!);
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

test('one run: bands from sampling alone, labelled so', async () => {
  const rec = JSON.parse(await flame(['record', '--json']));
  assert.equal(rec.runs, undefined);
  const top = JSON.parse(await flame(['top', '--json', '--profile', rec.profile]));
  assert.equal(top.runs, undefined);
  checkBands(top.functions, top.samples, undefined);
  const lines = JSON.parse(await flame(['lines', '--json', '--profile', rec.profile]));
  checkBands(lines.lines, lines.samples, undefined);
  assert.match(await flame(['lines', '--limit', '3', '--profile', rec.profile]), /±self \(sampling\)/);
  for (const t of svgTitles(rec.svg).slice(1)) assert.match(t, /^.+ \([\d,]+ samples, \d+\.\d\d% ±\d+\.\d\d, sampling\)$/);
});

test('a profile stored by the flame before several runs (format 2) is read as one run', async () => {
  const old = path.join(FIXTURES, 'store-format2');
  cpSync(old, path.join(work, 'target', 'flame', 'profiles'), { recursive: true });
  const id = '20261202T033148.285-5f10';
  const top = JSON.parse(await flame(['top', '--json', '--profile', id, '--limit', '3']));
  assert.equal(top.samples, 364);
  assert.deepEqual(
    top.functions.map((f: FunctionRow) => [f.name, f.self]),
    [
      ['hotspots::mix', 300],
      ['hotspots::count_primes', 29],
      ['<u64>::unchecked_add', 20],
    ],
  );
  checkBands(top.functions, top.samples, undefined);
  // And diffed against a profile of several runs: the test borrows that side's wobble.
  const d = JSON.parse(await flame(['diff', '--json', id, 'latest']));
  assert.ok(d.functions.length > 0);
});

/**
 * Three runs through `flame exec`, where each run's fib does as much work as `fibs` says: runs
 * whose shares differ as a busy machine's do, made deterministic so the test cannot flake.
 */
async function wobblyProfile(fibs: string): Promise<string> {
  const counter = path.join(scratch('flame-runs-n-'), 'n');
  const wrapper = path.join(work, 'wobbly.sh');
  writeFileSync(
    wrapper,
    'n=$(cat "$COUNTER" 2>/dev/null || echo 0)\necho $((n + 1)) > "$COUNTER"\nset -- $FIBS\nshift $((n % 3))\nFLAME_FIXTURE_FIB=$1 exec "$BIN"\n',
  );
  const out = JSON.parse(await flame(['exec', '--runs', '3', '--json', '--', 'sh', wrapper], { COUNTER: counter, FIBS: fibs, BIN: executable }));
  assert.equal(out.runs.length, 3);
  return out.profile as string;
}

interface Flaggable {
  significant: boolean;
  name?: string;
  file?: string;
  line?: number;
  deltaSelfShare: number;
}

/** Rows called out in a diff, functions and lines. */
const flagged = (d: { functions: Flaggable[]; lines: Flaggable[] }) => [...d.functions, ...d.lines].filter((r) => r.significant).length;
const named = (d: { functions: Flaggable[]; lines: Flaggable[] }) =>
  [...d.functions, ...d.lines]
    .filter((r) => r.significant)
    .map((r) => `${r.name ?? `${r.file}:${r.line}`} ${(100 * r.deltaSelfShare).toFixed(1)}`)
    .join(', ');

/** The same profile as if it were one run: what the diff knew before it used the runs. */
const asOneRun = (p: ProfileData): ProfileData => ({ ...p, runs: [p.totalSamples], stacks: { ...p.stacks, runSamples: new Float64Array(0) } });

test('the diff of two 3-run profiles of one build calls out far fewer rows than sampling noise alone would, and still finds a real change', async () => {
  assert.ok(executable, 'the first test built the fixture');
  const a = await wobblyProfile('30 30 40');
  const b = await wobblyProfile('30 40 40');
  const withRuns = JSON.parse(await flame(['diff', '--json', '--limit', '100000', a, b]));
  const store = await history();
  const [pa, pb] = [await store.get(store.resolve(a).id), await store.get(store.resolve(b).id)];
  const oneRun = diffProfiles(asOneRun(pa), asOneRun(pb));
  assert.ok(flagged(oneRun) >= 4, `sampling noise alone calls out ${flagged(oneRun)} rows`);
  assert.ok(
    flagged(withRuns) <= 1,
    `with the runs: ${flagged(withRuns)} rows called out (${named(withRuns)}), against ${flagged(oneRun)} with sampling noise alone`,
  );
  assert.equal(flagged(diffProfiles(pa, pb)), flagged(withRuns), 'the CLI and the query agree');

  // Steady runs on each side, fib's work changed: beyond the runs' variation.
  const c = await wobblyProfile('30 30 30');
  const e = await wobblyProfile('40 40 40');
  const real = JSON.parse(await flame(['diff', '--json', c, e]));
  assert.ok(
    real.functions.find((f: { name: string; significant: boolean }) => f.name === 'hotspots::fib')?.significant,
    JSON.stringify(real.functions.slice(0, 3)),
  );
});

test('--runs refuses what it cannot repeat, by its flag', async () => {
  for (const [args, re] of [
    [['record', '--runs', '0'], /--runs takes a whole number from 1 to 100, not '0'/],
    [['exec', '--runs', '2', '--pid', '1'], /--runs needs a program to start again/],
    [['exec', '--runs', '2', '--perf-data', 'perf.data'], /several runs \(--runs\) need a program flame starts itself/],
  ] as const) {
    const r = await runFlame([...args], { cwd: work, env });
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, re, args.join(' '));
  }
});

test("the daemon: profile/once takes record.runs, one profile of every run, with the program's output of all runs ended once", async () => {
  const d = await startDaemon({ prefix: 'flame-runs-d', env: { FLAME_FIXTURE_SCALE: '0.3' } });
  const c = await d.client();
  try {
    const output: P.ProgramOutput.Params[] = [];
    listen(c.conn, P.ProgramOutput.type, (p) => void output.push(p));
    await assert.rejects(send(c.conn, P.ProfileOnce.type, { record: { runs: 0 } }), /'record.runs' must be a whole number from 1 to 100/);
    const meta = await send(c.conn, P.ProfileOnce.type, { record: { runs: 2 } });
    assert.equal(meta.runs?.length, 2);
    assert.equal(sum(meta.runs!), meta.samples);
    const top = await send(c.conn, P.Top.type, { profile: meta.id, limit: 5 });
    assert.deepEqual(top.runs, meta.runs);
    checkBands(top.functions, top.samples, 2);
    // The notifications may trail the reply by a batch interval.
    for (let i = 0; i < 50 && !output.some((o) => o.end); i++) await new Promise((r) => setTimeout(r, 100));
    const lines = output.flatMap((o) => o.lines);
    assert.equal(lines.filter((l) => l.startsWith('hash=')).length, 2, lines.join('\n'));
    assert.equal(output.filter((o) => o.end).length, 1);
  } finally {
    c.close();
    await d.stop();
  }
});
