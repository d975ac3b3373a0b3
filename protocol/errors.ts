// Error codes flame uses in JSON-RPC errors and CLI failures: our reserved range is
// -32900..-32999, outside JSON-RPC's and LSP's own ranges; a client's malformed params get
// JSON-RPC's own InvalidParams.
export const ErrorCodes = {
  /** JSON-RPC's own: a parameter is missing, of the wrong type or out of range; the message names it. */
  InvalidParams: -32602,
  /** The directory is not inside a cargo project. */
  NotCargoProject: -32900,
  /** The requested target does not exist, or several match and none was chosen. */
  TargetNotFound: -32901,
  AmbiguousTarget: -32902,
  /** cargo build failed; data carries the compiler's diagnostics. */
  BuildFailed: -32903,
  /** A required tool (cargo, perf, llvm-symbolizer) is not installed. */
  ToolMissing: -32904,
  /** perf may not sample (perf_event_paranoid). */
  PerfNotPermitted: -32905,
  /** perf record or perf script failed. */
  PerfFailed: -32906,
  /** The recording holds no samples. */
  NoSamples: -32907,
  /** Input that could not be read (malformed perf script, a missing file). */
  BadInput: -32908,
  /** The profile or profile id asked for does not exist. */
  ProfileNotFound: -32909,
  /** The daemon lacks a capability the client requires (an older or newer flame): the message says what to do. */
  VersionMismatch: -32910,
  /** The operation was cancelled (a newer change superseded it). */
  Cancelled: -32911,
  /** A request that is well formed but cannot be served as asked (an unknown frame, several targets, a method the web page may not call). */
  InvalidRequest: -32912,
  /** The profiled program failed (panicked or exited non-zero) and no samples exist. */
  ProgramFailed: -32913,
  /** No daemon runs for the workspace, and the client was asked not to start one. */
  DaemonNotRunning: -32914,
  /** The daemon's socket or runtime directory is not the user's own and private: another user could answer. */
  Untrusted: -32915,
  /** A tool flame ran (cargo metadata) was killed by a signal before it answered. */
  ToolKilled: -32917,
  /** A write failed for lack of space (ENOSPC) or quota (EDQUOT); the message names the file. */
  NoSpace: -32916,
  /** The daemon's socket cannot be made where flame is told to put it: a path longer than a unix socket's, a directory it may not write. */
  SocketUnusable: -32918,
  /** A push to a Grafana Pyroscope server failed: refused (the message carries the server's), unreachable after retries, or credentials missing. */
  PushFailed: -32919,
  /** Anything else: a bug in flame. */
  Internal: -32999,
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * A failure of the user's world, or of a client's params: a code from ErrorCodes, a one-line
 * message that says what to do, the cause chained. Pure, so every client and the web page can
 * throw and test for it; the daemon sends it as a JSON-RPC error, the CLI prints `message`.
 */
export class FlameError extends Error {
  readonly code: ErrorCode;
  /** Extra, structured detail for clients (compiler diagnostics, candidate targets, the params field, ...). */
  readonly data?: unknown;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; data?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FlameError';
    this.code = code;
    this.data = options.data;
  }
}
