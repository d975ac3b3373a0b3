// Parameter checks, one set of rules for every way in: each method's declaration (methods.ts)
// names its check from here, the daemon runs it on every request before any handler, and the CLI
// checks the options it parsed from flags with the same rules (wording the failure with the
// flag's name). A client's mistake is JSON-RPC's InvalidParams naming the field, never an
// exception deep inside a query. Pure: no I/O, nothing of the engine.
import { EXPORT_FORMAT_NAMES, PALETTES, type RecordSpec, type SessionSpec, type SvgOptions, type TargetSpec } from './types.js';
import { ErrorCodes, FlameError } from './errors.js';

type Kind = 'string' | 'number' | 'boolean' | 'string?' | 'number?' | 'boolean?';

/** A params error: `field` is the dotted path in the request, `expected` what it must be. */
export class ParamsError extends FlameError {
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly value: unknown,
  ) {
    super(ErrorCodes.InvalidParams, `'${field}' must be ${expected}, not ${shown(value)}`, { data: { field } });
  }
}

/** Check that `params` is an object whose listed fields have the given types. */
export function check(params: unknown, shape: Record<string, Kind>): void {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new FlameError(ErrorCodes.InvalidParams, `params must be an object with ${Object.keys(shape).join(', ')}`);
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
      throw new FlameError(ErrorCodes.InvalidParams, `'${key}' is required (a ${type})`, { data: { field: key } });
    }
    if (typeof v !== type || (type === 'number' && !Number.isFinite(v))) throw new ParamsError(key, `a ${type}`, v);
  }
}

/** What one field may hold. */
interface Rule {
  expected: string;
  ok: (v: unknown) => boolean;
}

const str: Rule = { expected: 'a string', ok: (v) => typeof v === 'string' };
const bool: Rule = { expected: 'true or false', ok: (v) => typeof v === 'boolean' };
const positiveInt: Rule = { expected: 'a positive whole number', ok: (v) => Number.isInteger(v) && (v as number) > 0 };
const oneOf = (...values: string[]): Rule => ({ expected: `one of ${values.join(', ')}`, ok: (v) => values.includes(v as string) });
const atLeast = (min: number, opts: { integer?: boolean } = {}): Rule => ({
  expected: `${opts.integer ? 'a whole number' : 'a number'} of at least ${min}`,
  ok: (v) => typeof v === 'number' && Number.isFinite(v) && v >= min && (!opts.integer || Number.isInteger(v)),
});

/** The rules of a session spec's `target` (TargetSpec). */
export const TARGET_RULES: Record<keyof TargetSpec, Rule> = {
  cwd: str,
  manifestPath: str,
  package: str,
  bin: str,
  example: str,
  test: str,
  bench: str,
  unitTest: { expected: 'a target name or true', ok: (v) => typeof v === 'string' || v === true },
  unitBench: { expected: 'a target name or true', ok: (v) => typeof v === 'string' || v === true },
  unitTestKind: oneOf('lib', 'bin'),
  features: { expected: 'an array of feature names', ok: (v) => Array.isArray(v) && v.every((f) => typeof f === 'string') },
  allFeatures: bool,
  noDefaultFeatures: bool,
  profile: str,
  dev: bool,
  release: bool,
  target: str,
};

/** Each run adds a count per stack to the stored profile; past this many, the intervals barely narrow and the store pays. */
export const MAX_RUNS = 100;

/** The rules of `record` (RecordSpec), and of the CLI's attach options. */
export const RECORD_RULES: Record<keyof RecordSpec | 'pid' | 'durationSec', Rule> = {
  frequency: positiveInt,
  callGraph: oneOf('dwarf', 'fp', 'lbr'),
  stackSize: positiveInt,
  event: str,
  ignoreStatus: bool,
  mmapPages: { expected: "a power of two (perf's rule)", ok: (v) => positiveInt.ok(v) && ((v as number) & ((v as number) - 1)) === 0 },
  runs: { expected: `a whole number from 1 to ${MAX_RUNS}`, ok: (v) => positiveInt.ok(v) && (v as number) <= MAX_RUNS },
  pid: positiveInt,
  durationSec: { expected: 'a number of seconds above 0', ok: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0 },
};

/** The rules of SVG options (SvgOptions), for `profile/export` and the CLI's SVG flags. */
export const SVG_RULES: Record<keyof SvgOptions, Rule> = {
  title: str,
  subtitle: str,
  notes: str,
  countName: str,
  nameType: str,
  fontType: str,
  searchColor: str,
  inverted: bool,
  reverse: bool,
  deterministic: bool,
  hash: bool,
  flamechart: bool,
  palette: oneOf(...PALETTES),
  minWidth: atLeast(0),
  imageWidth: atLeast(21, { integer: true }),
  fontSize: atLeast(1),
  fontWidth: { expected: 'a number above 0', ok: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0 },
  frameHeight: atLeast(1, { integer: true }),
};

/**
 * Check the fields of `o` present in `rules`; `at` prefixes the field names ('record.'). With
 * `only`, a field the rules do not know is refused too, naming the known ones.
 */
export function checkFields(o: unknown, rules: Record<string, Rule>, at: string, opts: { only?: boolean } = {}): void {
  if (o === undefined) return;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new ParamsError(at.replace(/\.$/, ''), 'an object', o);
  for (const [key, v] of Object.entries(o)) {
    const rule = rules[key];
    if (!rule && opts.only) {
      throw new FlameError(ErrorCodes.InvalidParams, `'${at}${key}' is not an option here; use ${Object.keys(rules).join(', ')}`, {
        data: { field: `${at}${key}` },
      });
    }
    if (rule && v !== undefined && !rule.ok(v)) throw new ParamsError(`${at}${key}`, rule.expected, v);
  }
}

/** A session spec as `session/watch`, `profile/once` and `profile/import` take it. */
export function checkSpec(p: unknown): asserts p is SessionSpec {
  if (p === null || typeof p !== 'object' || Array.isArray(p))
    throw new FlameError(ErrorCodes.InvalidParams, 'params must be an object {target?, record?, programArgs?}');
  const s = p as Record<string, unknown>;
  checkFields(s.target, TARGET_RULES, 'target.');
  checkFields(s.record, RECORD_RULES, 'record.');
  if (s.programArgs !== undefined && (!Array.isArray(s.programArgs) || s.programArgs.some((a) => typeof a !== 'string')))
    throw new ParamsError('programArgs', 'an array of strings', s.programArgs);
}

/** `thread`: a thread id or name. */
export function checkThread(t: unknown): void {
  if (t !== undefined && typeof t !== 'number' && typeof t !== 'string') throw new ParamsError('thread', 'a thread id or name', t);
}

/** A StackView's fields (focus, ignore, hide, plumbing, threads) where params carry one. */
export const VIEW_SHAPE: Record<string, Kind> = { focus: 'string?', ignore: 'string?', hide: 'string?', plumbing: 'boolean?', threads: 'boolean?' };

/** A params object of the given shape, with an optional `thread` and a StackView's fields. */
export function checkQuery(params: unknown, shape: Record<string, Kind>): void {
  check(params, { ...shape, ...VIEW_SHAPE });
  checkThread((params as { thread?: unknown }).thread);
}

/** `profile/tree`'s `path`: frame names. */
export function checkFramePath(path: unknown): void {
  if (path !== undefined && (!Array.isArray(path) || path.some((s) => typeof s !== 'string'))) throw new ParamsError('path', 'an array of frame names', path);
}

/** An export request: a known format, and SVG options only for svg and only known ones. */
export function checkExport(p: unknown): void {
  check(p, { profile: 'string?', format: 'string', base: 'string?', ...VIEW_SHAPE });
  const o = p as { format: string; svg?: unknown; base?: string };
  if (!(EXPORT_FORMAT_NAMES as string[]).includes(o.format)) throw new ParamsError('format', `one of ${EXPORT_FORMAT_NAMES.join(', ')}`, o.format);
  // A differential graph is an SVG only: the other formats have no way to say "before".
  if (o.base !== undefined && o.format !== 'svg')
    throw new ParamsError('base', 'absent unless format is "svg" (the differential flame graph is an SVG)', o.base);
  checkFields(o.svg, SVG_RULES, 'svg.', { only: true });
}

/** Capability lists at the handshake: arrays of method names. */
export function checkCapabilities(c: unknown): void {
  if (c === undefined) return;
  const names: Rule = { expected: 'an array of method names', ok: (v) => Array.isArray(v) && v.every((m) => typeof m === 'string') };
  checkFields(c, { required: names, optional: names }, 'capabilities.', { only: true });
}

function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
