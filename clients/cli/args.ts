// Command-line flags shared by several verbs: cargo target selection and perf record settings,
// parsed once into the plain-data options the pipeline (and later the daemon) takes.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { TargetOptions } from '../../engine/cargo/target.js';
import type { RecordOptions } from '../../engine/perf/run.js';
import { checkFields, ParamsError, RECORD_RULES, TARGET_RULES } from '../../protocol/validate.js';
import { UsageError } from './main.js';
import { compileFilter } from '../../engine/query/filter.js';
import type { StackView } from '../../protocol/types.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export const TARGET_FLAGS = {
  bin: { type: 'string', short: 'b' },
  example: { type: 'string' },
  test: { type: 'string' },
  bench: { type: 'string' },
  'unit-test': { type: 'string' },
  'unit-bench': { type: 'string' },
  'unit-test-kind': { type: 'string' },
  package: { type: 'string', short: 'p' },
  features: { type: 'string', multiple: true, short: 'f' },
  'all-features': { type: 'boolean' },
  'no-default-features': { type: 'boolean' },
  'manifest-path': { type: 'string' },
  profile: { type: 'string' },
  dev: { type: 'boolean' },
  release: { type: 'boolean', short: 'r' },
  target: { type: 'string' },
} as const satisfies Options;

/** `--light`: measured on the fixture, 99 Hz costs nothing measurable where 997 Hz with DWARF stacks costs ~10%. */
const LIGHT_FREQUENCY = 99;

export const RECORD_FLAGS = {
  freq: { type: 'string', short: 'F' },
  light: { type: 'boolean' },
  'call-graph': { type: 'string' },
  'stack-size': { type: 'string' },
  'mmap-pages': { type: 'string' },
  event: { type: 'string', short: 'e' },
  pid: { type: 'string' },
  duration: { type: 'string' },
  'ignore-status': { type: 'boolean' },
  runs: { type: 'string' },
} as const satisfies Options;

export const TARGET_HELP = `Target selection (as cargo flamegraph):
  --bin NAME, --example NAME, --test NAME, --bench NAME
  --unit-test [NAME]     the unit tests of a lib or bin (test filter after --)
  --unit-bench [NAME]    the #[bench] functions of a lib or bin
  --unit-test-kind K     lib or bin, when a lib and a bin share the name
  -p, --package NAME     -f, --features F[,F...]  --all-features  --no-default-features
  --manifest-path PATH   --profile NAME (default release)  --dev  --target TRIPLE
  -b NAME                short for --bin; -r, --release: accepted, a no-op (release is the default)`;

export const RECORD_HELP = `Recording:
  -F, --freq HZ          sampling frequency (default 997)
  --light                the cheap mode for long or timing-sensitive runs: 99 Hz (the program
                         slows by noise, against ~10% at 997 Hz with DWARF stacks; -F wins)
  --call-graph MODE      dwarf (default), fp or lbr
  --stack-size BYTES     stack bytes copied per sample with dwarf (default 64000)
  --mmap-pages N         perf's ring buffer per CPU in pages, a power of two (perf -m; raise it
                         when samples are lost)
  -e, --event EVENT      perf event (default: perf's, cycles or cpu-clock)
  --pid PID              attach to a running process (stop with Ctrl-C or --duration)
  --duration SECONDS     with --pid: record this long
  --ignore-status        a non-zero exit of the program is not an error
  --runs N               record the program N times (one build) into one profile that keeps each
                         run's counts: shares get intervals from the runs' variation ("± (N runs)")
                         instead of sampling noise alone, and diffs allow for it (default 1)`;

/** Flags whose value is optional (`--unit-test` alone): give them an empty value for parseArgs. */
export function fillOptionalValues(argv: string[], flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    out.push(a);
    if (flags.includes(a)) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('-')) out.push('');
    }
  }
  return out;
}

export interface ParseOptions {
  /** Whether the verb takes positional arguments (default true); false refuses them. */
  positionals?: boolean;
}

/** parseArgs with our error type; positionals allowed unless told otherwise. */
export function parse<O extends Options>(argv: string[], options: O, opts: ParseOptions = {}) {
  const allowPositionals = opts.positionals ?? true;
  // Profile references such as -1 (the one before the latest) look like flags to parseArgs: as an
  // option's value they are joined to it, as a positional they pass under a mark and come back.
  const args: string[] = [];
  for (const a of argv) {
    const prev = args.at(-1);
    const takesValue = prev !== undefined && prev.startsWith('--') && !prev.includes('=') && (options as Options)[prev.slice(2)]?.type === 'string';
    if (/^-\d+$/.test(a) && takesValue) args[args.length - 1] = `${prev}=${a}`;
    else args.push(/^-\d+$/.test(a) && allowPositionals ? `${NEGATIVE_MARK}${a}` : a);
  }
  try {
    const r = parseArgs({ args, options, allowPositionals, strict: true, tokens: false });
    r.positionals = r.positionals.map((p) => (p.startsWith(NEGATIVE_MARK) ? p.slice(NEGATIVE_MARK.length) : p));
    return r;
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify.*$/s, '')}; see --help`);
  }
}

const NEGATIVE_MARK = '\u0000';

type Values = Record<string, string | boolean | string[] | undefined>;

export function targetOptions(v: Values): TargetOptions {
  const t: TargetOptions = {};
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  if (str('bin') !== undefined) t.bin = str('bin');
  if (str('example') !== undefined) t.example = str('example');
  if (str('test') !== undefined) t.test = str('test');
  if (str('bench') !== undefined) t.bench = str('bench');
  if (str('unit-test') !== undefined) t.unitTest = str('unit-test') || true;
  if (str('unit-bench') !== undefined) t.unitBench = str('unit-bench') || true;
  const kind = str('unit-test-kind');
  if (kind !== undefined) t.unitTestKind = kind as TargetOptions['unitTestKind'];
  if (str('package') !== undefined) t.package = str('package');
  if (Array.isArray(v.features)) t.features = v.features.flatMap((f) => f.split(/[ ,]+/)).filter(Boolean);
  if (v['all-features']) t.allFeatures = true;
  if (v['no-default-features']) t.noDefaultFeatures = true;
  if (str('manifest-path') !== undefined) t.manifestPath = str('manifest-path');
  if (str('profile') !== undefined) t.profile = str('profile');
  if (v.dev) t.dev = true;
  if (v.release) t.release = true;
  if (str('target') !== undefined) t.target = str('target');
  checkFlags(t, TARGET_RULES, { unitTestKind: '--unit-test-kind' }, v);
  return t;
}

/**
 * Check parsed options with the daemon's own rules (daemon/validate.ts), so the CLI and the RPC
 * refuse the same values; the failure names the flag and the text as typed.
 */
export function checkFlags(o: object, rules: Record<string, unknown>, flags: Record<string, string>, raw: Record<string, unknown>): void {
  try {
    checkFields(o, rules as Parameters<typeof checkFields>[1], '');
  } catch (err) {
    if (!(err instanceof ParamsError)) throw err;
    const flag = flags[err.field] ?? `--${err.field}`;
    const typed = raw[flag.replace(/^--/, '')];
    throw new UsageError(`${flag} takes ${err.expected}, not '${typed ?? String(err.value)}'`);
  }
}

/** A flag's text as a number for the rules to judge; text that is no number stays NaN. */
function numberArg(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  return s.trim() === '' ? Number.NaN : Number(s);
}

const RECORD_FLAG_NAMES: Record<string, string> = {
  frequency: '--freq',
  callGraph: '--call-graph',
  stackSize: '--stack-size',
  mmapPages: '--mmap-pages',
  event: '--event',
  pid: '--pid',
  durationSec: '--duration',
  runs: '--runs',
};

export function recordOptions(v: Values): RecordOptions {
  const r: RecordOptions = {};
  const freq = numberArg(v.freq);
  if (freq !== undefined) r.frequency = freq;
  else if (v.light) r.frequency = LIGHT_FREQUENCY;
  if (typeof v['call-graph'] === 'string') r.callGraph = v['call-graph'] as RecordOptions['callGraph'];
  const ss = numberArg(v['stack-size']);
  if (ss !== undefined) r.stackSize = ss;
  const mp = numberArg(v['mmap-pages']);
  if (mp !== undefined) r.mmapPages = mp;
  if (typeof v.event === 'string') r.event = v.event;
  const pid = numberArg(v.pid);
  if (pid !== undefined) r.pid = pid;
  const d = numberArg(v.duration);
  if (d !== undefined) r.durationSec = d;
  if (v['ignore-status']) r.ignoreStatus = true;
  const runs = numberArg(v.runs);
  if (runs !== undefined) r.runs = runs;
  checkFlags(r, RECORD_RULES, RECORD_FLAG_NAMES, v);
  if (r.durationSec !== undefined && r.pid === undefined) throw new UsageError('--duration goes with --pid');
  if ((r.runs ?? 1) > 1 && r.pid !== undefined) throw new UsageError('--runs needs a program to start again; it cannot repeat --pid');
  return r;
}

/** `--limit N`: a whole number, `fallback` when absent; 0 means no limit (undefined). */
export function limitArg(value: string | undefined, fallback: number): number | undefined {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--limit takes a whole number, not '${value}'`);
  return n === 0 ? undefined : n;
}

/** Split argv at the first `--`: flags before, program arguments after. */
export function splitDashDash(argv: string[]): [string[], string[] | undefined] {
  const i = argv.indexOf('--');
  return i < 0 ? [argv, undefined] : [argv.slice(0, i), argv.slice(i + 1)];
}

/** Which samples and frames a verb shows: pprof's focus, ignore and hide, and the plumbing switch (a StackView). */
export const VIEW_FLAGS = {
  focus: { type: 'string' },
  ignore: { type: 'string' },
  hide: { type: 'string' },
  plumbing: { type: 'boolean' },
} as const satisfies Options;

export const VIEW_HELP = `Stacks (pprof's meanings; REGEX matches function names, in linear time as --filter):
  --focus REGEX          only samples with a frame that matches
  --ignore REGEX         drop the samples with a frame that matches
  --hide REGEX           remove the frames that match from the stacks, keeping their samples
  --plumbing             keep the runtime's plumbing frames (_start, main, lang_start, catch_unwind,
                         __rust_begin_short_backtrace, call_once shims, start_thread, clone3),
                         which are left out by default; no function's self count changes either way`;

/** The view flags as a StackView, each regex checked (a bad one is a usage error naming its flag). */
export function viewOptions(v: Values): StackView {
  const view: StackView = {};
  for (const k of ['focus', 'ignore', 'hide'] as const) {
    const source = v[k];
    if (typeof source !== 'string') continue;
    try {
      compileFilter(source, k);
    } catch (err) {
      throw new UsageError(`--${k} ${(err as Error).message.replace(/^'\w+' /, '')}`);
    }
    view[k] = source;
  }
  if (v.plumbing === true) view.plumbing = true;
  return view;
}
