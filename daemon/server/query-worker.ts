// A query thread of the daemon (query-thread.ts): answers the history's read-only methods from
// its own view of the store, so a long query runs beside the daemon's event loop, not on it.
import { parentPort, workerData } from 'node:worker_threads';
import { historyQueries } from '../../engine/query/history-queries.js';
import type { QueryJob, QueryReply, QueryThreadOptions } from './query-thread.js';
import { ProfileStore } from '../../engine/store/store.js';
import { ErrorCodes, FlameError } from '../../common/errors.js';

const opts = workerData as QueryThreadOptions;
const ready = ProfileStore.open(opts.storeDir, { retention: opts.retention, cacheSize: opts.cacheSize }).then((store) => historyQueries(store, opts.workspace));

parentPort!.on('message', (job: QueryJob) => {
  void (async (): Promise<QueryReply> => {
    try {
      const handler = (await ready).get(job.method);
      if (!handler) throw new Error(`no query ${job.method}`);
      return { id: job.id, result: await handler((job.params ?? {}) as Record<string, unknown>) };
    } catch (err) {
      if (err instanceof FlameError) return { id: job.id, error: { code: err.code, message: err.message, data: err.data } };
      return { id: job.id, error: { code: ErrorCodes.Internal, message: (err as Error)?.message ?? String(err), internal: true } };
    }
  })().then((reply) => parentPort!.postMessage(reply));
});
