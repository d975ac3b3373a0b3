// `flame compare`'s recordings: build the working tree (B) and the base revision (A) first,
// then record A and B in turns, A B A B …, so that whatever drifts on the machine meanwhile (its
// other load, its clock) falls on both sides alike; each side's runs become one profile of
// several runs (profile/runs.ts), which is what the diff's test (query/diff.ts) allows for.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { readMetadata, workspaceOf, type CargoMetadata, type TargetOptions, type WorkspaceInfo } from '../cargo/target.js';
import { buildForRecord } from '../record/cargo.js';
import type { RecordHooks, RecordRequest, RecordResult } from '../record/record.js';
import { combineRuns, recordAndAnalyse, recordContext, type Run } from '../record/steps.js';
import { ErrorCodes, FlameError } from '../../common/errors.js';
import { claimLock, within } from '../../common/fsutil.js';
import type { ProfileData } from '../profile/profile.js';
import { checkoutBase, compareDir, type BaseCheckout } from './worktree.js';

/** The runs per side unless told otherwise: enough for the runs' spread to be estimated, few enough for CI. */
export const DEFAULT_COMPARE_RUNS = 5;

export interface CompareRequest extends Omit<RecordRequest, 'command' | 'perfData' | 'perfDataOut'> {
  target: TargetOptions;
  /** The base: a git revision to build and record beside the working tree, or none (a stored profile is the base). */
  baseRev?: string;
}

export interface CompareSides {
  /** The working tree's workspace: both sides are stored in its history. */
  workspace: WorkspaceInfo;
  /** The working tree's runs, merged (`runs` lists each run's times). */
  current: RecordResult;
  /** The base revision's runs, merged; absent when the base is a stored profile. */
  base?: RecordResult & { checkout: BaseCheckout };
}

export interface CompareHooks extends Pick<RecordHooks, 'onProgress' | 'onDiagnostic' | 'signal'> {
  /** The working tree's sources are about to be read / were read (as RecordHooks: hash them). */
  onWorkspace?: RecordHooks['onWorkspace'];
  onBuilt?: RecordHooks['onBuilt'];
}

/**
 * Build both sides and record them in turns, `record.runs` times each. A program that fails
 * stops the compare (unless `record.ignoreStatus`): its timings would compare a crash.
 */
export async function recordCompare(req: CompareRequest, hooks: CompareHooks = {}): Promise<CompareSides> {
  const cwd = path.resolve(req.cwd ?? process.cwd());
  const topts: TargetOptions = { ...req.target, cwd: req.target.cwd ?? cwd };
  const metadata: CargoMetadata = await readMetadata(topts);
  const workspace = workspaceOf(metadata);
  const dir = compareDir(workspace.targetDir);
  // One compare at a time per workspace: two would check out and build into the same worktree.
  await mkdir(dir, { recursive: true });
  const lock = await claimLock(path.join(dir, 'compare.lock'));
  if (!('release' in lock)) {
    throw new FlameError(
      ErrorCodes.BadInput,
      `another flame compare (pid ${lock.heldBy}) is using ${dir}; wait for it to finish (compares of one workspace share its base worktree)`,
    );
  }
  try {
    return await compareLocked(req, hooks, { topts, workspace, dir });
  } finally {
    await lock.release();
  }
}

async function compareLocked(
  req: CompareRequest,
  hooks: CompareHooks,
  { topts, workspace, dir }: { topts: TargetOptions; workspace: WorkspaceInfo; dir: string },
): Promise<CompareSides> {
  const runs = req.record?.runs ?? DEFAULT_COMPARE_RUNS;
  const record = { ...req.record, runs: 1 };

  // A revision git does not know fails before any build; then the working tree, whose build
  // error (the change under review) is the likeliest failure.
  let checkout: BaseCheckout | undefined;
  if (req.baseRev !== undefined) {
    hooks.onProgress?.({ stage: 'build', message: `checking out ${req.baseRev}` });
    checkout = await checkoutBase(topts.cwd!, req.baseRev, workspace.targetDir);
  }
  const currentReq: RecordRequest = { ...req, record, target: topts, perfDataOut: path.join(dir, 'current.perf.data') };
  const currentCtx = recordContext(currentReq, hooks);
  hooks.onProgress?.({ stage: 'build', message: 'building the working tree' });
  const currentRun = await buildForRecord(currentCtx);

  let baseCtx;
  let baseRun: Run | undefined;
  if (checkout !== undefined) {
    const baseTarget: TargetOptions = { ...topts, cwd: checkout.map(topts.cwd!) };
    if (topts.manifestPath !== undefined) baseTarget.manifestPath = checkout.map(path.resolve(topts.cwd!, topts.manifestPath));
    const baseReq: RecordRequest = { ...req, record, target: baseTarget, cwd: baseTarget.cwd, perfDataOut: path.join(dir, 'base.perf.data') };
    baseCtx = recordContext(baseReq, { onProgress: hooks.onProgress, onDiagnostic: hooks.onDiagnostic, signal: hooks.signal });
    hooks.onProgress?.({ stage: 'build', message: `building ${req.baseRev} (${checkout.commit.slice(0, 10)})` });
    const rev = req.baseRev!;
    baseRun = await buildForRecord(baseCtx, { targetDir: checkout.targetDir }).catch((err: unknown) => {
      // The same words as for the working tree would send the user to look at the wrong code.
      if (!(err instanceof FlameError) || err.code === ErrorCodes.Cancelled) throw err;
      throw new FlameError(err.code, `the base revision ${rev} (${checkout!.commit.slice(0, 10)}, checked out in ${checkout!.dir}): ${err.message}`, {
        cause: err,
        data: err.data,
      });
    });
  }

  const currentResults: RecordResult[] = [];
  const baseResults: RecordResult[] = [];
  for (let i = 1; i <= runs; i++) {
    if (baseCtx && baseRun) baseResults.push(await recordSide(baseCtx, baseRun, 'base', i, runs));
    currentResults.push(await recordSide(currentCtx, currentRun, 'working tree', i, runs));
  }
  const current = combineRuns(currentResults, runs);
  if (!baseCtx || !checkout || !baseRun) return { workspace, current };
  const base = combineRuns(baseResults, runs);
  // The base's debug info names the worktree's files; as the working tree's, its lines meet the
  // working tree's in the diff (and the editor shows them on the files the user has open).
  const from = checkout.dir;
  const to = path.resolve(workspace.root, path.relative(baseRun.workspace?.root ?? from, from));
  return { workspace, current, base: { ...base, profile: relocateSources(base.profile, from, to), checkout } };
}

/** The profile with every source path under `from` moved to the same place under `to`. */
export function relocateSources(p: ProfileData, from: string, to: string): ProfileData {
  const move = <T extends { file?: string }>(x: T): T =>
    x.file !== undefined && within(x.file, from) ? { ...x, file: path.posix.join(to, path.relative(from, x.file)) } : x;
  return { ...p, functions: p.functions.map(move), locations: p.locations.map(move) };
}

async function recordSide(ctx: ReturnType<typeof recordContext>, run: Run, side: string, i: number, of: number): Promise<RecordResult> {
  const r = await recordAndAnalyse(ctx, {
    ...run,
    label: `recording ${side} (run ${i} of ${of})`,
    warnings: i === 1 ? run.warnings : [],
    run: { index: i, of },
  });
  if (r.program?.failed && !ctx.req.record?.ignoreStatus) {
    const how = r.program.signal ? `died of ${r.program.signal}` : `exited with status ${r.program.exitCode}`;
    throw new FlameError(
      ErrorCodes.ProgramFailed,
      `the program of the ${side} ${how} in run ${i}; a compare of a failing run measures the failure: fix it, or pass --ignore-status`,
    );
  }
  return r;
}
