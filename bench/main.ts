// `npm run bench`: flame's own figures (fold and svg of the bench recordings, analysis of a fresh
// `cargo build` recording) and, with --peers, the same work by inferno and cargo-flamegraph in
// the same run.
// Timings are medians of several runs with their spread; compare ratios, not absolute times.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { analyzePerfData } from '../engine/profile/analyze.js';
import { foldedStacks } from '../engine/query/query.js';
import { renderSvg } from '../engine/render/native.js';
import { stat, type Stat } from './stats.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The benchmark recordings, in the repository (bench/corpus; FLAME_BENCH_CORPUS overrides). */
const CORPUS = process.env.FLAME_BENCH_CORPUS ?? path.join(REPO, 'bench', 'corpus');
const FLAME = path.join(REPO, 'bin', 'flame.js');
// What `flame` on the PATH runs: flame-native for fold and svg.
const LAUNCHER = path.join(REPO, 'bin', 'flame');
const args = process.argv.slice(2);
const PEERS = args.includes('--peers');
/**
 * `--baseline DIR`: another built checkout of flame (an older commit, in a worktree), whose
 * fold, svg and one-shot figures are measured beside this one's in the same run.
 */
const BASELINE = (() => {
  const i = args.indexOf('--baseline');
  if (i < 0) return undefined;
  const dir = path.resolve(args[i + 1] ?? '');
  if (!existsSync(path.join(dir, 'bin', 'flame.js'))) throw new Error(`--baseline ${dir}: not a built flame checkout (bin/flame.js missing; run npm ci there)`);
  return dir;
})();
const baselineName =
  BASELINE === undefined ? '' : `baseline ${execFileSync('git', ['-C', BASELINE, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()}`;
const RUNS = Number(process.env.FLAME_BENCH_RUNS ?? 5);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'flame-bench-'));

const fmt = (s: Stat, unit = 's', scale = 1000) => `${(s.median / scale).toFixed(3)} ${unit} (${(s.min / scale).toFixed(3)}–${(s.max / scale).toFixed(3)})`;

function time(fn: () => void, runs = RUNS): Stat {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  return stat(xs);
}

/** Wall time of a whole command, stdout to a file; returns the stat and the last output. */
function timeCmd(cmd: string, argv: string[], out: string, opts: { input?: string; env?: NodeJS.ProcessEnv; runs?: number } = {}): Stat {
  return time(() => {
    const r = spawnSync(cmd, argv, {
      stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      input: opts.input ? readFileSync(opts.input) : undefined,
      maxBuffer: 1 << 30,
      env: { ...process.env, ...opts.env },
    });
    if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
    writeFileSync(out, r.stdout);
  }, opts.runs);
}

/** The mean of `runs` runs of a command and its standard error, in ms, as `perf stat` gives them. */
function perfStat(cmd: string, argv: string[], runs: number): { mean: number; sd: number } {
  const r = spawnSync('perf', ['stat', '--null', '-r', String(runs), '--', cmd, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const m = /([\d.]+) \+- ([\d.]+) seconds time elapsed/.exec(r.stderr ?? '');
  if (r.status !== 0 || m === null) throw new Error(`perf stat ${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  return { mean: Number(m[1]) * 1000, sd: Number(m[2]) * 1000 };
}

const fmtMean = (t: { mean: number; sd: number }) => `${(t.mean / 1000).toFixed(4)} s ± ${(t.sd / 1000).toFixed(4)}`;

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

const rows: string[][] = [];
function row(...cells: string[]): void {
  rows.push(cells);
  console.log(cells.join(' | '));
}

// 1. flame fold (one thread and the default) and flame svg of its output, as whole commands.
const inputs: Array<[string, string]> = [];
for (const name of ['cargo-build.perf.txt.gz', 'ledger-inline.perf.txt.gz']) {
  const gz = path.join(CORPUS, name);
  if (!existsSync(gz)) continue;
  const file = path.join(tmp, name.replace(/\.gz$/, ''));
  writeFileSync(file, gunzipSync(readFileSync(gz)));
  inputs.push([name.replace('.perf.txt.gz', ''), file]);
}
console.log(`# flame bench (${os.cpus().length} cores, node ${process.version}, ${RUNS} runs each; median (min–max))\n`);
for (const [name, file] of inputs) {
  const mb = readFileSync(file).length / 1e6;
  const folded = path.join(tmp, `${name}.flame.folded`);
  const one = timeCmd(LAUNCHER, ['fold', '--nthreads', '1', file], folded);
  row(`fold ${name} (${mb.toFixed(1)} MB), flame fold --nthreads 1`, fmt(one), `${(mb / (one.median / 1000)).toFixed(0)} MB/s`);
  const all = timeCmd(LAUNCHER, ['fold', file], folded);
  row(`fold ${name}, flame fold (one thread per core)`, fmt(all), `${(mb / (all.median / 1000)).toFixed(0)} MB/s`);
  row(`svg ${name}, flame svg of that folding`, fmt(timeCmd(LAUNCHER, ['svg', folded], path.join(tmp, `${name}.flame.svg`))));
}

// 2. A recording of `cargo build` of a fixture, made on the spot: end of recording → SVG.
const ws = path.join(tmp, 'ws');
cpSync(path.join(REPO, 'examples', 'wordfreq'), ws, { recursive: true, filter: (s) => !s.includes(`${path.sep}target`) });
// Recorded by `flame exec` (its default settings: 997 Hz, DWARF stacks), as the issue asks; both
// tools then analyse this one file.
const recorded = JSON.parse(
  execFileSync(process.execPath, [FLAME, 'exec', '--json', '-o', path.join(tmp, 'exec.svg'), '--', 'cargo', 'build', '--release', '--quiet'], {
    cwd: ws,
    stdio: ['ignore', 'pipe', 'ignore'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  }),
) as { perfData: string };
const perfData = recorded.perfData;
const analyse = async (cache: string) => {
  const t = performance.now();
  const { profile } = await analyzePerfData(perfData, { cacheDir: cache });
  await renderSvg(foldedStacks(profile), {});
  return { ms: performance.now() - t, samples: profile.totalSamples };
};
const cold: number[] = [];
const warm: number[] = [];
let samples = 0;
for (let i = 0; i < Math.min(RUNS, 3); i++) {
  const cache = path.join(tmp, `cache-${i}`);
  const c = await analyse(cache);
  cold.push(c.ms);
  samples = c.samples;
  warm.push((await analyse(cache)).ms);
}
row(`cargo build recording (${samples} samples): recording end → SVG, inline frames + lines, cold symbol cache`, fmt(stat(cold)));
row(`cargo build recording: the same, warm symbol cache`, fmt(stat(warm)));

// 3. The peers, same inputs, same run.
if (PEERS) {
  const cargoBin = path.join(os.homedir(), '.cargo', 'bin');
  process.env.PATH = `${cargoBin}:${process.env.PATH}`;
  if (!have('inferno-collapse-perf')) execFileSync('cargo', ['install', 'inferno'], { stdio: 'inherit' });
  if (!have('flamegraph')) execFileSync('cargo', ['install', 'flamegraph'], { stdio: 'inherit' });
  console.log('');
  // These commands take milliseconds, less than spawning them from Node costs (and varies): they
  // are timed by `perf stat -r 40 --null` (the mean of 40 runs ± its standard error, stdout to
  // /dev/null), and run
  // once more on their own for the outputs that are compared.
  const timed = (cmd: string, argv: string[], out: string) => {
    timeCmd(cmd, argv, out, { runs: 1 });
    return perfStat(cmd, argv, 40);
  };
  for (const [name, file] of inputs) {
    const ours = path.join(tmp, `${name}.flame.folded`);
    const theirs = path.join(tmp, `${name}.inferno.folded`);
    const f = timed(LAUNCHER, ['fold', file], ours);
    const i = timed('inferno-collapse-perf', [file], theirs);
    const i1 = timed('inferno-collapse-perf', ['--nthreads', '1', file], `${theirs}.1`);
    const f1 = timed(LAUNCHER, ['fold', '--nthreads', '1', file], `${ours}.1`);
    const same = [ours, `${ours}.1`].every((o) => readFileSync(o).equals(readFileSync(theirs)));
    const verdict = same ? 'outputs identical' : 'OUTPUTS DIFFER';
    row(`fold ${name}: flame fold vs inferno-collapse-perf (both: default threads)`, fmtMean(f), fmtMean(i), `ratio ${(f.mean / i.mean).toFixed(2)}`, verdict);
    row(`fold ${name}: flame fold --nthreads 1 vs inferno-collapse-perf --nthreads 1`, fmtMean(f1), fmtMean(i1), `ratio ${(f1.mean / i1.mean).toFixed(2)}`);
    const ourSvg = path.join(tmp, `${name}.flame.svg`);
    const sv = timed(LAUNCHER, ['svg', theirs], ourSvg);
    const is = timed('inferno-flamegraph', [theirs], path.join(tmp, `${name}.inferno.svg`));
    row(`svg ${name}: flame svg vs inferno-flamegraph`, fmtMean(sv), fmtMean(is), `ratio ${(sv.mean / is.mean).toFixed(2)}`);
    if (BASELINE !== undefined) {
      const old = path.join(BASELINE, 'bin', 'flame');
      const bf = timed(old, ['fold', file], `${ours}.baseline`);
      const bs = timed(old, ['svg', theirs], `${ourSvg}.baseline`);
      const sameFold = readFileSync(`${ours}.baseline`).equals(readFileSync(ours));
      row(
        `fold ${name}: flame fold vs ${baselineName} (both: default threads)`,
        fmtMean(f),
        fmtMean(bf),
        `ratio ${(f.mean / bf.mean).toFixed(2)}`,
        sameFold ? 'outputs identical' : 'OUTPUTS DIFFER',
      );
      row(`svg ${name}: flame svg vs ${baselineName}`, fmtMean(sv), fmtMean(bs), `ratio ${(sv.mean / bs.mean).toFixed(2)}`);
    }
  }
  // Analysis alone of one and the same perf.data.
  for (const [label, data] of [['cargo build recording', perfData]] as const) {
    const f = timeCmd(process.execPath, [FLAME, 'record', '--perf-data', data, '-o', path.join(tmp, 'a.svg')], path.join(tmp, 'a.out'), {
      env: { FLAME_CACHE_DIR: path.join(tmp, 'cache-peer') },
    });
    // cargo-flamegraph resolves inline frames through perf script + addr2line; on big binaries
    // that takes many minutes, so one run with a time limit.
    const limitMs = Number(process.env.FLAME_BENCH_PEER_LIMIT_MS ?? 300_000);
    const t0 = performance.now();
    const r = spawnSync('flamegraph', ['--perfdata', data, '-o', path.join(tmp, 'cf.svg')], { cwd: tmp, stdio: 'ignore', timeout: limitMs });
    const took = performance.now() - t0;
    const cfText = r.error || r.signal ? `> ${(limitMs / 1000).toFixed(0)} s (stopped)` : fmt(stat([took]));
    const ratio = r.error || r.signal ? `ratio < ${(f.median / limitMs).toFixed(3)}` : `ratio ${(f.median / took).toFixed(3)}`;
    row(`analysis of the ${label}: flame record --perf-data vs flamegraph --perfdata (inline frames)`, fmt(f), cfText, ratio);
  }
}
// One-shot against cargo-flamegraph on the fixture, and the sampling overhead.
{
  const { benchOneShot } = await import('./oneshot.js');
  console.log('');
  for (const r of await benchOneShot({ runs: RUNS, peers: PEERS, baseline: BASELINE === undefined ? undefined : { dir: BASELINE, name: baselineName } }))
    row(...r);
}
// False alarms of flame diff on an unchanged build, with 1, 3 and 5 runs per profile.
if (args.includes('--noise')) {
  const { benchNoise } = await import('./noise.js');
  console.log('');
  for (const r of await benchNoise({ profiles: Number(process.env.FLAME_BENCH_NOISE_PROFILES ?? 10), runs: [1, 3, 5] })) row(...r);
}
// The power of flame compare: a 10% and a 3% change of one function's work, found how often.
if (args.includes('--power')) {
  const { benchPower, POWER_DEFAULTS } = await import('./power.js');
  console.log('');
  for (const r of await benchPower(POWER_DEFAULTS)) row(...r);
}
// 4. The daemon: query latency over its socket on generated 1M-sample profiles, RSS, idle CPU.
if (args.includes('--daemon')) {
  const { benchDaemon } = await import('./daemon.js');
  console.log('');
  for (const r of await benchDaemon({ runs: Number(process.env.FLAME_BENCH_DAEMON_REQUESTS ?? 200) })) row(...r);
}
// 5. Watch mode: program exit → profile-ready, and save → new profile, on the fixture.
if (args.includes('--watch')) {
  const { benchWatch } = await import('./watch.js');
  console.log('');
  for (const r of await benchWatch({ runs: RUNS })) row(...r);
}
// 6. The editor and the web page: profile-ready → refreshed annotations; canvas render times.
if (args.includes('--lsp')) {
  const { benchLsp } = await import('./lsp.js');
  console.log('');
  for (const r of await benchLsp({ runs: RUNS })) row(...r);
}
if (args.includes('--web')) {
  const { benchWeb } = await import('./web.js');
  console.log('');
  for (const r of await benchWeb({ runs: Math.min(RUNS, 3) })) row(...r);
}
rmSync(tmp, { recursive: true, force: true });
