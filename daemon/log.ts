// One pino root logger for the process; modules take `log.child({ component })`.
// Never stdout: stdout carries results (CLI) or JSON-RPC (lsp, stdio daemon).
import pino, { type Logger } from 'pino';

let root: Logger = pino({ level: process.env.FLAME_LOG ?? 'silent' }, pino.destination(2));

/** Point the root logger at a file (the daemon) or stderr at a level (the CLI's --verbose). */
export function configureLogging(opts: { file?: string; level?: string }): Logger {
  const level = opts.level ?? process.env.FLAME_LOG ?? 'info';
  const dest = opts.file ? pino.destination({ dest: opts.file, mkdir: true, sync: false }) : pino.destination(2);
  root = pino({ level }, dest);
  return root;
}

/** The logger for one component, e.g. `logger('perf')`. */
export function logger(component: string): Logger {
  return root.child({ component });
}
