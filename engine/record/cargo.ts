// Mode `flame record` on a cargo target: read the workspace, build the target with flame's
// profile (debug info, frame pointers for --call-graph fp), then run the executable under perf,
// once or `record.runs` times.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildTarget, type BuildResult } from '../cargo/build.js';
import { readMetadata, selectTarget, workspaceOf, type TargetOptions } from '../cargo/target.js';
import type { RecordResult } from './record.js';
import { recordRuns, refuseNewline, type RecordContext, type Run } from './steps.js';

export async function buildAndRecord(ctx: RecordContext): Promise<RecordResult> {
  return recordRuns(ctx, await buildForRecord(ctx));
}

/**
 * The build half: read the workspace, build the target, and return the run to record.
 * `flame compare` builds both sides first and then records them in turns. `targetDir` builds
 * into that target directory instead of the project's (the base revision's worktree).
 */
export async function buildForRecord(ctx: RecordContext, opts: { targetDir?: string } = {}): Promise<Run> {
  const { req, hooks } = ctx;
  const topts: TargetOptions = { ...req.target, cwd: req.target?.cwd ?? ctx.cwd };
  const metadata = await readMetadata(topts);
  const workspace = workspaceOf(metadata);
  refuseNewline(workspace.root, 'the workspace');
  refuseNewline(workspace.targetDir, 'its target directory');
  const target = selectTarget(metadata, topts);
  await hooks.onWorkspace?.(metadata);
  hooks.onProgress?.({ stage: 'build', message: `building ${target.kind} ${target.name}` });
  const tb = performance.now();
  let build: BuildResult;
  try {
    build = await buildTarget(target, topts, {
      metadata,
      signal: hooks.signal,
      framePointers: req.record?.callGraph === 'fp',
      ...(opts.targetDir === undefined ? {} : { targetDir: opts.targetDir }),
      onProgress: (p) => hooks.onProgress?.({ stage: 'build', message: p.message, done: p.done, ...(p.total === undefined ? {} : { total: p.total }) }),
      onDiagnostic: hooks.onDiagnostic,
    });
  } catch (error) {
    hooks.onBuildFinished?.({ ok: false, durationMs: performance.now() - tb, error });
    throw error;
  }
  hooks.onBuildFinished?.({ ok: true, durationMs: performance.now() - tb, build });
  await hooks.onBuilt?.();
  const command = [build.executable, ...build.runArgs, ...(req.programArgs ?? [])];
  return { command, label: `recording ${path.basename(build.executable)}`, workspace, build, warnings: [...build.warnings] };
}
