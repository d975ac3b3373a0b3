// Watch-mode figures: for a recording of about 10,000 samples, the time from the program's exit
// (record/finished) to profile/ready, and from a saved edit to the new profile, split into the
// incremental build, the program's run and flame's own overhead. Real daemon, cargo and perf.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { connect, type Connection } from '../clients/connect.js';
import * as P from '../protocol/methods.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FLAME_BIN = path.join(REPO, 'bin', 'flame.js');

interface Run {
  saveToReady: number;
  build: number;
  program: number;
  exitToReady: number;
  samples: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

export async function benchWatch(opts: { runs: number }): Promise<string[][]> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'flame-bench-watch-ws-'));
  const runtime = mkdtempSync(path.join(os.tmpdir(), 'flame-bench-watch-rt-'));
  cpSync(path.join(REPO, 'test', 'fixtures', 'hotspots'), work, { recursive: true, filter: (s) => !s.includes(`${path.sep}target`) });
  // About two seconds of the fixture on two threads at 4999 Hz: some 10,000 samples.
  const env = { FLAME_RUNTIME_DIR: runtime, FLAME_SOCKET: path.join(runtime, 'd.sock'), FLAME_CACHE_DIR: path.join(runtime, 'cache'), FLAME_FIXTURE_SCALE: '5' };
  const saved = { ...process.env };
  let daemon: ChildProcess | undefined;
  let c: Connection | undefined;
  try {
    daemon = spawn(process.execPath, [FLAME_BIN, 'daemon', 'run', '--workspace', work, '--idle-timeout', '0'], { env: { ...process.env, ...env }, stdio: 'ignore' });
    for (let i = 0; i < 300; i++) {
      const up = await new Promise<boolean>((r) => {
        const s = net.connect(env.FLAME_SOCKET);
        s.once('connect', () => (s.destroy(), r(true)));
        s.once('error', () => r(false));
      });
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    Object.assign(process.env, env);
    c = await connect({ cwd: work, spawn: false, clientName: 'bench-watch' });
    const at: Record<string, number> = {};
    const got: Record<string, unknown> = {};
    let wake: (() => void) | undefined;
    c.conn.onNotification((method: string, params: unknown) => {
      at[method] = performance.now();
      got[method] = params;
      if (method === P.ProfileReady.method || method === P.SessionError.method) wake?.();
    });
    const nextProfile = () => new Promise<void>((r) => (wake = r));
    let ready = nextProfile();
    await c.conn.sendRequest(P.WatchStart.type, { record: { frequency: 4999 } });
    await ready; // the first profile: a cold build and a cold symbol cache
    const runs: Run[] = [];
    const lib = path.join(work, 'src', 'lib.rs');
    for (let i = 0; i < opts.runs; i++) {
      ready = nextProfile();
      const saveAt = performance.now();
      appendFileSync(lib, `\n// edit ${i}\n`);
      await ready;
      if (got[P.SessionError.method]) throw new Error(`run failed: ${JSON.stringify(got[P.SessionError.method])}`);
      const build = got[P.BuildFinished.method] as P.BuildFinished.Params;
      const rec = got[P.RecordFinished.method] as P.RecordFinished.Params;
      const prof = got[P.ProfileReady.method] as P.ProfileReady.Params;
      runs.push({ saveToReady: at[P.ProfileReady.method]! - saveAt, build: build.durationMs, program: rec.durationMs, exitToReady: at[P.ProfileReady.method]! - at[P.RecordFinished.method]!, samples: prof.samples });
    }
    const m = (k: keyof Run) => median(runs.map((r) => r[k]));
    return [
      [`watch, ${runs.length} edits of the fixture, ~${Math.round(m('samples')).toLocaleString('en')} samples each: program exit → profile/ready (perf script, symbols from the cache, model, store)`, `median ${ms(m('exitToReady'))}`, `range ${ms(Math.min(...runs.map((r) => r.exitToReady)))}–${ms(Math.max(...runs.map((r) => r.exitToReady)))}`],
      [`watch: save → new profile`, `median ${ms(m('saveToReady'))}`, `incremental build ${ms(m('build'))} + program run under perf ${ms(m('program'))} + flame ${ms(m('saveToReady') - m('build') - m('program'))} (debounce, source hash, analysis, store)`],
    ];
  } finally {
    process.env = saved;
    c?.close();
    if (daemon && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon!.once('exit', r));
      daemon.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    rmSync(work, { recursive: true, force: true });
    rmSync(runtime, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const r of await benchWatch({ runs: Number(process.env.FLAME_BENCH_RUNS ?? 5) })) console.log(r.join(' | '));
}
