// False alarms of `flame diff` on this machine (`npm run bench -- --noise`): one unchanged build
// of the fixture profiled ten times with N runs each while another process keeps a core busy,
// and every consecutive pair diffed. Every row marked significant is a false alarm, since nothing
// changed; the issue "Changes you can trust" asks for at most one over all nine diffs.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { noiseThreshold } from '../engine/query/diff.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FLAME = path.join(REPO, 'bin', 'flame.js');

interface Counts {
  self: number;
  total: number;
}
interface DiffRow {
  name?: string;
  file?: string;
  line?: number;
  significant: boolean;
  base: Counts;
  current: Counts;
  deltaSelfShare: number;
  deltaTotalShare: number;
}
interface DiffJson {
  base: { samples: number };
  current: { samples: number };
  functions: DiffRow[];
  lines: DiffRow[];
}

/** Whether flame's rule before session 6 (two binomial standard errors per row, no correction for the number of rows) called the row a change. */
function oldRule(d: DiffJson, r: DiffRow): boolean {
  const nb = d.base.samples;
  const nc = d.current.samples;
  const beyond = (k: 'self' | 'total', delta: number) => Math.abs(delta) > noiseThreshold(nb, nc, (r.base[k] + r.current[k]) / (nb + nc));
  return beyond('self', r.deltaSelfShare) || beyond('total', r.deltaTotalShare);
}

function flame(args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [FLAME, ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`flame ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** Rows for `npm run bench`: false alarms per N, with the rows compared. */
export async function benchNoise(opts: { profiles: number; runs: number[] }): Promise<string[][]> {
  const rows: string[][] = [];
  const work = mkdtempSync(path.join(os.tmpdir(), 'flame-bench-noise-'));
  // A busy core beside the profiled program, as on a developer's machine with other work on it.
  const load = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
  try {
    cpSync(path.join(REPO, 'test', 'fixtures', 'hotspots'), work, { recursive: true, filter: (s) => !s.includes(`${path.sep}target`) });
    const env = { FLAME_CACHE_DIR: path.join(work, 'cache'), FLAME_FIXTURE_SCALE: '1', FLAME_RUNTIME_DIR: path.join(work, 'run') };
    const manifest = path.join(work, 'Cargo.toml');
    for (const n of opts.runs) {
      const ids: string[] = [];
      for (let i = 0; i < opts.profiles; i++) {
        flame(['record', '--manifest-path', manifest, '--runs', String(n), '-o', path.join(work, 'f.svg')], work, env);
        const list = JSON.parse(flame(['profiles', '--json', '--manifest-path', manifest], work, env)) as
          { profiles: Array<{ id: string }> } | Array<{ id: string }>;
        const all = Array.isArray(list) ? list : list.profiles;
        ids.push(all.at(-1)!.id);
      }
      let alarms = 0;
      let oldAlarms = 0;
      let diffsWithAlarm = 0;
      let compared = 0;
      for (let i = 1; i < ids.length; i++) {
        const d = JSON.parse(flame(['diff', ids[i - 1]!, ids[i]!, '--json', '--limit', '100000', '--manifest-path', manifest], work, env)) as DiffJson;
        const flagged = [...d.functions, ...d.lines].filter((r) => r.significant);
        const hits = flagged.length;
        // What was flagged, for whoever studies the false alarms (stderr: the table stays on stdout).
        for (const r of flagged)
          process.stderr.write(
            `noise bench: N=${n}, diff ${i}: ${r.name ?? `${r.file}:${r.line}`} self ${r.base.self}→${r.current.self}, total ${r.base.total}→${r.current.total} (of ${d.base.samples}→${d.current.samples})\n`,
          );
        oldAlarms += [...d.functions, ...d.lines].filter((r) => oldRule(d, r)).length;
        alarms += hits;
        if (hits > 0) diffsWithAlarm++;
        compared += d.functions.length + d.lines.length;
      }
      rows.push([
        `false alarms of flame diff, one unchanged build, ${opts.profiles} profiles of ${n} run${n === 1 ? '' : 's'} each, a core kept busy: rows marked significant over ${ids.length - 1} consecutive diffs (${compared} rows compared)`,
        `${alarms} (in ${diffsWithAlarm} of ${ids.length - 1} diffs)`,
        `the old per-row 2σ rule: ${oldAlarms}`,
      ]);
    }
    return rows;
  } finally {
    load.kill('SIGKILL');
    if (process.env.FLAME_BENCH_KEEP) process.stderr.write(`noise bench: the profiles are kept in ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const r of await benchNoise({ profiles: Number(process.env.FLAME_BENCH_NOISE_PROFILES ?? 10), runs: [1, 3, 5] })) console.log(r.join(' | '));
}
