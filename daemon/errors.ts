// Failures of the user's world (no cargo project, perf not permitted, a failed build) are
// reported as FlameError: a code from our reserved range, a one-line message that says what to
// do, and the cause chained. The CLI prints `message`; the daemon sends it as a JSON-RPC error.
import { ErrorCodes, type ErrorCode } from '../protocol/errors.js';

export { ErrorCodes };

export class FlameError extends Error {
  readonly code: ErrorCode;
  /** Extra, structured detail for clients (compiler diagnostics, candidate targets, ...). */
  readonly data?: unknown;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; data?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FlameError';
    this.code = code;
    this.data = options.data;
  }
}

/** Whether `err` is a FlameError with the given code. */
export function isFlameError(err: unknown, code?: ErrorCode): err is FlameError {
  return err instanceof FlameError && (code === undefined || err.code === code);
}
