// A watched program's output on its way to the clients (program/output): batched so that a
// program printing 100k lines costs a few notifications a second, bounded so that it costs no
// memory either, and its panic message kept whatever was dropped. A tail of the last lines
// stays for the daemon's log, which gets the program's lines only when it fails.
import type { ProgramOutput } from '../../protocol/methods.js';

export interface OutputOptions {
  /** Receives each batch; the last one (after end()) carries `end`. */
  send: (batch: Omit<ProgramOutput.Params, 'sessionId'>) => void;
  /** At most one batch per this many ms. */
  intervalMs?: number;
  /** Lines per batch; older ones of a batch are dropped beyond it. */
  maxLines?: number;
  /** Longer lines are cut (a program may print a megabyte without a newline). */
  maxLineLength?: number;
  /** Lines kept for tail(). */
  tailLines?: number;
}

const OUTPUT_DEFAULTS = { intervalMs: 100, maxLines: 200, maxLineLength: 2000, tailLines: 100 } as const;

const PANIC_HEADER = /^thread '.*'(?: \(\d+\))? panicked at /;
/** What follows a panic's message in the standard hook's output. */
const PANIC_FOLLOWER = /^(note: |stack backtrace:|thread '.*'(?: \(\d+\))? panicked at )/;
const PANIC_MAX_LINES = 20;

export class ProgramOutputBatcher {
  private readonly o: Required<OutputOptions>;
  private pending: string[] = [];
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly tailRing: string[] = [];
  /** The first panic's lines: collecting while `collecting`, then fixed. */
  private panicLines: string[] | undefined;
  private collecting = false;
  private ended = false;

  constructor(opts: OutputOptions) {
    this.o = { ...OUTPUT_DEFAULTS, ...opts };
  }

  /** One line of the program's output, without its newline. */
  readonly line = (raw: string): void => {
    if (this.ended) return;
    const l = raw.length > this.o.maxLineLength ? `${raw.slice(0, this.o.maxLineLength)}…` : raw;
    this.tailRing.push(l);
    if (this.tailRing.length > this.o.tailLines) this.tailRing.shift();
    this.watchPanic(l);
    this.pending.push(l);
    if (this.pending.length > this.o.maxLines) {
      this.pending.shift();
      this.dropped++;
    }
    this.timer ??= setTimeout(() => this.flush(), this.o.intervalMs);
    this.timer.unref?.();
  };

  /** The program ended: send what is left with its outcome. */
  end(outcome: { exitCode?: number; signal?: string }): ProgramOutput.End {
    const end: ProgramOutput.End = { failed: outcome.signal !== undefined ? outcome.signal !== 'SIGINT' : (outcome.exitCode ?? 0) !== 0 };
    if (outcome.exitCode !== undefined) end.exitCode = outcome.exitCode;
    if (outcome.signal !== undefined) end.signal = outcome.signal;
    const panic = this.panic();
    if (panic !== undefined) end.panic = panic;
    this.flush(end);
    this.ended = true;
    return end;
  }

  /** The run stopped without an outcome (cancelled, perf failed): send what is pending. */
  close(): void {
    if (!this.ended) this.flush();
    this.ended = true;
  }

  /** The last lines the program printed (at most tailLines). */
  tail(): string[] {
    return [...this.tailRing];
  }

  /** The first panic message the program printed, header and message lines. */
  panic(): string | undefined {
    return this.panicLines?.join('\n');
  }

  private watchPanic(l: string): void {
    if (this.collecting) {
      if (PANIC_FOLLOWER.test(l) || this.panicLines!.length >= PANIC_MAX_LINES) this.collecting = false;
      else this.panicLines!.push(l);
    } else if (this.panicLines === undefined && PANIC_HEADER.test(l)) {
      this.panicLines = [l];
      this.collecting = true;
    }
  }

  private flush(end?: ProgramOutput.End): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 && this.dropped === 0 && end === undefined) return;
    const batch: Omit<ProgramOutput.Params, 'sessionId'> = { lines: this.pending, dropped: this.dropped };
    if (end) batch.end = end;
    this.pending = [];
    this.dropped = 0;
    this.o.send(batch);
  }
}
