// `flame watch`: start or join a watch session and keep a live screen of the state, the hottest
// functions and their change against the previous profile, and the program's latest output;
// JSON lines when not on a terminal.
import path from 'node:path';
import { connect, onNotification, request } from '../../connect.js';
import * as P from '../../../protocol/methods.js';
import type { MovedRow } from '../../../protocol/types.js';
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
import { halfWidth, noiseHeading, pct, runsNote } from '../render.js';
import { colorChoice, paint, paintChange, terminal, type Term } from '../term.js';

const HELP = `Usage: flame watch [target] [recording] [--json] [--color WHEN] [-- PROGRAM_ARGS]

Start (or join) a watch session in the workspace daemon: every saved change rebuilds the
target, records it and shows the hottest functions (with their noise band when the profile has
several runs), what moved since the session's previous profile, and the last lines the program
printed (its panic message and exit status when it fails). A change is marked * when it is
beyond noise (flame diff's rule: both profiles' run-to-run variation, a 5% false discovery rate
over every row compared); on a terminal a real growth is red, a real shrink green and a change
within noise dim (--color auto|always|never; NO_COLOR is honoured). Joining a running session
(another flame watch, or the editor's watch of the same target) shows its latest profile at
once. q or Ctrl-C leaves (the session goes on while other clients watch it).
Without --runs, each profile records as many runs as fit 2 s at the previous profile's time
per run, 1 to 5 (1 when the session has no earlier profile); --runs N sets the number.
With --json, or when stdout is not a terminal: one JSON object per line per event; a profile
comes as {"event": "profile", "id", "samples", "unit", "runs"?, "top": {...}, "moved"?: [{name,
before, after, beforeTotal, afterTotal, delta, low, high, significant}], "movedSince"?}, the
program's output as {"event": "output", "lines": [...], "dropped": N, "end"?: {...}}.

${TARGET_HELP}

${RECORD_HELP}`;

export async function run(argv: string[]): Promise<number> {
  const [flags, programArgs] = splitDashDash(argv);
  const { values } = parse(
    fillOptionalValues(flags, ['--unit-test', '--unit-bench']),
    {
      ...TARGET_FLAGS,
      ...RECORD_FLAGS,
      json: { type: 'boolean' },
      limit: { type: 'string' },
      color: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
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
  const term = terminal(process.stdout, colorChoice(values.color));
  const json = values.json || !term.tty;
  const c = await connect({
    manifestPath: target.manifestPath,
    clientName: 'flame-watch',
    requires: [P.WatchStart.type, P.WatchStop.type, P.Top.type, P.ProfileReady.type],
  });
  if (target.manifestPath) target.manifestPath = path.resolve(target.manifestPath);
  target.cwd = process.cwd();
  const screen = json ? new JsonLines() : new LiveScreen(limit, c.workspaceRoot, term);
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
  const show = async (p: P.ProfileReady.Params) => {
    try {
      screen.profile(p, await request(c, P.Top.type, { profile: p.id, limit: Number.isFinite(limit) ? limit : 100000 }));
    } catch (err) {
      screen.event('error', { kind: 'query', message: (err as Error).message });
    }
  };
  // This session's profiles only: what moved is measured within a session.
  onNotification(c, P.ProfileReady.type, (p) => {
    if (sessionId !== undefined && p.sessionId === sessionId) void show(p);
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
  // A running session's latest profile now, not at its next change.
  if (started.latest) void show(started.latest);

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
  profile(p: P.ProfileReady.Params, top: P.Top.Result): void;
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
    const e: Record<string, unknown> = { event: 'profile', id: p.id, samples: p.samples, unit: p.unit };
    if (top.runs) e.runs = top.runs;
    e.top = { samples: top.samples, unit: top.unit, functions: top.functions };
    if (p.moved) {
      e.moved = p.moved;
      e.movedSince = p.movedSince;
    }
    process.stdout.write(`${JSON.stringify(e)}\n`);
  }
  close(): void {}
}

/** Lines of the program's output the live screen shows. */
const OUTPUT_PANEL_LINES = 8;
/** Rows of the "what moved" part: changes beyond noise, then changes within it. */
const MOVED_REAL_ROWS = 10;
const MOVED_NOISE_ROWS = 5;

/**
 * The full-screen view: state line, the latest profile's table with its changes, what moved, the
 * program's output, build errors. On a terminal without escape codes (`TERM=dumb`) the same parts
 * come as plain lines, each when it changes.
 */
class LiveScreen implements Screen {
  private state = 'starting';
  private table: string[] = [];
  private errors: string[] = [];
  /** The current run's last output lines, how many it printed in all, and how it ended. */
  private outputTail: string[] = [];
  private outputCount = 0;
  private programEnd: P.ProgramOutput.End | undefined;
  /** The state line a terminal without escape codes was last given. */
  private printedState = '';
  constructor(
    private readonly limit: number,
    private readonly root: string,
    private readonly term: Term,
  ) {
    if (term.ansi) process.stdout.write('\x1b[?25l');
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
      return this.draw(['', 'errors:', ...this.errors]);
    }
    this.draw();
  }
  progress(p: P.Progress.Params): void {
    // A build's message already carries its count ("3 of about 17 built"); plain lines leave the
    // other counts out, or every sample batch would print a line.
    const count = p.total && p.stage !== 'build' && this.term.ansi ? ` (${p.done ?? 0}/${p.total})` : '';
    this.state = `${p.stage}: ${p.message}${count}`;
    this.draw();
  }
  output(p: P.ProgramOutput.Params): void {
    this.outputCount += p.lines.length + p.dropped;
    this.outputTail = [...this.outputTail, ...p.lines].slice(-OUTPUT_PANEL_LINES);
    if (p.end) this.programEnd = p.end;
    this.draw(p.end ? programPanel(this.outputTail, this.outputCount, this.programEnd, this.term.columns) : []);
  }
  profile(p: P.ProfileReady.Params, top: P.Top.Result): void {
    this.table = profileLines(p, top, this.term, this.limit);
    this.state = 'watching for changes';
    this.errors = [];
    // Plain lines end the profile with a blank line, as the table begins.
    this.draw(['', ...this.table, '']);
  }
  /** Redraw the screen; without escape codes, print the state when it changed and `news`. */
  private draw(news: string[] = []): void {
    if (!this.term.ansi) {
      const out = this.state === this.printedState ? [] : [`state: ${this.state}`];
      this.printedState = this.state;
      out.push(...news);
      if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
      return;
    }
    const lines = [`flame watch — ${this.root}   (q to leave)`, `state: ${this.state}`, '', ...this.table];
    lines.push(...programPanel(this.outputTail, this.outputCount, this.programEnd, this.term.columns));
    if (this.errors.length) lines.push('', 'errors:', ...this.errors);
    process.stdout.write(`\x1b[H\x1b[2J${lines.join('\n')}\n`);
  }
  close(): void {
    if (this.term.ansi) process.stdout.write('\x1b[?25h');
  }
}

const points = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

/**
 * A profile as the live screen shows it: the hottest functions (the self share's band when the
 * profile has several runs) with their change since the session's previous profile, then what
 * moved: the changes beyond noise first, then the largest within it, marked so.
 */
export function profileLines(p: P.ProfileReady.Params, top: P.Top.Result, term: Pick<Term, 'color'>, limit: number): string[] {
  const moved = new Map((p.moved ?? []).map((m) => [m.name, m]));
  const rows = top.functions.slice(0, limit);
  const band = noiseHeading(rows.filter((f) => f.noise?.basis === 'runs'));
  const out = [
    `profile ${p.id}: ${top.samples} ${top.unit}${runsNote(top.runs)}`,
    `${'self'.padStart(7)}${band ? `  ${band}` : ''} ${'total'.padStart(7)} ${'change'.padStart(8)}  function`,
  ];
  for (const f of rows) {
    const pm = band ? `  ${halfWidth(f.noise?.self).padEnd(band.length)}` : '';
    out.push(`${pct(f.self, top.samples).padStart(7)}${pm} ${pct(f.total, top.samples).padStart(7)} ${changeCell(p, moved.get(f.name), term)}  ${f.name}`);
  }
  if (!p.moved) return out;
  const real = p.moved.filter((m) => m.significant);
  const noise = p.moved.filter((m) => !m.significant);
  out.push('', `what moved since ${p.movedSince} (* beyond noise at a 5% false discovery rate over every row; [the row's own 95% interval], in points):`);
  if (real.length === 0) out.push('  nothing beyond noise');
  const interval = (m: MovedRow) => `[${points(m.low)}, ${points(m.high)}]`.padEnd(16);
  for (const m of real.slice(0, MOVED_REAL_ROWS)) out.push(`  ${changeText(m, term)}  ${interval(m)} ${m.name}`);
  if (real.length > MOVED_REAL_ROWS) out.push(`  … and ${real.length - MOVED_REAL_ROWS} more beyond noise (flame diff lists them all)`);
  // A change within noise is dim as a whole line, the change with it.
  for (const m of noise.slice(0, MOVED_NOISE_ROWS))
    out.push(paint(term, 'dim', `  ${changeText(m, { color: false })}  ${interval(m)} ${m.name}  (within noise)`));
  if (noise.length > MOVED_NOISE_ROWS) out.push(paint(term, 'dim', `  … and ${noise.length - MOVED_NOISE_ROWS} more within noise`));
  return out;
}

/** The change column of a table row: blank before the session has a previous profile, `·` for a function that barely moved. */
function changeCell(p: P.ProfileReady.Params, m: MovedRow | undefined, term: Pick<Term, 'color'>): string {
  if (!p.moved) return ' '.repeat(8);
  if (!m) return paint(term, 'dim', '·'.padStart(8));
  return changeText(m, term);
}

/** A change in points, `*` when beyond noise, `new` for a function the previous profile did not have; coloured by its verdict. */
function changeText(m: MovedRow, term: Pick<Term, 'color'>): string {
  const text = m.beforeTotal === 0 ? 'new' : points(m.delta);
  return paintChange(
    term,
    { significant: m.significant, self: m.delta, total: m.afterTotal - m.beforeTotal },
    `${text}${m.significant ? '*' : ' '}`.padStart(8),
  );
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
