// One-shot figures against cargo-flamegraph on the fixture crate (whole runs, and analysis of one
// and the same perf.data), and the sampling overhead of flame's recording settings.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FLAME = path.join(REPO, 'bin', 'flame.js');

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Wall time of a command, which must succeed. */
function wall(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): number {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${String(r.stderr).slice(-2000)}`);
  return performance.now() - t;
}

/**
 * Rows for `npm run bench`; `peers` adds cargo-flamegraph (which must be on PATH), `baseline`
 * another built flame checkout, whose `flame record` runs alternate with this one's.
 */
export async function benchOneShot(opts: { runs: number; peers: boolean; baseline?: { dir: string; name: string } }): Promise<string[][]> {
  const rows: string[][] = [];
  const work = mkdtempSync(path.join(os.tmpdir(), 'flame-bench-oneshot-'));
  try {
    cpSync(path.join(REPO, 'test', 'fixtures', 'hotspots'), work, { recursive: true, filter: (s) => !s.includes(`${path.sep}target`) });
    const env = { FLAME_CACHE_DIR: path.join(work, 'cache'), FLAME_FIXTURE_SCALE: '3' };
    const manifest = path.join(work, 'Cargo.toml');
    // Warm: the build, and flame's symbol cache for std (present on any developer's machine).
    wall(process.execPath, [FLAME, 'record', '--manifest-path', manifest, '-o', 'warm.svg'], work, env);
    const bin = path.join(work, 'target', 'flame-release', 'hotspots');

    // Overhead: the program under perf record against the program alone, less perf's own fixed
    // cost (start-up and write-out, measured around `true` with the same settings).
    const alone = median(Array.from({ length: opts.runs }, () => wall(bin, [], work, env)));
    const under = (args: string[], cmd: string) =>
      median(
        Array.from({ length: opts.runs }, () =>
          wall('perf', ['record', '-o', path.join(work, 'o.data'), '--no-buildid-cache', '--no-bpf-event', ...args, '--', cmd], work, env),
        ),
      );
    const settings: Array<[string, string[]]> = [
      ['997 Hz dwarf (default)', ['-F', '997', '--call-graph', 'dwarf,64000']],
      ['99 Hz dwarf', ['-F', '99', '--call-graph', 'dwarf,64000']],
      ['997 Hz fp', ['-F', '997', '--call-graph', 'fp']],
      ['99 Hz fp', ['-F', '99', '--call-graph', 'fp']],
    ];
    const cells = settings.map(([label, args]) => {
      const fixed = under(args, 'true');
      const x = under(args, bin) - fixed;
      return `${label} ${x >= alone ? '+' : ''}${((100 * (x - alone)) / alone).toFixed(1)}% (perf's fixed cost ${sec(fixed)})`;
    });
    rows.push([`sampling overhead: the fixture (${sec(alone)} alone) under perf record, less perf's fixed cost`, ...cells]);

    // flame analyses while the program runs (perf script follows the recording); its summary's
    // afterProgramMs is what is left after the program ends, up to the SVG on disk.
    const afterEnd: number[] = [];
    const baselineAfterEnd: number[] = [];
    const recordOnce = (flame: string, after: number[]) => {
      const t = performance.now();
      const r = spawnSync(process.execPath, [flame, 'record', '--manifest-path', manifest, '-o', 'f.svg', '--json'], {
        cwd: work,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
      });
      if (r.status !== 0) throw new Error(`${flame} record failed (${r.status}): ${String(r.stderr).slice(-2000)}`);
      after.push((JSON.parse(String(r.stdout)) as { afterProgramMs: number }).afterProgramMs);
      return performance.now() - t;
    };
    const baselineFlame = opts.baseline === undefined ? undefined : path.join(opts.baseline.dir, 'bin', 'flame.js');
    // Alternated with the baseline's runs, so that drift on the machine hits both alike.
    const flameRuns = Array.from({ length: opts.runs }, () => {
      if (baselineFlame !== undefined) recordOnce(baselineFlame, baselineAfterEnd);
      return recordOnce(FLAME, afterEnd);
    });
    if (opts.baseline !== undefined) {
      const [a, b] = [median(afterEnd), median(baselineAfterEnd)];
      rows.push([
        `flame record on the fixture, after the program ends (SVG on disk): this checkout vs ${opts.baseline.name}, runs alternated`,
        `${a.toFixed(0)} ms`,
        `${b.toFixed(0)} ms`,
        `ratio ${(a / b).toFixed(2)}`,
      ]);
    }
    const perfData = path.join(work, 'target', 'flame', 'perf.data');
    const flameAnalysis = Array.from({ length: opts.runs }, () => wall(process.execPath, [FLAME, 'record', '--perf-data', perfData, '-o', 'a.svg'], work, env));
    if (!opts.peers) {
      rows.push([`flame record on the fixture (build fresh, record, analyse, SVG)`, sec(median(flameRuns))]);
      rows.push([`flame record on the fixture: after the program ends (live analysis finishing)`, sec(median(afterEnd))]);
      rows.push([`flame record --perf-data of that recording (analysis alone)`, sec(median(flameAnalysis))]);
      return rows;
    }
    const cargoRuns = Array.from({ length: opts.runs }, () => wall('cargo', ['flamegraph', '--manifest-path', manifest, '-o', 'c.svg'], work, env));
    const cargoAnalysis = Array.from({ length: opts.runs }, () => wall('flamegraph', ['--perfdata', perfData, '-o', 'ca.svg'], work, env));
    const ratio = (a: number, b: number) => `ratio ${(a / b).toFixed(2)}`;
    rows.push([
      `one-shot on the fixture: flame record vs cargo flamegraph (whole wall time)`,
      sec(median(flameRuns)),
      sec(median(cargoRuns)),
      ratio(median(flameRuns), median(cargoRuns)),
    ]);
    rows.push([
      `one-shot, after the program ends: flame record (live analysis finishing, SVG written: its afterProgramMs) vs cargo flamegraph (flamegraph --perfdata of the fixture's recording)`,
      sec(median(afterEnd)),
      sec(median(cargoAnalysis)),
      ratio(median(afterEnd), median(cargoAnalysis)),
    ]);
    rows.push([
      `analysis alone, the same fixture perf.data: flame record --perf-data vs flamegraph --perfdata`,
      sec(median(flameAnalysis)),
      sec(median(cargoAnalysis)),
      ratio(median(flameAnalysis), median(cargoAnalysis)),
    ]);
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.env.PATH = `${path.join(os.homedir(), '.cargo', 'bin')}:${process.env.PATH}`;
  for (const r of await benchOneShot({ runs: Number(process.env.FLAME_BENCH_RUNS ?? 5), peers: process.argv.includes('--peers') })) console.log(r.join(' | '));
}
