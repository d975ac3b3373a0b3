// Parameter checks at the RPC edge: a client's mistake becomes an InvalidRequest error that
// names the field, never an exception deep inside a query.
import { ErrorCodes, FlameError } from './errors.js';

type Kind = 'string' | 'number' | 'boolean' | 'string?' | 'number?' | 'boolean?';

/** Check that `params` is an object whose listed fields have the given types. */
export function check(params: unknown, shape: Record<string, Kind>): void {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new FlameError(ErrorCodes.InvalidRequest, `params must be an object with ${Object.keys(shape).join(', ')}`);
  }
  const o = params as Record<string, unknown>;
  for (const [key, kind] of Object.entries(shape)) {
    const optional = kind.endsWith('?');
    const type = optional ? kind.slice(0, -1) : kind;
    const v = o[key];
    if (v === undefined || v === null) {
      if (optional) {
        if (v === null) delete o[key];
        continue;
      }
      throw new FlameError(ErrorCodes.InvalidRequest, `'${key}' is required (a ${type})`);
    }
    if (typeof v !== type || (type === 'number' && !Number.isFinite(v))) {
      throw new FlameError(ErrorCodes.InvalidRequest, `'${key}' must be a ${type}, not ${JSON.stringify(v)}`);
    }
  }
}
