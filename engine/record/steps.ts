// What the record modes share: where files go, perf record with the analysis following it live,
// the program's outcome, and the analysis that turns a recording into a RecordResult.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Analysis, analyzePerfData, type AnalyzeOptions, type AnalyzeResult } from '../profile/analyze.js';
import { followPerfData, type PerfFollower } from '../perf/follow.js';
import type { BuildResult } from '../cargo/build.js';
import { mergeRuns } from '../profile/runs.js';
import { findWorkspace, type WorkspaceInfo } from '../cargo/target.js';
import { FlameError, ErrorCodes } from '../../common/errors.js';
import { cacheDir } from '../../common/fsutil.js';
import { logger } from '../../common/log.js';
import { checkPerfUsable, perfRecord } from '../perf/run.js';
import type { ProgramOutcome, RecordHooks, RecordRequest, RecordResult, RunIndex } from './record.js';

export interface RecordContext {
  req: RecordRequest;
  hooks: RecordHooks;
  /** The request's cwd, resolved. */
  cwd: string;
  analyzeOpts: AnalyzeOptions;
}

export function recordContext(req: RecordRequest, hooks: RecordHooks): RecordContext {
  return {
    req,
    hooks,
    cwd: path.resolve(req.cwd ?? process.cwd()),
    analyzeOpts: { cacheDir: cacheDir('symbols'), signal: hooks.signal, onProgress: hooks.onProgress },
  };
}

/** The cargo workspace around the cwd (or the target's cwd), for modes that build nothing. */
export function workspaceAround(ctx: RecordContext): Promise<WorkspaceInfo | undefined> {
  return findWorkspace({ ...ctx.req.target, cwd: ctx.req.target?.cwd ?? ctx.cwd });
}

export interface Run {
  /** The program and its arguments; empty when attaching to a pid. */
  command: string[];
  /** The progress message while recording. */
  label: string;
  workspace: WorkspaceInfo | undefined;
  build?: BuildResult;
  /** Warnings so far (the build's). */
  warnings: string[];
  /** Which of several runs of the same build this is, 1-based (absent: the only one). */
  run?: RunIndex;
}

/**
 * Record `run` as many times as the request's `runs` says (once by default), one after the
 * other, and keep them as one profile with each run's counts (profile/runs.ts). A run the user
 * interrupted, or whose program failed, is the last: its profile covers the runs until then.
 */
export async function recordRuns(ctx: RecordContext, run: Run): Promise<RecordResult> {
  const n = ctx.req.record?.runs ?? 1;
  if (n <= 1) return recordAndAnalyse(ctx, run);
  const results: RecordResult[] = [];
  let interrupted = false;
  const onInterrupt = (): void => void (interrupted = true);
  ctx.hooks.interrupts?.on('interrupt', onInterrupt);
  try {
    for (let i = 1; i <= n; i++) {
      const r = await recordAndAnalyse(ctx, {
        ...run,
        label: `${run.label} (run ${i} of ${n})`,
        warnings: i === 1 ? run.warnings : [],
        run: { index: i, of: n },
      });
      results.push(r);
      if (interrupted || (r.program?.failed && !ctx.req.record?.ignoreStatus)) break;
    }
  } finally {
    ctx.hooks.interrupts?.off('interrupt', onInterrupt);
  }
  return combineRuns(results, n);
}

/** The runs' results as one: the merged profile, summed times, the last run's recording and outcome. */
export function combineRuns(results: RecordResult[], asked: number): RecordResult {
  const last = results.at(-1)!;
  const t0 = performance.now();
  const profile = mergeRuns(results.map((r) => r.profile));
  const mergeMs = performance.now() - t0;
  const warnings = [...new Set(results.flatMap((r) => r.warnings))];
  if (results.length < asked) warnings.push(`stopped after run ${results.length} of ${asked}; the profile has the runs until then`);
  const sum = (f: (r: RecordResult) => number): number => results.reduce((a, r) => a + f(r), 0);
  return {
    ...last,
    profile,
    warnings,
    durationMs: sum((r) => r.durationMs),
    analysisMs: sum((r) => r.analysisMs) + mergeMs,
    sampledMs: sum((r) => r.sampledMs),
    runs: results.map((r) => ({ samples: r.profile.totalSamples, durationMs: r.durationMs, analysisMs: r.analysisMs, sampledMs: r.sampledMs })),
    mergeMs,
  };
}

/** perf record the run, analysing as it goes, and make the result. */
export async function recordAndAnalyse(ctx: RecordContext, run: Run): Promise<RecordResult> {
  const { req, hooks } = ctx;
  await checkPerfUsable();
  // Not the package root: a build script without rerun-if-changed makes cargo rebuild the
  // package whenever a file appears there, and the target directory is outside its view.
  const perfData = req.perfDataOut !== undefined ? path.resolve(ctx.cwd, req.perfDataOut) : path.join(outputDirOf(run.workspace, ctx.cwd), 'perf.data');
  await mkdir(path.dirname(perfData), { recursive: true });
  hooks.onProgress?.({ stage: 'record', message: run.label });
  const t0 = performance.now();
  // perf writes to a temporary name; only a complete recording replaces perf.data, so a failed
  // run never clobbers a good file. Only the latest is kept: recordings run to gigabytes.
  const tmp = `${perfData}.tmp-${process.pid}`;
  let outcome;
  // perf writes its pipe format, which perf script reads while it is written: by the time the
  // program ends, nearly all of the analysis is done.
  const live: LiveAnalysis = { analysis: new Analysis(ctx.analyzeOpts), follower: undefined };
  await writeFile(tmp, '', { mode: 0o644 });
  try {
    hooks.onRecordStarted?.(run.command, run.run);
    const recording = perfRecord(req.record ?? {}, run.command, tmp, {
      programOutput: hooks.detached?.programOutput,
      stdin: hooks.detached ? 'ignore' : 'inherit',
      signal: hooks.signal,
      interrupts: hooks.interrupts,
      cwd: ctx.cwd,
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
  const durationMs = performance.now() - t0;
  hooks.onRecordFinished?.({ durationMs, exitCode: outcome.exitCode, signal: outcome.signal, ...(run.run ? { run: run.run } : {}) });
  const program = programOutcome(outcome);
  const warnings = run.warnings;
  if (program.failed && !req.record?.ignoreStatus) {
    warnings.push(
      `the program ${outcome.signal ? `died of ${outcome.signal}` : `exited with status ${outcome.exitCode}`}; the profile covers its run until then (pass --ignore-status to accept this)`,
    );
  }

  const startedAt = performance.now();
  let analysis;
  try {
    analysis = (await finishLive(live, perfData, hooks)) ?? (await analyzePerfData(perfData, ctx.analyzeOpts));
  } catch (err) {
    if (program.failed && err instanceof FlameError && err.code === ErrorCodes.NoSamples) {
      throw new FlameError(
        ErrorCodes.ProgramFailed,
        `the program failed (${program.signal ?? `exit status ${program.exitCode}`}) before perf took any sample; fix the program or its arguments and try again`,
        { cause: err },
      );
    }
    throw err;
  }
  const extra =
    req.record?.callGraph === 'fp' ? framePointerWarning(analysis.profile.quality.truncatedShare, { builtByFlame: run.build !== undefined }) : undefined;
  return resultOf(ctx, { perfData, analysis, startedAt, workspace: run.workspace, warnings, durationMs, build: run.build, program, extraWarning: extra });
}

export interface Analysed {
  perfData: string;
  analysis: AnalyzeResult;
  /** performance.now() when the analysis of the finished recording started. */
  startedAt: number;
  workspace: WorkspaceInfo | undefined;
  warnings: string[];
  durationMs: number;
  build?: BuildResult;
  program?: ProgramOutcome;
  /** A warning about the analysed profile, after the analysis's own. */
  extraWarning?: string;
}

export function resultOf(ctx: RecordContext, a: Analysed): RecordResult {
  const warnings = [...a.warnings, ...a.analysis.warnings, ...(a.extraWarning === undefined ? [] : [a.extraWarning])];
  const result: RecordResult = {
    perfData: a.perfData,
    profile: a.analysis.profile,
    warnings,
    durationMs: a.durationMs,
    analysisMs: performance.now() - a.startedAt,
    sampledMs: a.analysis.sampledMs,
    endedAt: a.startedAt,
    outputDir: outputDirOf(a.workspace, ctx.cwd),
  };
  if (a.workspace) result.workspace = a.workspace;
  if (a.build) result.build = a.build;
  if (a.program) result.program = a.program;
  return result;
}

/**
 * Ending because the user asked (death by SIGINT, or by the SIGTERM of a second Ctrl-C, or a
 * clean exit after one) is what a server does on Ctrl-C: not a failure.
 * 130 and 143 are the shells' way of saying the same (128 + SIGINT, 128 + SIGTERM).
 */
function programOutcome(outcome: { exitCode?: number; signal?: string; interrupted?: boolean }): ProgramOutcome {
  const asked =
    outcome.signal === 'SIGINT' || (outcome.interrupted === true && (outcome.signal === 'SIGTERM' || outcome.exitCode === 130 || outcome.exitCode === 143));
  const failed = outcome.signal !== undefined ? !asked : (outcome.exitCode ?? 0) !== 0 && !asked;
  const program: ProgramOutcome = { failed };
  if (outcome.exitCode !== undefined) program.exitCode = outcome.exitCode;
  if (outcome.signal !== undefined) program.signal = outcome.signal;
  return program;
}

/**
 * perf script prints one event per line with the program's path in it: a path with a newline
 * splits every frame of that program into lines no parser can join, and the profile would come
 * out with nothing symbolized. A symlink does not help, as perf records the path the kernel
 * resolved.
 */
export function refuseNewline(p: string, what: string): void {
  if (!/[\n\r]/.test(p)) return;
  throw new FlameError(
    ErrorCodes.BadInput,
    `the path of ${what} contains a line break (${JSON.stringify(p)}), which perf script's output cannot carry; move or rename it to a path without one (a symlink is not enough: perf records the real path)`,
  );
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
function framePointerWarning(truncatedShare: number, opts: { builtByFlame: boolean }): string | undefined {
  if (!(truncatedShare >= FP_TRUNCATED_WARNING)) return undefined;
  const pct = `${(truncatedShare * 100).toFixed(1)}%`;
  const why = opts.builtByFlame
    ? 'flame built the target with -C force-frame-pointers=yes, but code compiled without frame pointers (the prebuilt standard library, libc, C dependencies) breaks the chain of frames'
    : 'the program, or the prebuilt standard library and libc it calls, keeps no frame pointers (rustc omits them unless built with -C force-frame-pointers=yes), so the chain of frames breaks';
  return `${pct} of the stacks recorded with --call-graph fp do not reach the thread's entry point: ${why}; record with --call-graph dwarf (the default) for whole stacks`;
}

interface LiveAnalysis {
  analysis: Analysis;
  follower: PerfFollower | undefined;
}

/**
 * The analysis that followed the recording, finished; undefined when it failed (the caller then
 * reads the finished file the usual way, so nothing is lost).
 */
async function finishLive(live: LiveAnalysis, perfData: string, hooks: RecordHooks): Promise<AnalyzeResult | undefined> {
  if (live.follower === undefined) return undefined;
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
