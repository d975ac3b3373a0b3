// Query verbs' shared path to the history: a running daemon answers; with none, the history's
// read-only methods are answered in this process from the store on disk (the same handlers the
// daemon runs), so `flame profiles`, `flame diff` or `flame export` right after `flame record`
// neither wait for a daemon nor leave one behind. Other methods start the daemon as needed.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { profileTime } from '../../engine/store/store.js';
import { ErrorCodes } from '../../protocol/errors.js';
import { isFlameError } from '../../common/errors.js';
import { connect, request } from '../connect.js';

/** Methods a client may answer from the store itself (daemon/history-queries.ts). */
const LOCAL = new Set(['profile/list', 'profile/top', 'profile/lines', 'profile/tree', 'profile/callers', 'profile/diff', 'profile/export']);

/** Send one request to the workspace's daemon and return its result; `spawn: false` never starts one. */
export async function ask<R>(method: string, params: unknown, opts: { manifestPath?: string; spawn?: boolean } = {}): Promise<R> {
  let c;
  try {
    c = await connect({ manifestPath: opts.manifestPath, spawn: !LOCAL.has(method) && opts.spawn !== false, clientName: 'flame-cli' });
  } catch (err) {
    if (!LOCAL.has(method) || !isFlameError(err, ErrorCodes.DaemonNotRunning)) throw err;
    return (await askLocal(method, params, opts.manifestPath)) as R;
  }
  try {
    return await request<R>(c, method, params);
  } finally {
    c.close();
  }
}

async function askLocal(method: string, params: unknown, manifestPath: string | undefined): Promise<unknown> {
  const [{ readMetadata }, { openHistory }, { historyQueries }] = await Promise.all([
    import('../../engine/cargo/target.js'),
    import('../../engine/store/history.js'),
    import('../../engine/query/history-queries.js'),
  ]);
  const meta = await readMetadata({ cwd: process.cwd(), manifestPath });
  const store = await openHistory(meta.targetDirectory, { cacheSize: 2 });
  const handler = historyQueries(store).get(method)!;
  return handler((params ?? {}) as Record<string, unknown>);
}

/**
 * For verbs that read "the profile" when given none (`flame top`, `flame lines`): the
 * workspace's latest stored profile. Undefined outside any cargo workspace, or when a ./perf.data
 * is there and the history is empty or older (a `perf record` made by hand): the caller then
 * reads that, as `perf report` would.
 */
export async function askLatest<R extends { profile: string }>(method: string, params: Record<string, unknown>, opts: { manifestPath?: string } = {}): Promise<R | undefined> {
  try {
    const r = await ask<R>(method, { ...params, profile: 'latest' }, opts);
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
