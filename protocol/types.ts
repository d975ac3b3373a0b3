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
   * (default 1): its shares then come with intervals from the runs' variation, and diffs against
   * it allow for that variation.
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
   * ignores are in `hash` but never make the tree dirty.
   */
  git?: { commit: string; dirty: boolean };
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

export interface FunctionRow {
  name: string;
  /** Samples whose innermost frame is this function. */
  self: number;
  /** Samples with this function anywhere in the stack (counted once under recursion). */
  total: number;
  file?: string;
  line?: number;
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
  /** The cargo target description (opaque to the store). */
  target?: unknown;
  /** The record options (opaque to the store). */
  options?: unknown;
  source?: SourceState;
  durationMs?: number;
  /** Each run's samples, when the profile is several runs of one build. */
  runs?: number[];
  program?: { exitCode?: number; signal?: string; failed: boolean };
  summary?: Array<{ name: string; self: number; total: number }>;
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
