// One pino root logger for the process; modules take `log.child({ component })`.
// Never stdout: stdout carries results (CLI) or JSON-RPC (lsp, stdio daemon).
import { chmodSync, closeSync, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

let root: Logger = pino({ level: process.env.FLAME_LOG ?? 'silent' }, pino.destination(2));

/** A log file past this size is moved to `<file>.1` (replacing the one before) and started anew. */
export const DEFAULT_LOG_MAX_BYTES = 4 * 1024 * 1024;

/** Point the root logger at a file (the daemon) or stderr at a level (the CLI's --verbose). */
export function configureLogging(opts: { file?: string; level?: string; maxBytes?: number }): Logger {
  const level = opts.level ?? process.env.FLAME_LOG ?? 'info';
  const maxBytes = opts.maxBytes ?? (Number(process.env.FLAME_LOG_MAX_BYTES) || DEFAULT_LOG_MAX_BYTES);
  const dest = opts.file ? new RotatingFile(opts.file, maxBytes) : pino.destination(2);
  root = pino({ level }, dest);
  return root;
}

/** The logger for one component, e.g. `logger('perf')`. */
export function logger(component: string): Logger {
  return root.child({ component });
}

/**
 * A daemon lives for days: its log may not grow without end. Keeps one old file, so the lines
 * before a rotation are still there to read.
 */
class RotatingFile {
  private size: number;
  private readonly out: ReturnType<typeof pino.destination>;

  constructor(
    private readonly file: string,
    private readonly maxBytes: number,
  ) {
    privateFile(file);
    // The client that started the daemon made this file for its stdout and stderr.
    privateFile(`${file}.stderr`, false);
    // The log names the workspace's paths and programs: for the user alone, as the socket is.
    this.out = pino.destination({ dest: file, mkdir: true, sync: false, mode: 0o600 });
    try {
      this.size = statSync(file).size;
    } catch {
      this.size = 0;
    }
  }

  write(chunk: string): boolean {
    const ok = this.out.write(chunk);
    this.size += Buffer.byteLength(chunk);
    if (this.size > this.maxBytes) this.rotate();
    return ok;
  }

  flush(cb?: (err?: Error) => void): void {
    this.out.flush(cb);
  }

  private rotate(): void {
    this.size = 0;
    try {
      renameSync(this.file, `${this.file}.1`);
    } catch {
      return; // gone or not ours to move: keep writing where we are
    }
    // Lines still buffered land in the new file; none is lost either way.
    this.out.reopen();
  }
}

/** Make `file` readable by its owner alone; created (empty) unless `create` is false. */
function privateFile(file: string, create = true): void {
  try {
    if (create) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      closeSync(openSync(file, 'a', 0o600));
    }
    // An older flame made its files 0644; the mode of a file that exists is kept by open.
    chmodSync(file, 0o600);
  } catch {
    // Missing (no .stderr beside a foreground daemon's log) or not ours: the log still works.
  }
}
