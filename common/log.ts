// One pino root logger for the process; modules take `log.child({ component })`.
// Never stdout: stdout carries results (CLI) or JSON-RPC (lsp, stdio daemon).
import { chmodSync, closeSync, fchmodSync, fstatSync, mkdirSync, openSync, renameSync, write } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

let root: Logger = pino({ level: process.env.FLAME_LOG ?? 'silent' }, pino.destination(2));

/** A log file past this size is moved to `<file>.1` (replacing the one before) and started anew. */
const DEFAULT_LOG_MAX_BYTES = 4 * 1024 * 1024;

/** After a failed write, the log file is tried again this much later; lines meanwhile are counted, not kept. */
const LOG_RETRY_MS = 10_000;

/** Point the root logger at a file (the daemon) or stderr at a level (the CLI's --verbose). */
export function configureLogging(opts: { file?: string; level?: string; maxBytes?: number; retryMs?: number }): Logger {
  const level = opts.level ?? process.env.FLAME_LOG ?? 'info';
  const maxBytes = opts.maxBytes ?? (Number(process.env.FLAME_LOG_MAX_BYTES) || DEFAULT_LOG_MAX_BYTES);
  const dest = opts.file ? new LogFile(opts.file, maxBytes, opts.retryMs ?? LOG_RETRY_MS) : pino.destination(2);
  root = pino({ level }, dest);
  return root;
}

/** The logger for one component, e.g. `logger('perf')`. */
export function logger(component: string): Logger {
  return root.child({ component });
}

/** Lines waiting for the disk past this many bytes are dropped (and counted): a slow disk costs no memory. */
const MAX_QUEUED = 1024 * 1024;

/**
 * The daemon's log file. A daemon lives for days: the file may not grow without end, so past its
 * size it moves to `<file>.1` (one old file kept) between two writes, never splitting a line.
 * Logging must never take the daemon down or keep it busy: a failed write (a full disk, a
 * removed directory) closes the file, later lines are only counted, and the file is tried again
 * after a pause with a line saying how many were lost. (pino's sonic-boom retried a failing write
 * on every line and emitted errors that the daemon's own error logging fed back: a full disk
 * spun a core forever and kept the process from exiting.)
 */
class LogFile {
  private fd: number | undefined;
  private size = 0;
  private queue: string[] = [];
  private queued = 0;
  private writing = false;
  private dropped = 0;
  private reason = '';
  private retry: NodeJS.Timeout | undefined;
  private drained: Array<(err?: Error) => void> = [];

  constructor(
    private readonly file: string,
    private readonly maxBytes: number,
    private readonly retryMs: number,
  ) {
    // The client that started the daemon made this file for its stdout and stderr.
    privateFile(`${file}.stderr`);
    this.open();
  }

  write(chunk: string): boolean {
    if (this.fd === undefined || this.queued > MAX_QUEUED) {
      this.dropped++;
      return true;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (!this.writing) this.drain();
    return true;
  }

  flush(cb?: (err?: Error) => void): void {
    if (!cb) return;
    if (!this.writing) cb();
    else this.drained.push(cb);
  }

  private open(): void {
    try {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      this.fd = openSync(this.file, 'a', 0o600);
      // The log names the workspace's paths and programs: for the user alone, as the socket is.
      fchmodSync(this.fd, 0o600);
      this.size = fstatSync(this.fd).size;
    } catch (err) {
      this.fail(err);
    }
  }

  private drain(): void {
    if (this.fd === undefined || this.queue.length === 0) {
      this.writing = false;
      for (const cb of this.drained.splice(0)) cb();
      return;
    }
    this.writing = true;
    // Rotated before a write, not after: the newest lines are always in the current file.
    if (this.size > this.maxBytes) {
      this.rotate();
      if (this.fd === undefined) return;
    }
    const data = Buffer.from(this.queue.join(''));
    this.queue = [];
    this.queued = 0;
    write(this.fd!, data, 0, data.length, null, (err, n) => {
      if (err) return this.fail(err, data);
      this.size += n;
      // A short write (the disk filling up): the rest goes first next time, or fails there.
      if (n < data.length) {
        const rest = data.subarray(n).toString();
        this.queue.unshift(rest);
        this.queued += rest.length;
      }
      this.drain();
    });
  }

  private rotate(): void {
    try {
      renameSync(this.file, `${this.file}.1`);
    } catch {
      this.size = 0;
      return; // gone or not ours to move: keep writing where we are
    }
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.open();
  }

  private fail(err: unknown, unwritten?: Buffer): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // closing a file we cannot write to may fail as well; it is closed either way
      }
    }
    this.fd = undefined;
    this.reason = (err as NodeJS.ErrnoException)?.code ?? String(err);
    this.dropped += countLines(unwritten) + this.queue.reduce((k, c) => k + countLines(c), 0);
    this.queue = [];
    this.queued = 0;
    this.writing = false;
    for (const cb of this.drained.splice(0)) cb();
    this.retry ??= setTimeout(() => this.reopen(), this.retryMs);
    // A pending retry must not keep a stopping daemon alive.
    this.retry.unref();
  }

  private reopen(): void {
    this.retry = undefined;
    this.open();
    if (this.fd === undefined) return;
    const dropped = this.dropped;
    this.dropped = 0;
    if (dropped > 0) {
      const line = {
        level: 40,
        time: Date.now(),
        pid: process.pid,
        component: 'log',
        dropped,
        reason: this.reason,
        msg: `${dropped} log lines were dropped: the log file could not be written (${this.reason})`,
      };
      this.write(`${JSON.stringify(line)}\n`);
    }
  }
}

function countLines(s: Buffer | string | undefined): number {
  if (s === undefined) return 0;
  let n = 0;
  for (const c of typeof s === 'string' ? Buffer.from(s) : s) if (c === 10) n++;
  return n;
}

/** Make an existing `file` readable by its owner alone (an older flame made its files 0644). */
function privateFile(file: string): void {
  try {
    chmodSync(file, 0o600);
  } catch {
    // Missing (no .stderr beside a foreground daemon's log) or not ours: the log still works.
  }
}
