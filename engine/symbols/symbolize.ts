// `perf script --no-inline` is fast but knows neither inline frames nor source lines; this
// resolves them in batches per binary (one symbolizer process each, binaries in parallel),
// remembering every answer on disk per build-id so no library is resolved twice.
import { availableParallelism } from 'node:os';
import { fileOffsetToVaddr, readElfInfo, type ElfInfo } from './elf.js';
import { ErrorCodes, FlameError, isFlameError } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import { cacheKeyFor, SymbolCache, type CacheEntries } from './cache.js';
import { SymbolizerSession } from './session.js';
import { findTool, runTool, type SourceFrame, type Tool, type ToolName } from './tool.js';

export type { SourceFrame, ToolName } from './tool.js';
export { cleanName } from './tool.js';

export interface SymbolizeOptions {
  /** Where answers are kept across runs (<cacheDir>/<build-id>.json); none when absent. */
  cacheDir?: string;
  /** Force one tool; by default llvm-symbolizer, else addr2line. */
  tool?: ToolName;
  /** Called as answers arrive for one resolve() call (cached answers count as done at once). */
  onProgress?: (done: number, total: number) => void;
  /** Problems that cost results but are not failures (a vanished binary, a crashed tool). */
  onWarning?: (message: string) => void;
  /** How many binaries are symbolized at once; default: the number of cores. */
  parallel?: number;
  /** PATH to search for the tools (default process.env.PATH). */
  searchPath?: string;
  /** Kills running symbolizers; resolve() then rejects with ErrorCodes.Cancelled. */
  signal?: AbortSignal;
  /**
   * Keep one llvm-symbolizer per binary running until close(), so that resolving more addresses
   * of a binary later costs no new process or DWARF parse (the live analysis asks repeatedly).
   */
  keepAlive?: boolean;
}

/** Counters for tests and `flame doctor`: what was spawned, sent and answered from cache. */
export interface SymbolizeStats {
  /** Symbolizer processes started. */
  spawned: number;
  /** Addresses written to symbolizers. */
  sent: number;
  /** Requested (unique) addresses answered from the memory or disk cache. */
  cached: number;
}

export class Symbolizer {
  readonly stats: SymbolizeStats = { spawned: 0, sent: 0, cached: 0 };
  private readonly cache: SymbolCache;
  private readonly memory = new Map<string, Promise<CacheEntries>>();
  /** Per cache key: the tail of the chain of resolves, so one binary never runs twice at once. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly slots: Semaphore;
  private tool: Promise<Tool> | undefined;
  private readonly log = logger('symbolize');
  private closed = false;
  private readonly sessions = new Map<string, SymbolizerSession>();
  private abortHooked = false;
  private readonly onAbort = (): void => {
    for (const session of this.sessions.values()) void session.close();
  };
  /** ELF headers per path: one Symbolizer serves one analysis, during which binaries stay put. */
  private readonly elf = new Map<string, Promise<ElfInfo>>();

  constructor(private readonly opts: SymbolizeOptions = {}) {
    this.cache = new SymbolCache(opts.cacheDir);
    this.slots = new Semaphore(Math.max(1, opts.parallel ?? availableParallelism()));
  }

  /**
   * Resolve file offsets (as perf script prints them) in one binary; returns the inline chain
   * for each, innermost first. Offsets the tool knows nothing about are absent from the map; a
   * binary that no longer exists (or is not ELF) gives an empty map and a warning. perf prints
   * return addresses for callers: pass `offset - 1` for non-leaf frames to get the call's line.
   */
  async resolve(dsoPath: string, fileOffsets: readonly number[]): Promise<Map<number, SourceFrame[]>> {
    if (this.closed) throw new Error('Symbolizer.resolve after close()');
    const unique = [...new Set(fileOffsets)].sort((a, b) => a - b);
    let info: ElfInfo;
    try {
      info = await this.elfInfo(dsoPath);
    } catch (err) {
      // perf names pseudo-files like [vdso] and //anon: nothing to read there, and not news.
      if (/^(\[|\/\/anon)/.test(dsoPath)) this.log.debug({ dso: dsoPath }, 'not a file');
      else this.warn(`cannot symbolize ${dsoPath}: ${(err as Error).message}`);
      return new Map();
    }
    const key = cacheKeyFor(info);
    return this.serialize(key, async () => {
      const known = await this.entries(key);
      const missing = unique.filter((o) => !known.has(o));
      this.stats.cached += unique.length - missing.length;
      if (missing.length > 0) {
        const progress = this.progress(unique.length, unique.length - missing.length);
        await this.slots.run(() => this.symbolize(info, missing, known, progress));
        await this.cache.save(key, known).catch((err: unknown) => this.warn(`cannot write the symbol cache for ${dsoPath}: ${(err as Error).message}`));
      } else {
        this.opts.onProgress?.(unique.length, unique.length);
      }
      const out = new Map<number, SourceFrame[]>();
      for (const o of unique) {
        const frames = known.get(o);
        if (frames && frames.length > 0) out.set(o, frames);
      }
      return out;
    });
  }

  /** Resolve several binaries, in parallel up to `parallel`. */
  async resolveAll(byDso: ReadonlyMap<string, readonly number[]>): Promise<Map<string, Map<number, SourceFrame[]>>> {
    const results = await Promise.all([...byDso].map(async ([dso, offs]) => [dso, await this.resolve(dso, offs)] as const));
    return new Map(results);
  }

  /** Wait for running resolves; afterwards resolve() throws. */
  async close(): Promise<void> {
    this.closed = true;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    await Promise.allSettled([...this.locks.values()]);
    await Promise.allSettled([...this.sessions.values()].map((t) => t.close()));
    this.sessions.clear();
  }

  private async symbolize(info: ElfInfo, offsets: readonly number[], known: CacheEntries, progress: () => void): Promise<void> {
    const byVaddr = new Map<number, number>();
    for (const o of offsets) {
      const v = fileOffsetToVaddr(info, o);
      if (v === undefined) known.set(o, []);
      else byVaddr.set(v, o);
    }
    if (byVaddr.size === 0) return;
    this.tool ??= findTool({ prefer: this.opts.tool, searchPath: this.opts.searchPath });
    const tool = await this.tool;
    this.stats.sent += byVaddr.size;
    const vaddrs = [...byVaddr.keys()];
    const onAnswer = (vaddr: number, frames: SourceFrame[]): void => {
      const o = byVaddr.get(vaddr);
      if (o === undefined || known.has(o)) return;
      known.set(o, frames);
      progress();
    };
    if (this.opts.keepAlive && tool.name === 'llvm-symbolizer') {
      let session = this.sessions.get(info.path);
      if (!session) {
        this.stats.spawned++;
        this.sessions.set(info.path, (session = new SymbolizerSession(tool, info.path)));
        // One listener for all of this symbolizer's sessions, removed by close(): a signal
        // shared by several analyses must not collect one per session.
        if (!this.abortHooked && this.opts.signal) {
          this.opts.signal.addEventListener('abort', this.onAbort, { once: true });
          this.abortHooked = true;
        }
      }
      try {
        await session.query(vaddrs, onAnswer);
      } catch (err) {
        this.sessions.delete(info.path);
        void session.close();
        if (this.opts.signal?.aborted) throw new FlameError(ErrorCodes.Cancelled, `symbolizing ${info.path} was cancelled`, { cause: err });
        if (isFlameError(err) && err.code === ErrorCodes.ToolMissing) this.tool = undefined;
        const unanswered = vaddrs.filter((v) => !known.has(byVaddr.get(v)!)).length;
        this.warn(`${(err as Error).message}; ${unanswered} of ${vaddrs.length} addresses unanswered`);
      }
      return;
    }
    this.stats.spawned++;
    let result;
    try {
      result = await runTool(tool, info.path, vaddrs, onAnswer, this.opts.signal);
    } catch (err) {
      // The tool vanished between lookup and spawn: look it up again next time.
      if (isFlameError(err) && err.message.startsWith('cannot run')) this.tool = undefined;
      throw err;
    }
    const unanswered = vaddrs.filter((v) => !known.has(byVaddr.get(v)!));
    if (result.exitCode !== 0 || unanswered.length > 0) {
      const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`;
      const why = result.error ?? result.stderr.trim().split('\n')[0];
      this.warn(`${tool.name} ${how} on ${info.path} with ${unanswered.length} of ${vaddrs.length} addresses unanswered${why ? `: ${why}` : ''}`);
      // Unanswered addresses stay out of the cache, so a later run tries them again.
    }
  }

  private elfInfo(dsoPath: string): Promise<ElfInfo> {
    let p = this.elf.get(dsoPath);
    if (!p) {
      p = readElfInfo(dsoPath);
      this.elf.set(dsoPath, p);
      p.catch(() => this.elf.delete(dsoPath));
    }
    return p;
  }

  private entries(key: string): Promise<CacheEntries> {
    let p = this.memory.get(key);
    if (!p) {
      p = this.cache.load(key);
      this.memory.set(key, p);
    }
    return p;
  }

  private serialize<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return next;
  }

  /** A counter that reports about every 1% (and the end) rather than on every answer. */
  private progress(total: number, done: number): () => void {
    const report = this.opts.onProgress;
    if (!report) return () => {};
    const step = Math.max(1, Math.floor(total / 100));
    report(done, total);
    return () => {
      done++;
      if (done % step === 0 || done === total) report(done, total);
    };
  }

  private warn(message: string): void {
    this.log.warn(message);
    this.opts.onWarning?.(message);
  }
}

/** At most `n` tasks at once. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly n: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active < this.n) this.active++;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter, so no newcomer slips in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
