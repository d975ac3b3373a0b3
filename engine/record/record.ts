// The one-shot pipeline behind `flame record` and `flame exec`: build the cargo target (or take
// a command), perf record it, then analyse the perf.data into a profile. Clients render the result.
import type { EventEmitter } from 'node:events';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Analysis, analyzePerfData, type AnalyzeProgress, type AnalyzeResult } from '../profile/analyze.js';
import { followPerfData, type PerfFollower } from '../perf/follow.js';
import { buildTarget, type BuildResult, type Diagnostic } from '../cargo/build.js';
import { findWorkspace, readMetadata, selectTarget, workspaceOf, type CargoMetadata, type TargetOptions, type WorkspaceInfo } from '../cargo/target.js';
import { FlameError, ErrorCodes } from '../../common/errors.js';
import { cacheDir } from '../../common/fsutil.js';
import { logger } from '../../common/log.js';
import { checkPerfUsable, perfRecord, type RecordOptions } from '../perf/run.js';
import type { ProfileData } from '../profile/profile.js';

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
  /** performance.now() when the recording ended (or the analysis started, for --perf-data). */
  endedAt: number;
  /** The cargo workspace of the target, or the one around the cwd for exec and --perf-data. */
  workspace?: WorkspaceInfo;
  /** Where flame's own files go: `<target dir>/flame` in a workspace, else the cwd. */
  outputDir: string;
}

export type RecordProgress =
  | { stage: 'build'; message: string; done?: number; total?: number }
  | { stage: 'record'; message: string }
  | AnalyzeProgress;

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
  onRecordStarted?: (command: string[]) => void;
  onRecordFinished?: (r: { durationMs: number; exitCode?: number; signal?: string }) => void;
}

/** Build (unless given a command or a perf.data), record and analyse. */
export async function recordOnce(req: RecordRequest, hooks: RecordHooks = {}): Promise<RecordResult> {
  const cwd = path.resolve(req.cwd ?? process.cwd());
  const warnings: string[] = [];
  const analyzeOpts = { cacheDir: cacheDir('symbols'), signal: hooks.signal, onProgress: hooks.onProgress };
  let live: LiveAnalysis | undefined;
  let perfData: string;
  let build: BuildResult | undefined;
  let program: ProgramOutcome | undefined;
  let durationMs = 0;
  let workspace: WorkspaceInfo | undefined;
  const around = (): Promise<WorkspaceInfo | undefined> => findWorkspace({ ...req.target, cwd: req.target?.cwd ?? cwd });

  if (req.perfData !== undefined) {
    perfData = path.resolve(cwd, req.perfData);
    workspace = await around();
  } else {
    let command: string[];
    if (req.command && req.command.length > 0) {
      command = [...req.command, ...(req.programArgs ?? [])];
      refuseNewline(path.resolve(cwd, command[0]!), 'the program');
      workspace = await around();
    } else if (req.record?.pid !== undefined) {
      command = [];
      workspace = await around();
    } else {
      const topts: TargetOptions = { ...req.target, cwd: req.target?.cwd ?? cwd };
      const metadata = await readMetadata(topts);
      workspace = workspaceOf(metadata);
      refuseNewline(workspace.root, 'the workspace');
      refuseNewline(workspace.targetDir, 'its target directory');
      const target = selectTarget(metadata, topts);
      await hooks.onWorkspace?.(metadata);
      hooks.onProgress?.({ stage: 'build', message: `building ${target.kind} ${target.name}` });
      const tb = performance.now();
      try {
        build = await buildTarget(target, topts, {
          metadata,
          signal: hooks.signal,
          framePointers: req.record?.callGraph === 'fp',
          onProgress: (p) => hooks.onProgress?.({ stage: 'build', message: p.message, done: p.done, ...(p.total === undefined ? {} : { total: p.total }) }),
          onDiagnostic: hooks.onDiagnostic,
        });
      } catch (error) {
        hooks.onBuildFinished?.({ ok: false, durationMs: performance.now() - tb, error });
        throw error;
      }
      hooks.onBuildFinished?.({ ok: true, durationMs: performance.now() - tb, build });
      await hooks.onBuilt?.();
      warnings.push(...build.warnings);
      command = [build.executable, ...build.runArgs, ...(req.programArgs ?? [])];
    }
    await checkPerfUsable();
    // Not the package root: a build script without rerun-if-changed makes cargo rebuild the
    // package whenever a file appears there, and the target directory is outside its view.
    perfData = req.perfDataOut !== undefined ? path.resolve(cwd, req.perfDataOut) : path.join(outputDirOf(workspace, cwd), 'perf.data');
    await mkdir(path.dirname(perfData), { recursive: true });
    hooks.onProgress?.({ stage: 'record', message: req.record?.pid !== undefined ? `recording pid ${req.record.pid}` : `recording ${path.basename(command[0] ?? '')}` });
    const t0 = performance.now();
    // perf writes to a temporary name; only a complete recording replaces perf.data, so a failed
    // run never clobbers a good file. Only the latest is kept: recordings run to gigabytes.
    const tmp = `${perfData}.tmp-${process.pid}`;
    let outcome;
    // perf writes its pipe format, which perf script reads while it is written: by the time the
    // program ends, nearly all of the analysis is done.
    live = { analysis: new Analysis(analyzeOpts), follower: undefined };
    await writeFile(tmp, '', { mode: 0o644 });
    try {
      hooks.onRecordStarted?.(command);
      const recording = perfRecord(req.record ?? {}, command, tmp, {
        programOutput: hooks.detached?.programOutput,
        stdin: hooks.detached ? 'ignore' : 'inherit',
        signal: hooks.signal,
        interrupts: hooks.interrupts,
        cwd,
      });
      live.follower = followPerfData(tmp, live.analysis.line, { signal: hooks.signal });
      live.analysis.prefetchSymbols();
      try {
        outcome = await recording;
      } finally {
        live.follower.recordingDone();
      }
    } catch (err) {
      await live.follower?.done.catch(() => {});
      await live.analysis.dispose();
      await rm(tmp, { force: true });
      throw err;
    }
    await rename(tmp, perfData);
    durationMs = performance.now() - t0;
    hooks.onRecordFinished?.({ durationMs, exitCode: outcome.exitCode, signal: outcome.signal });
    // Ending because the user asked (death by SIGINT, or by the SIGTERM of a second Ctrl-C, or a
    // clean exit after one) is what a server does on Ctrl-C: not a failure.
    // 130 and 143 are the shells' way of saying the same (128 + SIGINT, 128 + SIGTERM).
    const asked = outcome.signal === 'SIGINT' || (outcome.interrupted === true && (outcome.signal === 'SIGTERM' || outcome.exitCode === 130 || outcome.exitCode === 143));
    const failed = outcome.signal !== undefined ? !asked : (outcome.exitCode ?? 0) !== 0 && !asked;
    program = { failed };
    if (outcome.exitCode !== undefined) program.exitCode = outcome.exitCode;
    if (outcome.signal !== undefined) program.signal = outcome.signal;
    if (failed && !req.record?.ignoreStatus) {
      warnings.push(`the program ${outcome.signal ? `died of ${outcome.signal}` : `exited with status ${outcome.exitCode}`}; the profile covers its run until then (pass --ignore-status to accept this)`);
    }
  }

  const t1 = performance.now();
  let analysis;
  try {
    analysis = await finishLive(live, perfData, hooks);
    analysis ??= await analyzePerfData(perfData, analyzeOpts);
  } catch (err) {
    if (program?.failed && err instanceof FlameError && err.code === ErrorCodes.NoSamples) {
      throw new FlameError(ErrorCodes.ProgramFailed, `the program failed (${program.signal ?? `exit status ${program.exitCode}`}) before perf took any sample; fix the program or its arguments and try again`, { cause: err });
    }
    throw err;
  }
  warnings.push(...analysis.warnings);
  if (req.perfData === undefined && req.record?.callGraph === 'fp') {
    const w = framePointerWarning(analysis.profile.quality.truncatedShare, build !== undefined);
    if (w !== undefined) warnings.push(w);
  }
  const analysisMs = performance.now() - t1;
  const result: RecordResult = { perfData, profile: analysis.profile, warnings, durationMs, analysisMs, endedAt: t1, outputDir: outputDirOf(workspace, cwd) };
  if (workspace) result.workspace = workspace;
  if (build) result.build = build;
  if (program) result.program = program;
  return result;
}

/**
 * perf script prints one event per line with the program's path in it: a path with a newline
 * splits every frame of that program into lines no parser can join, and the profile would come
 * out with nothing symbolized. A symlink does not help, as perf records the path the kernel
 * resolved.
 */
function refuseNewline(p: string, what: string): void {
  if (!/[\n\r]/.test(p)) return;
  throw new FlameError(ErrorCodes.BadInput, `the path of ${what} contains a line break (${JSON.stringify(p)}), which perf script's output cannot carry; move or rename it to a path without one (a symlink is not enough: perf records the real path)`);
}

/** `<target dir>/flame` in a workspace; outside one there is no target directory, so the cwd. */
function outputDirOf(workspace: WorkspaceInfo | undefined, cwd: string): string {
  return workspace === undefined ? cwd : path.join(workspace.targetDir, 'flame');
}

/** Past this share of truncated stacks, a frame-pointer profile misleads more than it shows. */
const FP_TRUNCATED_WARNING = 0.2;

/**
 * `--call-graph fp` stops at the first frame without a frame pointer, and by default rustc keeps
 * none in release builds: an ordinary build gave 100% truncated stacks, with no word of why.
 */
export function framePointerWarning(truncatedShare: number, builtByFlame: boolean): string | undefined {
  if (!(truncatedShare >= FP_TRUNCATED_WARNING)) return undefined;
  const pct = `${(truncatedShare * 100).toFixed(1)}%`;
  const why = builtByFlame
    ? 'flame built the target with -C force-frame-pointers=yes, but code compiled without frame pointers (the prebuilt standard library, libc, C dependencies) breaks the chain of frames'
    : 'the program, or the prebuilt standard library and libc it calls, keeps no frame pointers (rustc omits them unless built with -C force-frame-pointers=yes), so the chain of frames breaks';
  return `${pct} of the stacks recorded with --call-graph fp do not reach the thread's entry point: ${why}; record with --call-graph dwarf (the default) for whole stacks`;
}

interface LiveAnalysis {
  analysis: Analysis;
  follower: PerfFollower | undefined;
}

/**
 * The analysis that followed the recording, finished; undefined when there was none or it
 * failed (the caller then reads the finished file the usual way, so nothing is lost).
 */
async function finishLive(live: LiveAnalysis | undefined, perfData: string, hooks: RecordHooks): Promise<AnalyzeResult | undefined> {
  if (live?.follower === undefined) return undefined;
  hooks.onProgress?.({ stage: 'script', message: 'finishing perf script' });
  try {
    await live.follower.done;
  } catch (err) {
    if (err instanceof FlameError && err.code === ErrorCodes.Cancelled) throw err;
    logger('record').warn({ err }, 'perf script following the recording failed; reading the finished file instead');
    await live.analysis.dispose();
    return undefined;
  }
  return live.analysis.finish(perfData);
}
