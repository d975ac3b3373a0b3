// The one-shot pipeline behind `flame record` and `flame exec`, by mode: analyse a finished
// perf.data, run a command, attach to a pid, or build a cargo target and run it. Each mode is its
// own module over the shared steps (steps.ts); this file holds the types and picks the mode.
import type { EventEmitter } from 'node:events';
import type { AnalyzeProgress } from '../profile/analyze.js';
import type { BuildResult, Diagnostic } from '../cargo/build.js';
import type { CargoMetadata, TargetOptions, WorkspaceInfo } from '../cargo/target.js';
import type { RecordOptions } from '../perf/run.js';
import type { ProfileData } from '../profile/profile.js';
import { attachToPid } from './pid.js';
import { buildAndRecord } from './cargo.js';
import { recordCommand } from './command.js';
import { analyseFinished } from './perf-data.js';
import { recordContext } from './steps.js';
import { ErrorCodes, FlameError } from '../../common/errors.js';

export interface RecordRequest {
  /** Build and run this cargo target... */
  target?: TargetOptions;
  /** ...or run this command as it is (`flame exec`). */
  command?: string[];
  /** Arguments for the program (after `--`). */
  programArgs?: string[];
  record?: RecordOptions;
  /** Analyse an existing perf.data: no build, no record. */
  perfData?: string;
  /** Where the recording goes (default perf.data in `outputDir`). */
  perfDataOut?: string;
  cwd?: string;
}

export interface ProgramOutcome {
  exitCode?: number;
  signal?: string;
  /** Panicked, exited non-zero or died of a signal, other than ending because the user asked. */
  failed: boolean;
}

export interface RecordResult {
  perfData: string;
  profile: ProfileData;
  warnings: string[];
  build?: BuildResult;
  program?: ProgramOutcome;
  /** Wall time of the recording (the program's run), in ms. */
  durationMs: number;
  /** From the end of recording to the profile, in ms. */
  analysisMs: number;
  /** From the first sample to the last, in ms (summed over several runs): the program's own run. */
  sampledMs: number;
  /** performance.now() when the recording ended (or the analysis started, for --perf-data). */
  endedAt: number;
  /** The cargo workspace of the target, or the one around the cwd for exec and --perf-data. */
  workspace?: WorkspaceInfo;
  /** Where flame's own files go: `<target dir>/flame` in a workspace, else the cwd. */
  outputDir: string;
  /** With several runs (`record.runs`), each run's samples and times, in order. */
  runs?: RunTimes[];
  /** With several runs, the ms it took to merge them into one profile (part of analysisMs). */
  mergeMs?: number;
}

export interface RunTimes {
  samples: number;
  durationMs: number;
  analysisMs: number;
  sampledMs: number;
}

/** Which of several runs of one build a recording is, 1-based. */
export interface RunIndex {
  index: number;
  of: number;
}

export type RecordProgress = { stage: 'build'; message: string; done?: number; total?: number } | { stage: 'record'; message: string } | AnalyzeProgress;

export interface RecordHooks {
  onProgress?: (p: RecordProgress) => void;
  signal?: AbortSignal;
  /** 'interrupt' events: the user's Ctrl-C, passed on to the program (perfRecord). */
  interrupts?: EventEmitter;
  /** Each compiler diagnostic as the build emits it. */
  onDiagnostic?: (d: Diagnostic) => void;
  /** The daemon runs programs without a terminal: no stdin, output to its log. */
  detached?: { programOutput: (line: string) => void };
  /** Milestones, for the daemon's notifications. */
  onBuildFinished?: (r: { ok: boolean; durationMs: number; build?: BuildResult; error?: unknown }) => void;
  /** The workspace is known and the build is about to read its sources (the moment to hash them). */
  onWorkspace?: (metadata: CargoMetadata) => Promise<void>;
  /** The build succeeded: cargo has read every source it will (the moment to hash them again). */
  onBuilt?: () => Promise<void>;
  /** `run` is set when the request records several runs: once per run. */
  onRecordStarted?: (command: string[], run?: RunIndex) => void;
  onRecordFinished?: (r: { durationMs: number; exitCode?: number; signal?: string; run?: RunIndex }) => void;
}

/** Build (unless given a command, a pid or a perf.data), record and analyse. */
export async function recordOnce(req: RecordRequest, hooks: RecordHooks = {}): Promise<RecordResult> {
  const ctx = recordContext(req, hooks);
  if ((req.record?.runs ?? 1) > 1 && (req.perfData !== undefined || req.record?.pid !== undefined)) {
    throw new FlameError(
      ErrorCodes.BadInput,
      `${req.perfData !== undefined ? 'a perf.data' : 'attaching to a pid'} is one recording; several runs (--runs) need a program flame starts itself`,
    );
  }
  if (req.perfData !== undefined) return analyseFinished(ctx, req.perfData);
  if (req.command !== undefined && req.command.length > 0) return recordCommand(ctx, req.command);
  if (req.record?.pid !== undefined) return attachToPid(ctx, req.record.pid);
  return buildAndRecord(ctx);
}
