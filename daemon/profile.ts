// The in-memory profile: interned functions, source locations and unique stacks, built once
// from symbolized samples. Every view (top, lines, folded, call tree, diff) is a pure query
// over this data, and the whole thing serializes to JSON for the store.

/** Counts are in samples; `period` keeps perf's summed event period beside them. */
export type CountUnit = 'samples';

export interface FunctionInfo {
  name: string;
  /** Where the function is declared, when debug info says so. */
  file?: string;
  line?: number;
  /** The binary or library it lives in. */
  dso?: string;
}

/** One (function, source line) position; an inlined copy is a location of its own. */
export interface Location {
  fn: number;
  file?: string;
  line?: number;
  /** Inlined into the location above it in the stack. */
  inlined: boolean;
}

export interface ThreadInfo {
  comm: string;
  pid: number;
  tid: number;
}

export interface StackRecord {
  /** Location ids, root first. */
  locs: number[];
  thread: number;
  samples: number;
  period: number;
}

export type { UnwindQuality } from '../protocol/types.js';
import type { UnwindQuality } from '../protocol/types.js';

export interface ProfileData {
  format: 'flame-profile/1';
  unit: CountUnit;
  event: string;
  functions: FunctionInfo[];
  locations: Location[];
  threads: ThreadInfo[];
  stacks: StackRecord[];
  totalSamples: number;
  totalPeriod: number;
  quality: UnwindQuality;
}

/** Accumulates samples into a ProfileData, interning everything. */
export class ProfileBuilder {
  private readonly functions: FunctionInfo[] = [];
  private readonly fnIndex = new Map<string, number>();
  private readonly locations: Location[] = [];
  private readonly locIndex = new Map<string, number>();
  private readonly threads: ThreadInfo[] = [];
  private readonly threadIndex = new Map<string, number>();
  private readonly stacks: StackRecord[] = [];
  private readonly stackIndex = new Map<string, number>();
  private totalSamples = 0;
  private totalPeriod = 0;
  private unknownSamples = 0;
  private truncatedSamples = 0;
  lost = 0;
  event = '';

  fn(info: FunctionInfo): number {
    let id = this.fnIndex.get(info.name);
    if (id === undefined) {
      id = this.functions.length;
      this.functions.push({ ...info });
      this.fnIndex.set(info.name, id);
    } else {
      const f = this.functions[id]!;
      if (f.file === undefined && info.file !== undefined) {
        f.file = info.file;
        f.line = info.line;
      }
      if (f.dso === undefined && info.dso !== undefined) f.dso = info.dso;
    }
    return id;
  }

  location(fn: number, file: string | undefined, line: number | undefined, inlined: boolean): number {
    const key = `${fn}\u0000${file ?? ''}\u0000${line ?? ''}\u0000${inlined ? 1 : 0}`;
    let id = this.locIndex.get(key);
    if (id === undefined) {
      id = this.locations.length;
      const loc: Location = { fn, inlined };
      if (file !== undefined) loc.file = file;
      if (line !== undefined) loc.line = line;
      this.locations.push(loc);
      this.locIndex.set(key, id);
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

  /** Add `samples` samples (summing to `period`) of one stack, root first. */
  add(locs: number[], thread: number, samples: number, period: number, flags: { unknown: boolean; truncated: boolean }): void {
    const key = `${thread}:${locs.join(',')}`;
    const id = this.stackIndex.get(key);
    if (id === undefined) {
      this.stackIndex.set(key, this.stacks.length);
      this.stacks.push({ locs, thread, samples, period });
    } else {
      const s = this.stacks[id]!;
      s.samples += samples;
      s.period += period;
    }
    this.totalSamples += samples;
    this.totalPeriod += period;
    if (flags.unknown) this.unknownSamples += samples;
    if (flags.truncated) this.truncatedSamples += samples;
  }

  finish(): ProfileData {
    const n = this.totalSamples;
    return {
      format: 'flame-profile/1',
      unit: 'samples',
      event: this.event,
      functions: this.functions,
      locations: this.locations,
      threads: this.threads,
      stacks: this.stacks,
      totalSamples: n,
      totalPeriod: this.totalPeriod,
      quality: {
        samples: n,
        unknownShare: n === 0 ? 0 : this.unknownSamples / n,
        truncatedShare: n === 0 ? 0 : this.truncatedSamples / n,
        lost: this.lost,
      },
    };
  }
}
