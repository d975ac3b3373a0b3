// Wire types shared by the daemon and every client. Plain JSON data only; the daemon's own
// types are structurally compatible with these.

/** Which cargo target to build and profile (the flags of `flame record`). */
export interface TargetSpec {
  cwd?: string;
  manifestPath?: string;
  package?: string;
  bin?: string;
  example?: string;
  test?: string;
  bench?: string;
  unitTest?: string | true;
  unitBench?: string | true;
  features?: string[];
  allFeatures?: boolean;
  noDefaultFeatures?: boolean;
  profile?: string;
  dev?: boolean;
  release?: boolean;
  target?: string;
}

/** perf record settings. */
export interface RecordSpec {
  frequency?: number;
  callGraph?: 'dwarf' | 'fp' | 'lbr';
  stackSize?: number;
  event?: string;
  ignoreStatus?: boolean;
}

/** A target plus record options plus program arguments: what a watch session profiles. */
export interface SessionSpec {
  target?: TargetSpec;
  record?: RecordSpec;
  programArgs?: string[];
}

export interface SourceState {
  /** Content hash of the watched files. */
  hash: string;
  files?: number;
  git?: { commit: string; dirty: boolean };
}

export interface UnwindQuality {
  samples: number;
  unknownShare: number;
  truncatedShare: number;
  lost: number;
}

export interface FunctionRow {
  name: string;
  self: number;
  total: number;
  file?: string;
  line?: number;
}

export interface LineRow {
  file: string;
  line: number;
  self: number;
  total: number;
}

/** What the store keeps beside each profile. */
export interface ProfileMeta {
  id: string;
  createdAt: string;
  samples: number;
  unit: string;
  event: string;
  quality: UnwindQuality;
  target?: unknown;
  options?: unknown;
  source?: SourceState;
  durationMs?: number;
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
