// The history's queries run off the daemon's event loop. A tree, an SVG or a pprof export of a
// million-sample profile takes seconds (measured on test/store-writer.ts's syntheticProfile,
// 1M samples in 200k stacks: 4.7 s for a first profile/tree, 6.9 s for an SVG, 6.2 s for pprof,
// 0.1-0.4 s for top, lines, callers and diff, on a 2-core machine); on the main thread that would stall every other client, the
// socket's accept and `daemon/shutdown` with it. Each worker opens the store as another process
// would (the store is multi-process safe) and answers with the same historyQueries the CLI uses.
import { Worker } from 'node:worker_threads';
import type { ErrorCode } from '../../protocol/errors.js';
import { ErrorCodes, FlameError } from '../../common/errors.js';
import type { Handler } from '../../engine/query/history-queries.js';
import type { OriginContext } from '../../engine/profile/origin.js';

export interface QueryJob {
  id: number;
  method: string;
  params: unknown;
}

export type QueryReply = { id: number; result: unknown } | { id: number; error: { code: ErrorCode; message: string; data?: unknown; internal?: boolean } };

export interface QueryThreadOptions {
  storeDir: string;
  retention: number;
  cacheSize: number;
  /** The workspace the frames' origins are told by. */
  workspace?: OriginContext;
  /** Worker threads; a long export on one leaves the others free. */
  threads?: number;
}

/** A small pool of query threads; `handlers()` gives them as the server's method handlers. */
export class QueryThreads {
  private readonly workers: Array<{ w: Worker; busy: number }> = [];
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; slot: { busy: number } }>();
  private next = 1;
  private closed = false;

  constructor(
    private readonly opts: QueryThreadOptions,
    private readonly methods: string[],
  ) {
    for (let i = 0; i < (opts.threads ?? 2); i++) this.workers.push({ w: this.spawn(), busy: 0 });
  }

  handlers(): Map<string, Handler> {
    return new Map(this.methods.map((m) => [m, (params: Record<string, unknown>) => this.call(m, params)]));
  }

  call(method: string, params: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new FlameError(ErrorCodes.Cancelled, 'the daemon is shutting down'));
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.next++;
    slot.busy++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.w.postMessage({ id, method, params } satisfies QueryJob);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((s) => s.w.terminate()));
  }

  private spawn(): Worker {
    const w = new Worker(new URL('./query-worker.js', import.meta.url), { workerData: this.opts });
    // Idle workers must not keep a stopping daemon alive.
    w.unref();
    w.on('message', (m: QueryReply) => this.settle(m));
    // A worker that dies (out of memory on a huge profile) fails its requests and is replaced.
    w.on('exit', (code) => {
      if (this.closed) return;
      const slot = this.workers.find((s) => s.w === w);
      for (const [id, p] of this.pending) {
        if (p.slot !== slot) continue;
        this.pending.delete(id);
        p.reject(new Error(`a query thread exited with code ${code}`));
      }
      if (slot) {
        slot.w = this.spawn();
        slot.busy = 0;
      }
    });
    w.on('error', () => {});
    return w;
  }

  private settle(m: QueryReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    p.slot.busy--;
    if ('result' in m) return p.resolve(m.result);
    if (m.error.internal) return p.reject(new Error(m.error.message));
    p.reject(new FlameError(m.error.code, m.error.message, { data: m.error.data }));
  }
}
