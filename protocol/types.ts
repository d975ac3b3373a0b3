// Wire types shared by the daemon and every client, declared here once. Plain JSON data only;
// the daemon's modules re-export or extend these rather than declare their own copies.

/** Which cargo target to build and profile (the flags of `flame record`). */
export interface TargetSpec {
  /** Directory the request was made from (defaults to the process's cwd). */
  cwd?: string;
  manifestPath?: string;
  package?: string;
  bin?: string;
  example?: string;
  test?: string;
  bench?: string;
  /** The unit tests of a lib or bin target: its name, or `true` when the package has only one. */
  unitTest?: string | true;
  /** The unit benchmarks (`#[bench]`) of a lib or bin target, as `unitTest`. */
  unitBench?: string | true;
  /** Disambiguates `unitTest`/`unitBench` when a lib and a bin share a name. */
  unitTestKind?: 'lib' | 'bin';
  features?: string[];
  allFeatures?: boolean;
  noDefaultFeatures?: boolean;
  /** Cargo profile; defaults to 'release' ('bench' for benches), as cargo-flamegraph. */
  profile?: string;
  /** Shorthand for profile 'dev'. */
  dev?: boolean;
  /** Accepted for compatibility with `cargo run --release`; release is already the default. */
  release?: boolean;
  /** Target triple (`--target`). */
  target?: string;
}

/** perf record settings. */
export interface RecordSpec {
  /** Sampling frequency in Hz (perf -F). */
  frequency?: number;
  /** How perf unwinds stacks: DWARF stack copies (default), frame pointers, or LBR. */
  callGraph?: 'dwarf' | 'fp' | 'lbr';
  /** Bytes of stack copied per sample with dwarf unwinding. */
  stackSize?: number;
  /** The perf event to sample (default: perf's own, cycles or its cpu-clock fallback). */
  event?: string;
  /** A non-zero exit of the program is not an error. */
  ignoreStatus?: boolean;
  /** perf's ring buffer per CPU, in pages (perf -m; a power of two): more loses fewer samples. */
  mmapPages?: number;
  /**
   * Record the program this many times, one build, into one profile that keeps each run's counts
   * (default 1; a watch session's default is the daemon's watchRuns, 1 to 5): its shares then come
   * with intervals from the runs' variation, and diffs against it allow for that variation.
   */
  runs?: number;
}

/** A target plus record options plus program arguments: what a watch session profiles. */
export interface SessionSpec {
  target?: TargetSpec;
  record?: RecordSpec;
  programArgs?: string[];
}

/** The sources a profile came from. */
export interface SourceState {
  /** sha256, hex, over the sorted root-relative paths and contents of the watched files. */
  hash: string;
  /** How many files went into `hash` (always set by the daemon). */
  files?: number;
  /**
   * Present when the root is inside a git work tree and git is installed. `commit` is HEAD's
   * full hash, or '' in a repository with no commits yet. `dirty` is whether any watched file
   * differs from HEAD: modified, staged, deleted, renamed, or untracked (a new module). Files git
   * ignores are in `hash` but never make the tree dirty. `branch` is the checked-out branch's
   * short name, absent on a detached HEAD (and in profiles stored before it was recorded).
   */
  git?: { commit: string; dirty: boolean; branch?: string };
}

/** How well perf unwound the stacks of a profile. */
export interface UnwindQuality {
  samples: number;
  /** Share (0..1) of samples with at least one frame perf could not name. */
  unknownShare: number;
  /** Share of samples whose outermost frame is not a thread or process entry point. */
  truncatedShare: number;
  /** Samples perf reported lost (ring buffer overruns). */
  lost: number;
}

/** A share's interval (0..1). */
export interface ShareRange {
  low: number;
  high: number;
}

/**
 * How far a row's shares (of the profile's samples) may be off, at 95% confidence: 'runs' when
 * the profile has several runs of one build and the interval comes from their variation,
 * 'sampling' when it has one and the interval knows only sampling noise (narrower than the truth
 * on a busy machine).
 */
export interface RowNoise {
  basis: 'runs' | 'sampling';
  self: ShareRange;
  total: ShareRange;
  /** The row's counts in each run, with several runs. */
  runs?: { self: number[]; total: number[] };
}

/**
 * A share's change between two profiles (current − base): its 95% interval, not corrected for
 * the number of rows, and whether the diff calls it out, corrected (a discovery at a 5% false
 * discovery rate over all the rows compared).
 */
export interface ShareChange extends ShareRange {
  significant: boolean;
}

/** A diff row's changes of its self and total shares, and what the test knew ('sampling' when both profiles are one run). */
export interface RowChange {
  basis: 'runs' | 'sampling';
  self: ShareChange;
  total: ShareChange;
}

/**
 * Where a frame's code comes from (engine/profile/origin.ts holds the rule): the workspace's own
 * crates, a dependency, Rust's standard library, the C runtime, the kernel, or unknown.
 */
export const FRAME_ORIGINS = ['workspace', 'dependency', 'std', 'libc', 'kernel', 'unknown'] as const;
export type FrameOrigin = (typeof FRAME_ORIGINS)[number];

/**
 * Which samples and frames a query or export sees (pprof's -focus, -ignore and -hide; the
 * runtime plumbing rule of engine/profile/plumbing.ts). Regexes are matched against whole
 * function names by the linear-time engine, as `filter` is.
 */
export interface StackView {
  /** Only samples with a frame whose name matches. */
  focus?: string;
  /** Drop samples with a frame whose name matches. */
  ignore?: string;
  /** Remove frames whose name matches from the stacks; their samples stay (a hidden innermost frame's go to its caller). */
  hide?: string;
  /** Keep the runtime's plumbing frames (lang_start, catch_unwind, start_thread...), which are left out by default. */
  plumbing?: boolean;
  /** Put each stack's thread (`name-tid`) as its outermost frame. */
  threads?: boolean;
}

export interface FunctionRow {
  name: string;
  /** Samples whose innermost frame is this function. */
  self: number;
  /** Samples with this function anywhere in the stack (counted once under recursion). */
  total: number;
  file?: string;
  line?: number;
  /** Where its code comes from (profile/top sets it). */
  origin?: FrameOrigin;
  /** The shares' intervals (profile/top and the CLI's tables set it). */
  noise?: RowNoise;
}

export interface LineRow {
  file: string;
  line: number;
  self: number;
  total: number;
  /** The shares' intervals (profile/lines and the CLI's tables set it). */
  noise?: RowNoise;
}

/**
 * One function's change from a session's previous profile to its new one (`profile/ready`'s
 * `moved`), by `profile/diff`'s rule. Shares are of each profile's own samples, 0..1.
 */
export interface MovedRow {
  name: string;
  /** The self shares before and after. */
  before: number;
  after: number;
  /** after − before, and its 95% interval (this row's on its own). */
  delta: number;
  low: number;
  high: number;
  /** The total shares (the function anywhere on the stack) before and after; 0 before for a function the previous profile did not have. */
  beforeTotal: number;
  afterTotal: number;
  /**
   * The self or the total share moved beyond both profiles' run-to-run variation (sampling noise
   * between profiles of one run each): a discovery at a 5% false discovery rate over every
   * function and line compared. False: within noise.
   */
  significant: boolean;
}

/** What the store knows about one profile without reading it. */
export interface ProfileMeta {
  /** Sortable and unique: `20261125T170512.123-3f9a` (UTC time of the add, then random hex). */
  id: string;
  /** When the profile was added (ISO 8601). */
  createdAt: string;
  samples: number;
  /** The unit of counts: 'samples'. */
  unit: string;
  event: string;
  quality: UnwindQuality;
  /** What was profiled. */
  target?: ProfileTarget;
  /** The record options (opaque to the store). */
  options?: unknown;
  source?: SourceState;
  durationMs?: number;
  /** Each run's samples, when the profile is several runs of one build. */
  runs?: number[];
  program?: { exitCode?: number; signal?: string; failed: boolean };
  summary?: Array<{ name: string; self: number; total: number }>;
}

/** Where a profile's push to a Grafana Pyroscope server stands: waiting (the server was unreachable, or not tried yet), taken, or refused. */
export type PushState = 'queued' | 'pushed' | 'failed';

/** One profile's push to one server, as `profile/list` reports it. */
export interface PushStatus {
  url: string;
  state: PushState;
  /** When the state last changed (ISO 8601). */
  at: string;
  attempts: number;
  /** The last failure's message (the server's own for a refusal). */
  error?: string;
}

/** A compiler message, as the daemon forwards it. */
export interface BuildDiagnostic {
  level: string;
  message: string;
  rendered: string;
  file?: string;
  line?: number;
  column?: number;
}

export type DaemonState = 'idle' | 'building' | 'recording' | 'symbolizing' | 'storing';

/** The kinds of cargo target flame builds and profiles (`flame record --bin/--example/...`). */
export type CargoTargetKind = 'bin' | 'example' | 'test' | 'bench' | 'unit-test' | 'unit-bench';

/**
 * What a stored profile was made from. Every variant has `kind` and `name`, which is all that
 * older flames read (`flame profiles` shows them), so profiles stay readable across versions.
 */
export type ProfileTarget =
  /** A cargo target flame built (a session, `flame record`). */
  | { kind: CargoTargetKind; name: string; package: string; unitKind?: 'lib' | 'bin'; executable: string; profile: string }
  /** A perf.data recorded elsewhere (`flame record --perf-data`, `profile/import`). */
  | { kind: 'recording'; name: string; perfData: string }
  /** A command run under perf (`flame exec`). */
  | { kind: 'command'; name: string; command: string[] }
  /** A running process perf attached to (`flame record --pid`). */
  | { kind: 'pid'; name: string }
  /** A target as a client asked for it, with no build that resolved it (`profile/import` with a target). */
  | { kind: 'requested'; name: string; spec: TargetSpec };

const TARGET_KINDS: ReadonlySet<string> = new Set(['bin', 'example', 'test', 'bench', 'unit-test', 'unit-bench', 'recording', 'command', 'pid', 'requested']);

/**
 * A stored profile's target, in whatever shape an older flame stored it: current shapes as they
 * are, a bare TargetSpec (what `profile/import` stored before targets were typed) as 'requested'.
 * Undefined for anything else.
 */
export function readProfileTarget(raw: unknown): ProfileTarget | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  if (typeof o.kind === 'string' && TARGET_KINDS.has(o.kind) && typeof o.name === 'string') return o as ProfileTarget;
  const spec = o as TargetSpec;
  return { kind: 'requested', name: describeSpec(spec), spec };
}

/** A target spec in a few words, as `flame profiles` shows it: "bin app", "example demo", "default". */
export function describeSpec(spec: TargetSpec): string {
  for (const k of ['bin', 'example', 'test', 'bench'] as const) if (typeof spec[k] === 'string') return `${k} ${spec[k]}`;
  if (spec.unitTest !== undefined) return `unit tests${spec.unitTest === true ? '' : ` of ${spec.unitTest}`}`;
  if (spec.unitBench !== undefined) return `unit benches${spec.unitBench === true ? '' : ` of ${spec.unitBench}`}`;
  return spec.package ?? 'default target';
}

/** How a profile's target reads in one line: "bin app", "recording perf.data", "pid 42". */
export function targetLabel(t: ProfileTarget | undefined): string {
  if (!t) return '';
  return t.kind === 'requested' ? t.name : `${t.kind} ${t.name}`;
}

/** Flame graph colour palettes (FlameGraph's and inferno's names). */
export const PALETTES = ['hot', 'mem', 'io', 'wakeup', 'java', 'js', 'perl', 'rust', 'red', 'green', 'blue', 'aqua', 'yellow', 'purple', 'orange'] as const;
export type PaletteName = (typeof PALETTES)[number];

/** Options of an SVG flame graph: `flame svg`'s flags, `profile/export`'s `svg`. */
export interface SvgOptions {
  /** Default "Flame Graph" ("Flame Chart" with `flamechart`). */
  title?: string;
  subtitle?: string;
  /** An icicle graph: the root at the top. */
  inverted?: boolean;
  /** Reverse each stack before merging (callees at the root). */
  reverse?: boolean;
  /** Omit frames narrower than this percent of the total. Default 0.01. */
  minWidth?: number;
  /** Default "hot". */
  palette?: PaletteName;
  /** Colour by a hash of the name instead of at random: the same input gives the same bytes. */
  deterministic?: boolean;
  /** Colour so that similar names get similar colours (FlameGraph's --hash); also deterministic. */
  hash?: boolean;
  /** Keep input order as a time series instead of sorting and merging by name. */
  flamechart?: boolean;
  /** Text kept in a comment at the top of the SVG. */
  notes?: string;
  /** Default 1200. */
  imageWidth?: number;
  /** The unit of the counts. Default "samples". */
  countName?: string;
  /** The word before a frame's name in the details line. Default "Function:". */
  nameType?: string;
  /** Default 12. */
  fontSize?: number;
  /** The average glyph width as a fraction of the font size, to fit labels. Default 0.59. */
  fontWidth?: number;
  /** Default "monospace". */
  fontType?: string;
  /** Default 16. */
  frameHeight?: number;
  /** Fill of frames matching a search. Default "#e600e6". */
  searchColor?: string;
}

/**
 * The export formats, in the order help texts list them: what each is on the wire. Each has its
 * module in engine/export/formats/ (the registry there must cover this list; tsc holds it to it).
 */
export const EXPORT_FORMATS = {
  folded: { mediaType: 'text/plain', encoding: 'utf8', about: 'folded stacks, one "a;b;c N" line each (inferno, flamegraph.pl)' },
  svg: { mediaType: 'image/svg+xml', encoding: 'utf8', about: 'an interactive SVG flame graph (options in `svg`)' },
  speedscope: { mediaType: 'application/json', encoding: 'utf8', about: "speedscope's file format (speedscope.app)" },
  pprof: { mediaType: 'application/vnd.google.protobuf', encoding: 'base64', about: 'gzipped profile.proto (`go tool pprof`)' },
} as const satisfies Record<string, { mediaType: string; encoding: 'utf8' | 'base64'; about: string }>;
export type ExportFormat = keyof typeof EXPORT_FORMATS;
export const EXPORT_FORMAT_NAMES = Object.keys(EXPORT_FORMATS) as ExportFormat[];
