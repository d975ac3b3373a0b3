// perf.data → ProfileData: stream `perf script --no-inline`, intern raw frames and stacks,
// resolve inline chains and source lines per binary in one batch each, then build the profile.
import { existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readElfInfo } from '../symbols/elf.js';
import { pipeCutAt } from '../perf/data-end.js';
import { perfScript } from '../perf/run.js';
import { PerfScriptParser, type RawSample } from '../perf/script.js';
import { ProfileBuilder, type ProfileData } from './profile.js';
import { localRustSources, rustSources } from '../symbols/rust-src.js';
import { Symbolizer, type SourceFrame } from '../symbols/symbolize.js';
import { FlameError, ErrorCodes } from '../../common/errors.js';

export interface AnalyzeOptions {
  /** Where resolved addresses are cached per build-id. */
  cacheDir?: string;
  /** Skip inline chains and lines (perf's symbols only). */
  noSymbolize?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: AnalyzeProgress) => void;
}

export interface AnalyzeProgress {
  stage: 'script' | 'symbolize' | 'model';
  message: string;
  done?: number;
  total?: number;
}

export interface AnalyzeResult {
  profile: ProfileData;
  warnings: string[];
  /**
   * From the first sample to the last, in ms: the program's own run as perf saw it, without perf's
   * start-up or flame's analysis (within a sampling period of its elapsed time for a program
   * busy until its end). `flame compare` reports it as the run's wall time.
   */
  sampledMs: number;
}

interface RawFrameRec {
  addrHex: string;
  sym: string;
  dso: string;
  /** Index into the dso table, or -1 when the dso is not a file we can symbolize. */
  dsoIdx: number;
  offset: number;
}

/** Outermost frames that mean the unwinder reached the bottom of the stack. */
const ROOT_FRAME =
  /^(_start|__libc_start_main.*|__libc_start_call_main|clone3?|__clone.*|start_thread|thread_start|_dl_start_user|_dl_start|ret_from_fork.*|entry_SYSCALL.*|secondary_startup_64.*|start_kernel|x86_64_start_kernel|common_startup_64|rest_init|cpu_startup_entry)$/;

/** Turn a perf.data file into a profile. */
export async function analyzePerfData(perfData: string, opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  if (!existsSync(perfData)) {
    throw new FlameError(ErrorCodes.BadInput, `${perfData} does not exist; record one with \`flame record\` or pass an existing file to --perf-data`);
  }
  const kind = fileKind(perfData);
  // perf script waits forever on a FIFO no one writes, and a device or directory is no recording.
  if (kind !== 'file') {
    throw new FlameError(
      ErrorCodes.BadInput,
      `${perfData} is ${kind}, not a regular file; flame analyses recordings saved to files: copy it into one first (e.g. \`cat ${perfData} > perf.data\`)`,
    );
  }
  const cut = await pipeCutAt(perfData);
  if (cut !== undefined) {
    throw new FlameError(
      ErrorCodes.BadInput,
      `${perfData} ends in the middle of an event (at byte ${cut}): the recording was cut short (a killed perf record, a full disk, a partial copy), and flame does not pass part of a recording off as a whole one; record it again`,
    );
  }
  const analysis = new Analysis(opts);
  opts.onProgress?.({ stage: 'script', message: 'reading perf.data' });
  // Symbolize what perf script has printed so far while it goes on: the two overlap on two cores.
  analysis.prefetchSymbols(100);
  try {
    await perfScript(perfData, analysis.line, { signal: opts.signal });
  } catch (err) {
    await analysis.dispose();
    throw err;
  }
  return analysis.finish(perfData);
}

/**
 * An analysis fed perf script's lines as they come: from a finished file (analyzePerfData), or
 * following a recording while the program runs (perf-follow.ts); finish() does the rest.
 */
export class Analysis {
  private readonly collector = new RawCollector();
  private readonly parser = new PerfScriptParser((s) => this.collector.add(s));
  private symbolizer: Symbolizer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private prefetching: Promise<void> | undefined;

  constructor(private readonly opts: AnalyzeOptions = {}) {}

  /**
   * While lines still stream in (the program is running), resolve the addresses seen so far
   * every `everyMs`, through symbolizers kept running: after the end only new addresses remain.
   */
  prefetchSymbols(everyMs = 250): void {
    if (this.opts.noSymbolize || this.timer) return;
    void rustSources(); // found while the program runs, not after it
    this.symbolizer ??= new Symbolizer({ cacheDir: this.opts.cacheDir, keepAlive: true, signal: this.opts.signal });
    const symbolizer = this.symbolizer;
    this.timer = setInterval(() => {
      this.prefetching ??= this.collector.prefetch(symbolizer).finally(() => {
        this.prefetching = undefined;
      });
    }, everyMs);
    this.timer.unref();
  }

  /** One line of `perf script` output (SCRIPT_ARGS), without its newline. */
  readonly line = (l: string): void => this.parser.line(l);

  /** Stop prefetching and end its symbolizers, when the lines will never be finished. */
  async dispose(): Promise<void> {
    await this.stopPrefetch();
    await this.symbolizer?.close();
  }

  private async stopPrefetch(): Promise<void> {
    clearInterval(this.timer);
    await this.prefetching?.catch(() => {});
  }

  /** All lines are in: symbolize and build the profile. `perfData` names the source in messages. */
  async finish(perfData: string): Promise<AnalyzeResult> {
    const { collector, opts } = this;
    await this.stopPrefetch();
    const stats = this.parser.end();
    const warnings: string[] = [];
    if (stats.malformedLines > 0) {
      const f = stats.firstMalformed!;
      warnings.push(
        `perf script printed ${stats.malformedLines} line(s) flame could not read (first, line ${f.lineNo}: ${JSON.stringify(f.text)}); they were skipped`,
      );
    }
    if (stats.otherEventSamples > 0) {
      warnings.push(`${stats.otherEventSamples} sample(s) of events other than '${collector.event}' were left out`);
    }
    if (stats.samples === 0) {
      if (stats.lostEvents > 0) {
        throw new FlameError(
          ErrorCodes.NoSamples,
          `perf lost all ${stats.lostEvents} samples of ${perfData}: its ring buffer is too small for them; record again with a larger --mmap-pages (or a smaller --stack-size)`,
        );
      }
      throw new FlameError(
        ErrorCodes.NoSamples,
        `no samples in ${perfData}: the program may have ended before perf sampled it; run it longer or raise the frequency with -F`,
      );
    }
    const lostShare = stats.lostEvents / (stats.samples + stats.lostEvents);
    if (lostShare >= LOST_WARN_SHARE) {
      warnings.push(
        `perf lost ${stats.lostEvents} samples (${(100 * lostShare).toFixed(1)}% of the run) because its ring buffer filled up, so busy moments are under-counted; record again with a larger buffer (--mmap-pages 2048) or a lower frequency (-F 499, --light)`,
      );
    }
    await checkBinaries(collector.dsos, stats.buildIds, perfData, warnings);
    const symbolizer = this.symbolizer ?? new Symbolizer({ cacheDir: opts.cacheDir });
    let expansions: Map<number, SourceFrame[]>;
    try {
      expansions = opts.noSymbolize ? new Map() : await collector.symbolize(opts, warnings, symbolizer);
    } finally {
      await symbolizer.close();
    }
    opts.onProgress?.({ stage: 'model', message: 'building the profile' });
    const localFiles = await localRustSources(sourceFiles(expansions));
    const profile = collector.build(expansions, stats.lostEvents, localFiles);
    return { profile, warnings, sampledMs: collector.sampledMs() };
  }
}

/** Losing this share of the samples gets a warning; below it, the quality line still counts them. */
const LOST_WARN_SHARE = 0.01;

/**
 * The binaries the samples point into must be the ones that were recorded: flame reads names and
 * lines from the files on disk. A recording with build-ids (flame's, since --buildid-mmap) is
 * refused when one differs; one without them gets a warning when a binary is newer than it.
 */
async function checkBinaries(dsos: string[], recorded: Map<string, string>, perfData: string, warnings: string[]): Promise<void> {
  const recordedAt = await stat(perfData).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  for (const dso of dsos) {
    if (!existsSync(dso)) continue; // symbolize() says that it is gone
    const then = recorded.get(dso);
    if (then !== undefined) {
      const now = await readElfInfo(dso).then(
        (i) => i.buildId,
        () => undefined,
      );
      if (now !== undefined && now !== then) {
        throw new FlameError(
          ErrorCodes.BadInput,
          `the binary ${dso} was rebuilt since ${perfData} was recorded (build-id ${then.slice(0, 12)}… then, ${now.slice(0, 12)}… now), so its frames cannot be named from it; record again`,
        );
      }
    } else if (recorded.size === 0 && recordedAt !== undefined) {
      const changed = await stat(dso).then(
        (s) => s.mtimeMs > recordedAt,
        () => false,
      );
      if (changed) {
        warnings.push(
          `${dso} changed after ${perfData} was recorded, which holds no build-ids to tell whether it is the same build: if it was rebuilt, names and lines are wrong; record again`,
        );
      }
    }
  }
}

/** Interns raw frames and stacks as samples stream by, so symbolization sees each address once. */
class RawCollector {
  readonly frames: RawFrameRec[] = [];
  private readonly frameIndex = new Map<string, number>();
  readonly dsos: string[] = [];
  private readonly dsoIndex = new Map<string, number>();
  /** Unique (thread, frame ids leaf first) with counts. */
  private readonly stacks = new Map<string, { comm: string; pid: number; tid: number; frames: number[]; samples: number; period: number }>();
  /** Frame ids seen at the leaf (looked up at their address) and as callers (at address − 1). */
  private readonly leafFrames = new Set<number>();
  private readonly callerFrames = new Set<number>();
  event = '';
  /** The first and last sample's time, in perf's seconds. */
  private firstTime = Infinity;
  private lastTime = -Infinity;

  add(s: RawSample): void {
    if (this.event === '') this.event = s.event;
    if (s.time < this.firstTime) this.firstTime = s.time;
    if (s.time > this.lastTime) this.lastTime = s.time;
    const ids: number[] = new Array(s.frames.length);
    for (let i = 0; i < s.frames.length; i++) {
      const f = s.frames[i]!;
      const key = `${f.addrHex}\u0000${f.dso}`;
      let id = this.frameIndex.get(key);
      if (id === undefined) {
        id = this.frames.length;
        this.frames.push({
          addrHex: f.addrHex,
          sym: f.sym,
          dso: f.dso,
          dsoIdx: this.dsoFor(f.dso),
          offset: f.addrHex.length <= 13 ? parseInt(f.addrHex, 16) : -1,
        });
        this.frameIndex.set(key, id);
      }
      ids[i] = id;
      if (i === 0) this.leafFrames.add(id);
      else this.callerFrames.add(id);
    }
    const key = `${s.pid}/${s.tid}/${s.comm}\u0000${ids.join(',')}`;
    const st = this.stacks.get(key);
    if (st) {
      st.samples += 1;
      st.period += s.period;
    } else {
      this.stacks.set(key, { comm: s.comm, pid: s.pid, tid: s.tid, frames: ids, samples: 1, period: s.period });
    }
  }

  sampledMs(): number {
    return this.lastTime >= this.firstTime ? (this.lastTime - this.firstTime) * 1000 : 0;
  }

  private dsoFor(dso: string): number {
    let i = this.dsoIndex.get(dso);
    if (i === undefined) {
      const usable = dso.startsWith('/') && !dso.startsWith('/tmp/perf-') && !dso.endsWith(' (deleted)') && !dso.startsWith('//');
      i = usable ? this.dsos.length : -1;
      if (usable) this.dsos.push(dso);
      this.dsoIndex.set(dso, i);
    }
    return i;
  }

  /** Frames (by id) below this were handed to prefetch() already. */
  private prefetched = 0;

  /**
   * The file offset to look frame `id` up at, or undefined when it cannot be symbolized. A
   * caller frame's address is the return address: look up the call instruction before it.
   */
  private lookupOffset(id: number, at: FramePosition): number | undefined {
    const f = this.frames[id]!;
    if (f.dsoIdx < 0 || f.offset < 0 || f.sym === '[unknown]') return undefined;
    return at === 'caller' ? f.offset - 1 : f.offset;
  }

  /** Resolve the addresses of frames first seen since the last call (errors wait for symbolize()). */
  async prefetch(symbolizer: Symbolizer): Promise<void> {
    const end = this.frames.length;
    const perDso = new Map<number, number[]>();
    const add = (id: number, at: FramePosition): void => {
      const off = this.lookupOffset(id, at);
      if (off === undefined) return;
      const dsoIdx = this.frames[id]!.dsoIdx;
      let list = perDso.get(dsoIdx);
      if (!list) perDso.set(dsoIdx, (list = []));
      list.push(off);
    };
    for (let id = this.prefetched; id < end; id++) {
      if (this.leafFrames.has(id)) add(id, 'leaf');
      if (this.callerFrames.has(id)) add(id, 'caller');
    }
    this.prefetched = end;
    await Promise.all([...perDso].map(([i, offs]) => (existsSync(this.dsos[i]!) ? symbolizer.resolve(this.dsos[i]!, offs).catch(() => {}) : undefined)));
  }

  /** Resolve every (frame, leaf or caller) lookup, keyed by lookupKey. */
  async symbolize(opts: AnalyzeOptions, warnings: string[], symbolizer: Symbolizer): Promise<Map<number, SourceFrame[]>> {
    const perDso: number[][] = this.dsos.map(() => []);
    const wanted: Array<[number, number, number]> = []; // [key, dsoIdx, lookup offset]
    const want = (id: number, at: FramePosition) => {
      const off = this.lookupOffset(id, at);
      if (off === undefined) return;
      const dsoIdx = this.frames[id]!.dsoIdx;
      perDso[dsoIdx]!.push(off);
      wanted.push([lookupKey(id, at), dsoIdx, off]);
    };
    for (const id of this.leafFrames) want(id, 'leaf');
    for (const id of this.callerFrames) want(id, 'caller');
    const total = wanted.length;
    opts.onProgress?.({ stage: 'symbolize', message: `resolving ${total} addresses in ${this.dsos.length} binaries`, done: 0, total });
    const resolved: Array<Map<number, SourceFrame[]>> = [];
    let done = 0;
    await Promise.all(
      this.dsos.map(async (dso, i) => {
        if (perDso[i]!.length === 0) {
          resolved[i] = new Map();
          return;
        }
        if (!existsSync(dso)) {
          warnings.push(`${dso} is gone, so its frames have no inline frames or lines; re-run the recording with the binary in place`);
          resolved[i] = new Map();
          return;
        }
        resolved[i] = await symbolizer.resolve(dso, perDso[i]!);
        done += perDso[i]!.length;
        opts.onProgress?.({ stage: 'symbolize', message: path.basename(dso), done, total });
      }),
    );
    const out = new Map<number, SourceFrame[]>();
    for (const [key, dsoIdx, off] of wanted) {
      const chain = resolved[dsoIdx]!.get(off);
      if (chain && chain.length > 0) out.set(key, chain);
    }
    return out;
  }

  /** `localFiles`: standard-library paths with the local copy to name instead (rust-src.ts). */
  build(expansions: Map<number, SourceFrame[]>, lost: number, localFiles: ReadonlyMap<string, string> = new Map()): ProfileData {
    const b = new ProfileBuilder();
    b.event = this.event;
    b.lost = lost;
    // Expand each (frame, position) once into location ids, root first.
    const expanded = new Map<number, number[]>();
    const expand = (id: number, at: FramePosition): number[] => {
      const key = lookupKey(id, at);
      let locs = expanded.get(key);
      if (locs) return locs;
      const f = this.frames[id]!;
      const chain = expansions.get(key);
      const dso = f.dso;
      const ownName = f.sym === '[unknown]' ? `[${dso === '[unknown]' ? 'unknown' : path.basename(dso)}]` : f.sym;
      if (!chain) {
        locs = [b.location(b.fn({ name: ownName, dso }))];
      } else {
        // The chain is innermost first; its last entry is the function that owns the instruction,
        // named as perf names it so that counts by function match perf report's.
        locs = new Array(chain.length);
        for (let j = chain.length - 1, k = 0; j >= 0; j--, k++) {
          const sf = localFile(chain[j]!, localFiles);
          const outer = j === chain.length - 1;
          const name = outer ? ownName : sf.name;
          const fn = b.fn({ name, dso, ...declSite(sf) });
          locs[k] = b.location(fn, { file: sf.file, line: sf.line, inlined: !outer });
        }
      }
      expanded.set(key, locs);
      return locs;
    };
    for (const st of this.stacks.values()) {
      const locs: number[] = [];
      let unknown = false;
      for (let i = st.frames.length - 1; i >= 0; i--) {
        const id = st.frames[i]!;
        if (this.frames[id]!.sym === '[unknown]') unknown = true;
        for (const l of expand(id, i > 0 ? 'caller' : 'leaf')) locs.push(l);
      }
      const outermost = st.frames.length > 0 ? this.frames[st.frames[st.frames.length - 1]!]!.sym : '';
      const truncated = !ROOT_FRAME.test(outermost.replace(/@@?GLIBC.*$/, ''));
      b.add(locs, b.thread({ comm: st.comm, pid: st.pid, tid: st.tid }), st.samples, st.period, { unknown, truncated });
    }
    return b.finish();
  }
}

/** A frame at the leaf is looked up at its address; as a caller, at the call before its return address. */
type FramePosition = 'leaf' | 'caller';

/** One number per (frame, position): the key of the symbolized chains. */
function lookupKey(id: number, at: FramePosition): number {
  return id * 2 + (at === 'caller' ? 1 : 0);
}

/** Every source file the chains name, once. */
function sourceFiles(expansions: Map<number, SourceFrame[]>): Set<string> {
  const files = new Set<string>();
  for (const chain of expansions.values()) for (const sf of chain) if (sf.file !== undefined) files.add(sf.file);
  return files;
}

function localFile(sf: SourceFrame, localFiles: ReadonlyMap<string, string>): SourceFrame {
  const local = sf.file === undefined ? undefined : localFiles.get(sf.file);
  return local === undefined ? sf : { ...sf, file: local };
}

function declSite(sf: SourceFrame): { file?: string; line?: number } {
  if (sf.file === undefined) return {};
  return sf.startLine !== undefined && sf.startLine > 0 ? { file: sf.file, line: sf.startLine } : { file: sf.file };
}

/** What `file` is, in words for a message; 'file' for a regular file (after symlinks). */
function fileKind(file: string): string {
  const st = statSync(file);
  if (st.isFile()) return 'file';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  return 'a device';
}
