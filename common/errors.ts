// Failures of the user's world (no cargo project, perf not permitted, a failed build) are
// reported as FlameError: a code from our reserved range, a one-line message that says what to
// do, and the cause chained. The CLI prints `message`; the daemon sends it as a JSON-RPC error.
import { ErrorCodes, FlameError, type ErrorCode } from '../protocol/errors.js';

// FlameError is the protocol's (clients and the web page throw it too); re-exported for the engine.
export { ErrorCodes, FlameError };

/**
 * A fault of the machine rather than a bug, worded for a person: a full disk names the file
 * being written. Other errors are returned as they are.
 */
export function describeFault(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.code === 'ENOSPC' || e?.code === 'EDQUOT') {
    const what = e.code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on device';
    return new FlameError(ErrorCodes.NoSpace, `${what} while writing ${e.path ?? 'a file'}: free some space`, { cause: err });
  }
  return err;
}

/** "killed by SIGKILL", with the likely reason for the signals people meet. */
export function killedBy(signal: string): string {
  const why = signal === 'SIGKILL' ? ' (out of memory, or killed by hand)' : signal === 'SIGTERM' || signal === 'SIGINT' ? ' (stopped from outside flame)' : '';
  return `killed by signal ${signal}${why}`;
}

/** Whether `err` is a FlameError with the given code. */
export function isFlameError(err: unknown, code?: ErrorCode): err is FlameError {
  return err instanceof FlameError && (code === undefined || err.code === code);
}
