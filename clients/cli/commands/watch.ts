// `flame watch`: start or join a watch session and keep a live screen of the state, the hottest
// functions and their change against the previous profile, and the program's latest output;
// JSON lines when not on a terminal.
import path from 'node:path';
import { connect, onNotification, request } from '../../connect.js';
import * as P from '../../../protocol/methods.js';
import type { FunctionRow } from '../../../protocol/types.js';
import {
  fillOptionalValues,
  limitArg,
  parse,
  RECORD_FLAGS,
  RECORD_HELP,
  recordOptions,
  splitDashDash,
  TARGET_FLAGS,
  TARGET_HELP,
  targetOptions,
} from '../args.js';
import { UsageError } from '../main.js';
import { pct } from '../render.js';

const HELP = `Usage: flame watch [target] [recording] [--json] [-- PROGRAM_ARGS]

Start (or join) a watch session in the workspace daemon: every saved change rebuilds the
target, records it and shows the hottest functions with their change against the previous
profile, and the last lines the program printed (its panic message and exit status when it
fails). q or Ctrl-C leaves (the session goes on while other clients watch it).
With --json, or when stdout is not a terminal: one JSON object per line per event; the
program's output comes as {"event": "output", "lines": [...], "dropped": N, "end"?: {...}}.

${TARGET_HELP}

${RECORD_HELP}`;

export async function run(argv: string[]): Promise<number> {
  const [flags, programArgs] = splitDashDash(argv);
  const { values } = parse(
    fillOptionalValues(flags, ['--unit-test', '--unit-bench']),
    { ...TARGET_FLAGS, ...RECORD_FLAGS, json: { type: 'boolean' }, limit: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    { positionals: false },
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const target = targetOptions(values);
  const record = recordOptions(values);
  if (record.pid !== undefined) throw new UsageError('flame watch rebuilds and reruns the target; --pid does not apply');
  const limit = limitArg(values.limit, 15) ?? Infinity;
  const json = values.json || !process.stdout.isTTY;
  const c = await connect({
    manifestPath: target.manifestPath,
    clientName: 'flame-watch',
    requires: [P.WatchStart.type, P.WatchStop.type, P.Top.type, P.ProfileReady.type],
  });
  if (target.manifestPath) target.manifestPath = path.resolve(target.manifestPath);
  target.cwd = process.cwd();
  const screen = json ? new JsonLines() : new LiveScreen(limit, c.workspaceRoot);
  let previousTop: FunctionRow[] | undefined;
  let sessionId: string | undefined;
  onNotification(c, P.BuildStarted.type, (p) => screen.event('build', { phase: 'started', ...p }));
  onNotification(c, P.BuildFinished.type, (p) => screen.event(p.ok ? 'build' : 'error', p.ok ? { phase: 'finished', ...p } : { kind: 'build', ...p }));
  onNotification(c, P.RecordStarted.type, (p) => screen.event('record', { phase: 'started', ...p }));
  onNotification(c, P.RecordFinished.type, (p) => screen.event('record', { phase: 'finished', ...p }));
  onNotification(c, P.Progress.type, (p) => screen.progress(p));
  onNotification(c, P.SessionError.type, (p) => screen.event('error', { kind: 'session', ...p }));
  // Every client hears every session's program; this screen shows its own session's.
  onNotification(c, P.ProgramOutput.type, (p) => {
    if (sessionId === undefined || p.sessionId === sessionId) screen.output(p);
  });
  onNotification(c, P.ProfileReady.type, async (p) => {
    try {
      // All functions once: the first rows are shown, the rest are the next profile's baseline.
      const all = await request(c, P.Top.type, { profile: p.id, limit: 100000 });
      screen.profile(p, { ...all, functions: all.functions.slice(0, limit) }, previousTop);
      previousTop = all.functions;
    } catch (err) {
      screen.event('error', { kind: 'query', message: (err as Error).message });
    }
  });
  let started: P.WatchStart.Result;
  try {
    started = await request(c, P.WatchStart.type, { target, record, programArgs: programArgs ?? [] });
  } catch (err) {
    c.close(); // an open socket would keep the process alive after the error is printed
    throw err;
  }
  sessionId = started.sessionId;
  screen.event('watch', { sessionId, joined: started.joined, workspace: c.workspaceRoot });

  return new Promise<number>((resolve) => {
    const onKey = (b: Buffer): void => {
      const k = b.toString();
      if (k === 'q' || k === '\u0003') void leave();
    };
    // Raw, flowing stdin would keep Node running and leave the terminal raw: undo both on the way out.
    let finished = false;
    const done = (code: number): void => {
      if (finished) return;
      finished = true;
      if (process.stdin.isTTY) {
        process.stdin.off('data', onKey);
        process.stdin.setRawMode(false);
        process.stdin.pause();
      }
      resolve(code);
    };
    const leave = async () => {
      await request(c, P.WatchStop.type, { sessionId }).catch(() => {});
      screen.close();
      c.close();
      done(0);
    };
    process.once('SIGINT', () => void leave());
    process.once('SIGTERM', () => void leave());
    c.conn.onClose(() => {
      screen.event('error', { kind: 'daemon', message: 'the daemon went away; run flame watch again to restart it' });
      done(1);
    });
    if (process.stdin.isTTY) {
      process.stdin.setRawMode(true);
      process.stdin.resume();
      process.stdin.on('data', onKey);
    }
  });
}

interface Screen {
  event(kind: string, data: Record<string, unknown>): void;
  progress(p: P.Progress.Params): void;
  output(p: P.ProgramOutput.Params): void;
  profile(p: P.ProfileReady.Params, top: P.Top.Result, previous: FunctionRow[] | undefined): void;
  close(): void;
}

class JsonLines implements Screen {
  event(kind: string, data: Record<string, unknown>): void {
    process.stdout.write(`${JSON.stringify({ event: kind, ...data })}\n`);
  }
  progress(p: P.Progress.Params): void {
    this.event('progress', { ...p });
  }
  output(p: P.ProgramOutput.Params): void {
    this.event('output', { ...p });
  }
  profile(p: P.ProfileReady.Params, top: P.Top.Result): void {
    process.stdout.write(
      `${JSON.stringify({ event: 'profile', id: p.id, samples: p.samples, unit: p.unit, top: { samples: top.samples, unit: top.unit, functions: top.functions } })}\n`,
    );
  }
  close(): void {}
}

/** Lines of the program's output the live screen shows. */
const OUTPUT_PANEL_LINES = 8;

/** The full-screen view: state line, the latest profile's table with deltas, the program's output, build errors. */
class LiveScreen implements Screen {
  private state = 'starting';
  private table: string[] = [];
  private errors: string[] = [];
  /** The current run's last output lines, how many it printed in all, and how it ended. */
  private outputTail: string[] = [];
  private outputCount = 0;
  private programEnd: P.ProgramOutput.End | undefined;
  constructor(
    private readonly limit: number,
    private readonly root: string,
  ) {
    process.stdout.write('\x1b[?25l');
  }
  event(kind: string, data: Record<string, unknown>): void {
    if (kind === 'build' && data.phase === 'started') {
      this.state = `building ${String(data.target)}…`;
      this.errors = [];
    } else if (kind === 'build') this.state = 'built';
    else if (kind === 'record' && data.phase === 'started') {
      this.state = 'recording…';
      this.outputTail = [];
      this.outputCount = 0;
      this.programEnd = undefined;
    } else if (kind === 'record') this.state = 'symbolizing…';
    else if (kind === 'watch') this.state = data.joined ? 'joined the running session' : 'watching';
    else if (kind === 'error') {
      this.state = 'error';
      const errs = (data.errors as Array<{ rendered: string }> | undefined) ?? [];
      this.errors = errs.length > 0 ? errs.map((e) => e.rendered) : [String(data.message)];
    }
    this.draw();
  }
  progress(p: P.Progress.Params): void {
    // A build's message already carries its count ("3 of about 17 built").
    this.state = p.total && p.stage !== 'build' ? `${p.stage}: ${p.message} (${p.done ?? 0}/${p.total})` : `${p.stage}: ${p.message}`;
    this.draw();
  }
  output(p: P.ProgramOutput.Params): void {
    this.outputCount += p.lines.length + p.dropped;
    this.outputTail = [...this.outputTail, ...p.lines].slice(-OUTPUT_PANEL_LINES);
    if (p.end) this.programEnd = p.end;
    this.draw();
  }
  profile(p: P.ProfileReady.Params, top: P.Top.Result, previous: FunctionRow[] | undefined): void {
    const prev = new Map((previous ?? []).map((f) => [f.name, f.self]));
    const prevTotal = (previous ?? []).reduce((a, f) => a + f.self, 0);
    this.table = [`profile ${p.id}: ${p.samples} ${p.unit}`, `${'self'.padStart(7)} ${'total'.padStart(7)} ${'change'.padStart(8)}  function`];
    for (const f of top.functions.slice(0, this.limit)) {
      let change = '';
      if (previous) {
        const before = prevTotal > 0 ? (prev.get(f.name) ?? 0) / prevTotal : 0;
        const now = top.samples > 0 ? f.self / top.samples : 0;
        const d = 100 * (now - before);
        change = prev.has(f.name) ? `${d >= 0 ? '+' : ''}${d.toFixed(1)}` : 'new';
      }
      this.table.push(`${pct(f.self, top.samples).padStart(7)} ${pct(f.total, top.samples).padStart(7)} ${change.padStart(8)}  ${f.name}`);
    }
    this.state = 'watching for changes';
    this.errors = [];
    this.draw();
  }
  private draw(): void {
    const lines = [`flame watch — ${this.root}   (q to leave)`, `state: ${this.state}`, '', ...this.table];
    lines.push(...programPanel(this.outputTail, this.outputCount, this.programEnd, process.stdout.columns ?? 80));
    if (this.errors.length) lines.push('', 'errors:', ...this.errors);
    process.stdout.write(`\x1b[H\x1b[2J${lines.join('\n')}\n`);
  }
  close(): void {
    process.stdout.write('\x1b[?25h');
  }
}

/**
 * The program's part of the live screen: its last lines, cut to the terminal's width so that a
 * long line cannot push the table off the screen, and how it ended when it failed.
 */
export function programPanel(tail: string[], count: number, end: P.ProgramOutput.End | undefined, columns: number): string[] {
  const out: string[] = [];
  if (count > 0) {
    out.push('', count > tail.length ? `program output (last ${tail.length} of ${count} lines):` : 'program output:');
    // Control characters (a program's own cursor movements or colours) would redraw our screen.
    for (const l of tail) out.push(`  │ ${l.replace(/\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b-\x1f\x7f]/g, '')}`.slice(0, Math.max(20, columns - 1)));
  }
  if (end?.failed) {
    out.push('', `the program ${end.signal ? `died of ${end.signal}` : `exited with status ${end.exitCode}`}${end.panic ? ':' : ''}`);
    if (end.panic) for (const l of end.panic.split('\n')) out.push(`  ${l}`.slice(0, Math.max(20, columns - 1)));
  }
  return out;
}
