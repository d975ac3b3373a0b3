// Query verbs' shared path to the history: a running daemon answers; with none, the history's
// read-only methods are answered in this process from the store on disk (the same handlers the
// daemon runs), so `flame profiles`, `flame diff` or `flame export` right after `flame record`
// neither wait for a daemon nor leave one behind. Other methods start the daemon as needed.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { profileTime } from '../../engine/store/store.js';
import type { RequestType } from '../../protocol/declare.js';
import { ErrorCodes } from '../../protocol/errors.js';
import * as P from '../../protocol/methods.js';
import { FlameError, isFlameError } from '../../common/errors.js';
import { connect, request } from '../connect.js';

/** Methods a client may answer from the store itself (engine/query/history-queries.ts). */
const LOCAL: ReadonlySet<string> = new Set([P.ProfileList, P.Top, P.Lines, P.Tree, P.Callers, P.Diff, P.Export].map((n) => n.method));

/** Send one request to the workspace's daemon and return its result; `spawn: false` never starts one. */
export async function ask<Params, R>(type: RequestType<Params, R>, params: Params, opts: { manifestPath?: string; spawn?: boolean } = {}): Promise<R> {
  const local = LOCAL.has(type.method);
  let c;
  try {
    c = await connect({ manifestPath: opts.manifestPath, spawn: !local && opts.spawn !== false, clientName: 'flame-cli', requires: [type] });
  } catch (err) {
    if (!local || !isFlameError(err, ErrorCodes.DaemonNotRunning)) throw err;
    return (await askLocal(type.method, params, opts.manifestPath)) as R;
  }
  try {
    return await request(c, type, params);
  } finally {
    c.close();
  }
}

/**
 * `profile/export` of a differential SVG (`base` given). A daemon of an older flame ignores a
 * param it does not know and would answer with the plain graph, so an answer without `base` is
 * refused with what to do.
 */
export async function askDiffSvg(params: P.Export.Params & { base: string }, opts: { manifestPath?: string } = {}): Promise<P.Export.Result> {
  const r = await ask(P.Export.type, params, opts);
  if (r.base === undefined)
    throw new FlameError(
      ErrorCodes.VersionMismatch,
      "the workspace's flame daemon is of a flame that draws no differential flame graphs: stop it with `flame daemon stop` (the next command starts this flame's)",
    );
  return r;
}

async function askLocal(method: string, params: unknown, manifestPath: string | undefined): Promise<unknown> {
  const [{ readMetadata, originContext }, { openHistory }, { historyQueries }] = await Promise.all([
    import('../../engine/cargo/target.js'),
    import('../../engine/store/history.js'),
    import('../../engine/query/history-queries.js'),
  ]);
  const meta = await readMetadata({ cwd: process.cwd(), manifestPath });
  const store = await openHistory(meta.targetDirectory, { cacheSize: 2 });
  const handler = historyQueries(store, originContext(meta)).get(method)!;
  return handler((params ?? {}) as Record<string, unknown>);
}

/**
 * For verbs that read "the profile" when given none (`flame top`, `flame lines`): the
 * workspace's latest stored profile. Undefined outside any cargo workspace, or when a ./perf.data
 * is there and the history is empty or older (a `perf record` made by hand): the caller then
 * reads that, as `perf report` would.
 */
export async function askLatest<Params extends { profile?: string }, R extends { profile: string }>(
  type: RequestType<Params, R>,
  params: Params,
  opts: { manifestPath?: string } = {},
): Promise<R | undefined> {
  try {
    const r = await ask(type, { ...params, profile: 'latest' }, opts);
    const here = await stat('perf.data').catch(() => undefined);
    if (here && here.mtimeMs > profileTime(r.profile)) {
      process.stderr.write(`flame: reading ./perf.data, newer than the latest stored profile ${r.profile} (--profile latest for that one)\n`);
      return undefined;
    }
    return r;
  } catch (err) {
    if (isFlameError(err, ErrorCodes.NotCargoProject)) return undefined;
    if (isFlameError(err, ErrorCodes.ProfileNotFound) && existsSync('perf.data')) return undefined;
    throw err;
  }
}

/**
 * The workspace the frames' origins are told by, for a recording analysed in this process: the
 * cargo workspace of the current directory (or of `manifestPath`), or none outside one.
 */
export async function localOrigins(manifestPath?: string): Promise<import('../../engine/profile/origin.js').OriginContext> {
  const { readMetadata, originContext } = await import('../../engine/cargo/target.js');
  try {
    return originContext(await readMetadata({ cwd: process.cwd(), manifestPath }));
  } catch (err) {
    if (isFlameError(err)) return {};
    throw err;
  }
}
