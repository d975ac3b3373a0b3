// The daemon re-profiles on every save: this watches a workspace's sources with native fs events
// (chokidar, no polling) and turns each burst of saves into one 'change' event.
import { EventEmitter } from 'node:events';
import type { Stats } from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';
import path from 'node:path';
import { logger } from '../../common/log.js';
import { isWatchedDir, isWatchedPath, watchRoots, type WatchOptions } from '../../engine/sources/rules.js';

export type { WatchOptions };

const DEFAULT_DEBOUNCE_MS = 150;
/** Saves closer together than the debounce would otherwise hold back every change until the editing stops. */
const DEFAULT_MAX_WAIT_MS = 1000;

/**
 * Watches a workspace's sources and emits 'change' once per burst, with the absolute,
 * deduplicated paths that were added, changed or removed (a rename names both paths).
 * Without an 'error' listener, watcher errors are logged and watching goes on.
 */
export class SourceWatcher {
  private readonly opts: WatchOptions;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  /** When the first change of the burst now pending arrived (Date.now()). */
  private burstStart: number | undefined;
  private readonly events = new EventEmitter();
  private readonly watcher: FSWatcher;
  private readonly readyPromise: Promise<void>;
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Also called by close(), so ready() settles when closing comes before the initial scan ends. */
  private readonly resolveReady: () => void;
  private readonly log = logger('watch');

  constructor(opts: WatchOptions) {
    const root = path.resolve(opts.root);
    this.opts = {
      ...opts,
      root,
      memberDirs: opts.memberDirs.map((d) => path.resolve(root, d)),
      ...(opts.targetDir === undefined ? {} : { targetDir: path.resolve(root, opts.targetDir) }),
    };
    this.debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.watcher = watch(watchRoots(this.opts), {
      ignoreInitial: true,
      // Native fs events only: polling costs CPU at idle in proportion to the tree's size.
      usePolling: false,
      persistent: true,
      ignored: (p: string, stats?: Stats) => this.ignored(p, stats),
    });
    let resolveReady!: () => void;
    this.readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
    this.resolveReady = resolveReady;
    this.watcher.once('ready', () => {
      this.log.debug({ roots: watchRoots(this.opts) }, 'watching');
      resolveReady();
    });
    this.watcher.on('all', (event, p) => this.onEvent(event, p));
    this.watcher.on('error', (err) => this.onError(err instanceof Error ? err : new Error(String(err))));
  }

  /** Resolves once the initial scan is done: changes after this are reported. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  on(event: 'change', fn: (paths: string[]) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  on(event: 'change' | 'error', fn: (...args: any[]) => void): this {
    this.events.on(event, fn);
    return this;
  }

  off(event: 'change' | 'error', fn: (...args: any[]) => void): this {
    this.events.off(event, fn);
    return this;
  }

  /** Stop watching; a burst still waiting for its quiet time is dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.burstStart = undefined;
    this.pending.clear();
    this.resolveReady();
    await this.watcher.close();
  }

  private ignored(p: string, stats?: Stats): boolean {
    if (!isWatchedDir(p, this.opts)) return true;
    // Without stats chokidar may be asking about a directory; files are filtered again in onEvent.
    return stats !== undefined && stats.isFile() && !isWatchedPath(p, this.opts);
  }

  private onEvent(event: string, p: string): void {
    if (this.closed) return;
    // Directory events carry no information of their own: the files inside get their own events.
    if (event !== 'add' && event !== 'change' && event !== 'unlink') return;
    const abs = path.resolve(p);
    if (!isWatchedPath(abs, this.opts)) return;
    this.pending.add(abs);
    const now = Date.now();
    this.burstStart ??= now;
    const left = this.burstStart + this.maxWaitMs - now;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.min(this.debounceMs, left)));
  }

  private flush(): void {
    this.timer = undefined;
    this.burstStart = undefined;
    if (this.closed || this.pending.size === 0) return;
    const paths = [...this.pending].sort();
    this.pending = new Set();
    this.log.debug({ paths: paths.length }, 'change');
    this.events.emit('change', paths);
  }

  private onError(err: Error): void {
    if (this.closed) return;
    this.log.warn({ err }, 'watch error');
    if (this.events.listenerCount('error') > 0) this.events.emit('error', err);
  }
}
