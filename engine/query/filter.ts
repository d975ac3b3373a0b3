// Name filters (`profile/top`'s `filter`, `flame top --filter`) come from whoever can reach the
// socket or the web page. A backtracking engine can spend hours on one pattern such as
// ^(([a-z_:]+)+)+X$, and the daemon has one thread: filters are compiled by V8's linear-time
// engine (the `l` flag, behind --enable-experimental-regexp-engine), which never backtracks.
import v8 from 'node:v8';
import { ErrorCodes, FlameError } from '../../common/errors.js';

// Set on import, so every process that compiles a filter (the daemon, and the CLI answering
// in-process) has it; the flag only makes the `l` flag available and changes no other regex.
v8.setFlagsFromString('--enable-experimental-regexp-engine');

/** Compile a user's filter for linear-time matching; an InvalidParams error naming `field` otherwise. */
export function compileFilter(source: string, field = 'filter'): RegExp {
  try {
    new RegExp(source);
  } catch (err) {
    throw new FlameError(ErrorCodes.InvalidParams, `'${field}' is not a valid regular expression: ${(err as Error).message}`);
  }
  try {
    return new RegExp(source, 'l');
  } catch {
    throw new FlameError(
      ErrorCodes.InvalidParams,
      `'${field}' uses ${unsupported(source)}, which flame does not allow in filters: they must match in linear time; rewrite the pattern without it`,
    );
  }
}

/** What in a pattern the linear-time engine refuses, in words. */
function unsupported(source: string): string {
  if (/\\[1-9]|\\k</.test(source)) return 'a backreference (\\1 or \\k<name>)';
  if (/\(\?<[=!]/.test(source)) return 'a lookbehind ((?<= or (?<!)';
  if (/\(\?[=!]/.test(source)) return 'a lookahead ((?= or (?!)';
  // V8 unrolls counted repetitions; it refuses totals above 16 (counts multiply when nested).
  if (/\{\d/.test(source)) return 'a counted repetition above 16 (nested counts multiply)';
  return "a construct V8's linear-time engine does not support";
}
