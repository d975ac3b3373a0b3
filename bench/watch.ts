// Watch-mode figures: for a recording of about 10,000 samples, the time from the program's exit
// (record/finished) to profile/ready, and from a saved edit to the new profile, split into the
// incremental build, the program's run and flame's own overhead. Real daemon, cargo and perf.
import { appendFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Connection, send } from '../clients/connect.js';
import { startDaemon } from '../test/daemon-fixture.js';
import { median } from './stats.js';
import * as P from '../protocol/methods.js';

interface Run {
  saveToReady: number;
  build: number;
  program: number;
  exitToReady: number;
  samples: number;
  /** Program exit → symbolization starts: perf script and parsing. */
  script: number;
  /** Symbolizing the freshly built binary (its build-id is new after every edit). */
  symbolize: number;
  /** Model and store. */
  rest: number;
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

export async function benchWatch(opts: { runs: number }): Promise<string[][]> {
  // About two seconds of the fixture on two threads at 4999 Hz: some 10,000 samples.
  const daemon = await startDaemon({ prefix: 'flame-bench-watch', env: { FLAME_FIXTURE_SCALE: '5' } });
  const work = daemon.work;
  let c: Connection | undefined;
  try {
    c = await daemon.client('bench-watch');
    const at: Record<string, number> = {};
    const got: Record<string, unknown> = {};
    let wake: (() => void) | undefined;
    c.conn.onNotification((method: string, params: unknown) => {
      at[method] = performance.now();
      got[method] = params;
      // When each analysis stage begins: perf script, then symbolization, then the model.
      if (method === P.Progress.method) {
        const stage = (params as P.Progress.Params).stage;
        if (at[`stage:${stage}`] === undefined) at[`stage:${stage}`] = performance.now();
      }
      if (method === P.ProfileReady.method || method === P.SessionError.method) wake?.();
    });
    const nextProfile = () => new Promise<void>((r) => (wake = r));
    let ready = nextProfile();
    // One run a profile, as the figures in the README were measured (watch's default would repeat a short program).
    await send(c.conn, P.WatchStart.type, { record: { frequency: 4999, runs: 1 } });
    await ready; // the first profile: a cold build and a cold symbol cache
    const runs: Run[] = [];
    const lib = path.join(work, 'src', 'lib.rs');
    for (let i = 0; i < opts.runs; i++) {
      ready = nextProfile();
      for (const k of Object.keys(at)) if (k.startsWith('stage:')) delete at[k];
      const saveAt = performance.now();
      appendFileSync(lib, `\n// edit ${i}\n`);
      await ready;
      if (got[P.SessionError.method]) throw new Error(`run failed: ${JSON.stringify(got[P.SessionError.method])}`);
      const build = got[P.BuildFinished.method] as P.BuildFinished.Params;
      const rec = got[P.RecordFinished.method] as P.RecordFinished.Params;
      const prof = got[P.ProfileReady.method] as P.ProfileReady.Params;
      runs.push({
        saveToReady: at[P.ProfileReady.method]! - saveAt,
        build: build.durationMs,
        program: rec.durationMs,
        exitToReady: at[P.ProfileReady.method]! - at[P.RecordFinished.method]!,
        samples: prof.samples,
        script: at['stage:symbolize']! - at[P.RecordFinished.method]!,
        symbolize: at['stage:model']! - at['stage:symbolize']!,
        rest: at[P.ProfileReady.method]! - at['stage:model']!,
      });
    }
    const m = (k: keyof Run) => median(runs.map((r) => r[k]));
    return [
      [
        `watch, ${runs.length} edits of the fixture, ~${Math.round(m('samples')).toLocaleString('en')} samples each: program exit → profile/ready`,
        `median ${ms(m('exitToReady'))}`,
        `range ${ms(Math.min(...runs.map((r) => r.exitToReady)))}–${ms(Math.max(...runs.map((r) => r.exitToReady)))}`,
        `perf script ${ms(m('script'))} + symbolizing the rebuilt binary ${ms(m('symbolize'))} + model and store ${ms(m('rest'))}`,
      ],
      [
        `watch: save → new profile`,
        `median ${ms(m('saveToReady'))}`,
        `incremental build ${ms(m('build'))} + program run under perf ${ms(m('program'))} + flame ${ms(m('saveToReady') - m('build') - m('program'))} (debounce, source hash, analysis, store)`,
      ],
    ];
  } finally {
    c?.close();
    await daemon.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(daemon.runtime, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const r of await benchWatch({ runs: Number(process.env.FLAME_BENCH_RUNS ?? 5) })) console.log(r.join(' | '));
}
