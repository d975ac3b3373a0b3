// The power of `flame compare` (`npm run bench -- --power`, or `node dist/bench/power.js`): how
// often it finds a change that is there. The knob fixture's base commit against a working tree
// in which one function does 10% (then 3%) more work, compared ten times with N runs a side; a
// compare finds the change when that function's total share grew significantly. The issue
// "Changes you can trust" asks for at least 9 of 10 at 10% with N = 5, and how often at 3%. With
// the knob at 0 (FLAME_BENCH_POWER_KNOBS=0) the same compares count false alarms instead.
// Slow (ten compares of ten recordings per figure), so it is a mode of its own.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { CompareReport } from '../engine/compare/report.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FLAME = path.join(REPO, 'bin', 'flame.js');

export interface PowerOptions {
  /** Compares per figure. */
  compares: number;
  /** Runs a side. */
  runs: number;
  /** The knob settings, in percent of the function's work. */
  knobs: number[];
  /** Recording settings to measure at: a label and the flags. */
  settings: Array<{ label: string; flags: string[] }>;
}

/** Rows for `npm run bench`: per setting and knob, the compares that found the change. */
export async function benchPower(opts: PowerOptions): Promise<string[][]> {
  const rows: string[][] = [];
  const work = mkdtempSync(path.join(os.tmpdir(), 'flame-bench-power-'));
  try {
    cpSync(path.join(REPO, 'test', 'fixtures', 'knob'), work, { recursive: true, filter: (s) => !s.includes(`${path.sep}target`) });
    const env = { ...process.env, FLAME_CACHE_DIR: path.join(work, '.cache'), FLAME_RUNTIME_DIR: path.join(work, '.run'), FLAME_RETENTION: '1000' };
    const git = (...a: string[]) => {
      const r = spawnSync('git', ['-c', 'user.email=b@example.com', '-c', 'user.name=bench', ...a], { cwd: work, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr}`);
    };
    writeFileSync(path.join(work, '.gitignore'), '/target\n/.cache\n/.run\n');
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'base');
    const main = path.join(work, 'src', 'main.rs');
    const source = readFileSync(main, 'utf8');
    for (const setting of opts.settings) {
      for (const knob of opts.knobs) {
        writeFileSync(main, source.replace(/const EXTRA_PERCENT: u64 = \d+;/, `const EXTRA_PERCENT: u64 = ${knob};`));
        let found = 0;
        /** With the knob at 0 nothing changed: every row marked significant is a false alarm. */
        let alarms = 0;
        let rowsCompared = 0;
        const deltas: number[] = [];
        const halves: number[] = [];
        const times: number[] = [];
        let samples = 0;
        for (let i = 0; i < opts.compares; i++) {
          const t0 = performance.now();
          const r = spawnSync(process.execPath, [FLAME, 'compare', '--base', 'HEAD', '--runs', String(opts.runs), ...setting.flags, '--json', '--limit', '0'], {
            cwd: work,
            env,
            encoding: 'utf8',
            maxBuffer: 64 << 20,
          });
          times.push(performance.now() - t0);
          if (r.status !== 0) throw new Error(`flame compare failed (${r.status}): ${r.stderr.slice(-2000)}`);
          const report = JSON.parse(r.stdout) as CompareReport;
          const tuned = report.functions.find((f) => f.name === 'knob::tuned');
          if (!tuned) throw new Error(`no knob::tuned in the compare: ${report.functions.map((f) => f.name).join(', ')}`);
          const hit = tuned.change.total.significant && tuned.deltaTotalShare > 0;
          alarms += [...report.functions, ...report.lines].filter((row) => row.significant).length;
          rowsCompared += report.functions.length + report.lines.length;
          if (hit) found++;
          deltas.push(tuned.deltaTotalShare);
          halves.push((tuned.change.total.high - tuned.change.total.low) / 2);
          samples += report.current.samples / report.current.runs;
          process.stderr.write(
            `power bench: ${setting.label}, knob ${knob}%, compare ${i + 1}: Δ ${(100 * tuned.deltaTotalShare).toFixed(2)} ± ${(100 * halves.at(-1)!).toFixed(2)} points, ${hit ? 'found' : 'missed'}\n`,
          );
        }
        const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
        const expected = (1 + knob / 100) / (2 + knob / 100) - 0.5;
        if (knob === 0) {
          rows.push([
            `false alarms of flame compare, knob fixture, the same source on both sides, N=${opts.runs} a side, ${setting.label}: rows marked significant over ${opts.compares} compares (${rowsCompared} rows compared)`,
            `${alarms}`,
            `${(mean(times) / 1000).toFixed(1)} s a compare`,
          ]);
          continue;
        }
        rows.push([
          `power of flame compare, knob fixture, ${knob}% more work in one function (expected +${(100 * expected).toFixed(1)} points of its share), N=${opts.runs} a side, ${setting.label} (~${Math.round(samples / opts.compares)} samples a run)`,
          `found in ${found} of ${opts.compares}`,
          `Δ ${(100 * mean(deltas)).toFixed(2)} points on average, 95% interval ±${(100 * mean(halves)).toFixed(2)}; ${(mean(times) / 1000).toFixed(1)} s a compare`,
        ]);
      }
    }
    return rows;
  } finally {
    if (process.env.FLAME_BENCH_KEEP) process.stderr.write(`power bench: the work directory is kept in ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
}

/** What `--power` measures unless told otherwise: the defaults, and the settings the README advises for a short program. */
export const POWER_DEFAULTS: PowerOptions = {
  compares: Number(process.env.FLAME_BENCH_POWER_COMPARES ?? 10),
  runs: 5,
  knobs: (process.env.FLAME_BENCH_POWER_KNOBS ?? '10,3').split(',').map(Number),
  // FLAME_BENCH_POWER_SETTINGS=fast measures at 9999 Hz only.
  settings: [
    { label: 'at -F 9999 --call-graph fp', flags: ['-F', '9999', '--call-graph', 'fp'] },
    { label: 'at the defaults (997 Hz, dwarf)', flags: [] },
  ].slice(0, process.env.FLAME_BENCH_POWER_SETTINGS === 'fast' ? 1 : 2),
};

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const r of await benchPower(POWER_DEFAULTS)) console.log(r.join(' | '));
}
