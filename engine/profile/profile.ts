// The in-memory profile: interned functions, source locations and unique stacks, built once
// from symbolized samples. Every view (top, lines, folded, call tree, diff) is a pure query
// over this data. The stacks, which are nearly all of it, are columns of typed arrays: a
// million-sample profile takes tens of megabytes instead of the hundreds that an object per
// stack costs, and the store writes and reads the columns as they are (store-format.ts).
// Several recordings of one build make one profile: the counts are their sums, and each stack
// keeps its count per run beside them, so that a query can tell how much a share varies from
// run to run (query/stats.ts).
import path from 'node:path';
import { grown } from './int-tables.js';

/** Counts are in samples; `period` keeps perf's summed event period beside them. */
export type CountUnit = 'samples';

export interface FunctionInfo {
  name: string;
  /** Where the function is declared, when debug info says so. */
  file?: string;
  line?: number;
  /** The binary or library it lives in. */
  dso?: string;
  /** Its linkage (mangled) name, where the symbol table has the one that demangles to `name`. */
  systemName?: string;
}

/**
 * One (function, source line) position at one instruction; an inlined copy is a location of its
 * own. The frames of one instruction's inline chain share its address.
 */
export interface Location {
  fn: number;
  file?: string;
  line?: number;
  /** Inlined into the location above it in the stack. */
  inlined: boolean;
  /**
   * The instruction, as an ELF virtual address of `mappings[mapping]`'s binary (what objdump and
   * the symbolizer read): the sampled one at a stack's leaf, the call (its return address − 1)
   * in a caller. Absent where perf gave no address in a file (the kernel, JIT code, [unknown]).
   */
  address?: number;
  mapping?: number;
}

/** Where in the source a location is: ProfileBuilder.location's options. */
export interface LocationSite {
  file?: string;
  line?: number;
  /** Inlined into its caller (default false). */
  inlined?: boolean;
  address?: number;
  mapping?: number;
}

/**
 * A binary's loaded segment that locations' addresses lie in, as pprof's Mapping has it: the
 * segment's ELF virtual addresses [start, limit) and its offset in the file.
 */
export interface MappingInfo {
  file: string;
  buildId?: string;
  start: number;
  limit: number;
  offset: number;
}

/** When a recording ran: its first sample's wall-clock time and the span to its last sample. */
export interface ProfileTime {
  /** Milliseconds since the Unix epoch. */
  startMs: number;
  durationNs: number;
}

export interface ThreadInfo {
  comm: string;
  pid: number;
  tid: number;
}

/**
 * The unique stacks as columns: stack i has the location ids locs[start[i] .. start[i + 1]),
 * root first, and its thread, sample count and summed period at index i.
 */
export interface StackColumns {
  start: Uint32Array;
  locs: Uint32Array;
  thread: Uint32Array;
  samples: Float64Array;
  period: Float64Array;
  /**
   * With several runs, stack i's samples in run r at runSamples[r * n + i] (n stacks); they sum
   * to samples[i]. Empty with one run, whose counts are `samples` itself.
   */
  runSamples: Float64Array;
}

/** How many stacks a profile has. */
export function stackCount(p: ProfileData): number {
  return p.stacks.thread.length;
}

/** Stack i's location ids, root first (a view, not a copy). */
export function stackLocs(p: ProfileData, i: number): Uint32Array {
  const s = p.stacks;
  return s.locs.subarray(s.start[i]!, s.start[i + 1]!);
}

export type { UnwindQuality } from '../../protocol/types.js';
import type { UnwindQuality } from '../../protocol/types.js';

/** Stack i's samples in run r (`samples[i]` itself with one run). */
export function runSample(p: ProfileData, r: number, i: number): number {
  return p.runs.length > 1 ? p.stacks.runSamples[r * p.stacks.thread.length + i]! : p.stacks.samples[i]!;
}

export interface ProfileData {
  format: 'flame-profile/3';
  unit: CountUnit;
  event: string;
  functions: FunctionInfo[];
  locations: Location[];
  threads: ThreadInfo[];
  stacks: StackColumns;
  totalSamples: number;
  totalPeriod: number;
  /** Each run's samples, in the order recorded: [totalSamples] for a profile of one run. */
  runs: number[];
  quality: UnwindQuality;
  /** The binaries that locations' addresses refer to (absent in profiles stored before they were kept). */
  mappings?: MappingInfo[];
  time?: ProfileTime;
}

/**
 * The unit of a profile's summed periods when its event counts time: perf's cpu-clock and
 * task-clock periods are nanoseconds; a hardware event's (cycles, instructions) are counts of it.
 */
export function periodIsNanoseconds(event: string): boolean {
  return /^(cpu-clock|task-clock)(:|$)/.test(event);
}

/**
 * A function's name as the profile keeps it: without the ELF symbol version perf prints for a
 * versioned library symbol (`cfree@GLIBC_2.2.5`, `memcpy@@GLIBC_2.14`), which names no
 * function of its own. (`flame fold` keeps perf's text as it is: it copies inferno.)
 */
export function canonicalName(name: string): string {
  return name.replace(SYMBOL_VERSION, '');
}

// `foo@plt` is the PLT stub of foo, code of its own: it keeps its name.
const SYMBOL_VERSION = /(?<=[^@])@@?(?!plt$)[A-Za-z_][A-Za-z0-9_.]*$/;

/**
 * A source path as the profile keeps it, so that every output (text, JSON, the editor, the
 * page) shows one spelling: `.` and `..` segments and doubled slashes resolved lexically, as
 * debug info joins them (`./malloc/./malloc/malloc.c` → `malloc/malloc/malloc.c`).
 */
function canonicalFile(file: string): string {
  return file === '' ? file : path.posix.normalize(file);
}

/** Accumulates samples into a ProfileData, interning everything; names and paths canonical. */
export class ProfileBuilder {
  private readonly functions: FunctionInfo[] = [];
  private readonly fnIndex = new Map<string, number>();
  private readonly locations: Location[] = [];
  private readonly locIndex = new Map<string, number>();
  private readonly threads: ThreadInfo[] = [];
  private readonly threadIndex = new Map<string, number>();
  private readonly mappings: MappingInfo[] = [];
  private readonly mappingIndex = new Map<string, number>();
  private readonly stacks = new StackColumnsBuilder();
  private readonly stackIndex = new Map<string, number>();
  private totalSamples = 0;
  private totalPeriod = 0;
  private readonly runTotals = [0];
  private unknownSamples = 0;
  private truncatedSamples = 0;
  lost = 0;
  event = '';
  time: ProfileTime | undefined;

  fn(info: FunctionInfo): number {
    const name = canonicalName(info.name);
    let id = this.fnIndex.get(name);
    if (id === undefined) {
      id = this.functions.length;
      const f: FunctionInfo = { ...info, name };
      if (info.file !== undefined) f.file = canonicalFile(info.file);
      this.functions.push(f);
      this.fnIndex.set(name, id);
    } else {
      const f = this.functions[id]!;
      if (f.file === undefined && info.file !== undefined) {
        f.file = canonicalFile(info.file);
        f.line = info.line;
      }
      if (f.dso === undefined && info.dso !== undefined) f.dso = info.dso;
      if (f.systemName === undefined && info.systemName !== undefined) f.systemName = info.systemName;
    }
    return id;
  }

  /** The location id of `fn` at a source line; `inlined` when it was inlined into its caller. */
  location(fn: number, site: LocationSite = {}): number {
    const file = site.file === undefined ? undefined : canonicalFile(site.file);
    const line = site.line;
    const inlined = site.inlined ?? false;
    const { address, mapping } = site;
    const key = `${fn}\u0000${file ?? ''}\u0000${line ?? ''}\u0000${inlined ? 1 : 0}\u0000${address ?? ''}\u0000${mapping ?? ''}`;
    let id = this.locIndex.get(key);
    if (id === undefined) {
      id = this.locations.length;
      const loc: Location = { fn, inlined };
      if (file !== undefined) loc.file = file;
      if (line !== undefined) loc.line = line;
      if (address !== undefined) loc.address = address;
      if (mapping !== undefined) loc.mapping = mapping;
      this.locations.push(loc);
      this.locIndex.set(key, id);
    }
    return id;
  }

  /** The id of a binary's segment, interned by file and start. */
  mapping(m: MappingInfo): number {
    const key = `${m.file}\u0000${m.start}`;
    let id = this.mappingIndex.get(key);
    if (id === undefined) {
      id = this.mappings.length;
      this.mappings.push({ ...m });
      this.mappingIndex.set(key, id);
    }
    return id;
  }

  thread(t: ThreadInfo): number {
    const key = `${t.pid}/${t.tid}/${t.comm}`;
    let id = this.threadIndex.get(key);
    if (id === undefined) {
      id = this.threads.length;
      this.threads.push({ ...t });
      this.threadIndex.set(key, id);
    }
    return id;
  }

  /** The samples added from now on belong to the next run of the same build. */
  nextRun(): void {
    this.runTotals.push(0);
    this.stacks.nextRun();
  }

  /** Add `samples` samples (summing to `period`) of one stack, root first, to the current run. */
  add(locs: ArrayLike<number>, thread: number, samples: number, period: number, flags: { unknown: boolean; truncated: boolean }): void {
    const key = `${thread}:${Array.prototype.join.call(locs, ',')}`;
    const id = this.stackIndex.get(key);
    if (id === undefined) {
      this.stackIndex.set(key, this.stacks.push(locs, thread, samples, period));
    } else {
      this.stacks.addTo(id, samples, period);
    }
    this.runTotals[this.runTotals.length - 1] += samples;
    this.totalSamples += samples;
    this.totalPeriod += period;
    if (flags.unknown) this.unknownSamples += samples;
    if (flags.truncated) this.truncatedSamples += samples;
  }

  finish(): ProfileData {
    const n = this.totalSamples;
    const p: ProfileData = {
      format: 'flame-profile/3',
      unit: 'samples',
      event: this.event,
      functions: this.functions,
      locations: this.locations,
      threads: this.threads,
      stacks: this.stacks.finish(),
      totalSamples: n,
      totalPeriod: this.totalPeriod,
      runs: [...this.runTotals],
      quality: {
        samples: n,
        unknownShare: n === 0 ? 0 : this.unknownSamples / n,
        truncatedShare: n === 0 ? 0 : this.truncatedSamples / n,
        lost: this.lost,
      },
      mappings: this.mappings,
    };
    if (this.time) p.time = { ...this.time };
    return p;
  }
}

/** Growable stack columns; finish() trims them to size. */
export class StackColumnsBuilder {
  private start = new Uint32Array(1025);
  private locs = new Uint32Array(8192);
  private thread = new Uint32Array(1024);
  private samples = new Float64Array(1024);
  private period = new Float64Array(1024);
  /** Each run's samples per stack; one run needs none beside `samples`. */
  private runs: Float64Array[] = [];
  private n = 0;
  private m = 0;

  /** From now on, counts go to a new run: the first call starts keeping counts per run. */
  nextRun(): void {
    if (this.runs.length === 0) this.runs.push(this.samples.slice());
    this.runs.push(new Float64Array(this.samples.length));
  }

  /** Append a stack; returns its index. */
  push(locs: ArrayLike<number>, thread: number, samples: number, period: number): number {
    const i = this.n++;
    if (this.n >= this.thread.length) {
      this.start = grown(this.start);
      this.thread = grown(this.thread);
      this.samples = grown(this.samples);
      this.period = grown(this.period);
      this.runs = this.runs.map((r) => grown(r));
    }
    if (this.m + locs.length > this.locs.length) this.locs = grown(this.locs, this.m + locs.length);
    for (let k = 0; k < locs.length; k++) this.locs[this.m + k] = locs[k]!;
    this.m += locs.length;
    this.start[i + 1] = this.m;
    this.thread[i] = thread;
    this.samples[i] = samples;
    this.period[i] = period;
    if (this.runs.length > 0) this.runs[this.runs.length - 1]![i] = samples;
    return i;
  }

  addTo(i: number, samples: number, period: number): void {
    this.samples[i] += samples;
    this.period[i] += period;
    if (this.runs.length > 0) this.runs[this.runs.length - 1]![i] += samples;
  }

  finish(): StackColumns {
    return {
      start: this.start.slice(0, this.n + 1),
      locs: this.locs.slice(0, this.m),
      thread: this.thread.slice(0, this.n),
      samples: this.samples.slice(0, this.n),
      period: this.period.slice(0, this.n),
      runSamples: runMajor(this.runs, this.n),
    };
  }
}

/** Per-run columns as one run-major array of n counts per run; empty for one run. */
function runMajor(runs: Float64Array[], n: number): Float64Array {
  if (runs.length < 2) return new Float64Array(0);
  const out = new Float64Array(runs.length * n);
  runs.forEach((r, k) => out.set(r.subarray(0, n), k * n));
  return out;
}
