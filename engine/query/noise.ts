// The noise band of every share a table shows: each row's counts per run, the profile's own
// run-to-run wobble, and the interval stats.ts makes of them (sampling noise alone, labelled so,
// when the profile is one run). Also the per-run counts the diff compares.
import type { FunctionRow, LineRow, RowNoise } from '../../protocol/types.js';
import { eachFolded, functionRunCounts, lineRunCounts, memoized, selectStacks, threadKey, type StackFilter, type TopOptions } from './query.js';
import { stackCount, type ProfileData } from '../profile/profile.js';
import { runWobble, shareInterval, DEFAULT_CONFIDENCE, type ShareInterval } from './stats.js';

/** The confidence of every band (and of the diff's test). */
export const NOISE_CONFIDENCE = DEFAULT_CONFIDENCE;

/** A result's `runs`, for a profile of several. */
export function runsOf(p: ProfileData): { runs?: number[] } {
  return p.runs.length > 1 ? { runs: [...p.runs] } : {};
}

/** Each run's samples in the stacks passing the filter (the profile's own run totals without one). */
export function runTotals(p: ProfileData, f: StackFilter = {}): number[] {
  if (f.thread === undefined) return p.runs;
  return memoized(p, `runtotals:${threadKey(f)}`, () => {
    const n = p.stacks.thread.length;
    const totals = p.runs.map(() => 0);
    for (const si of selectStacks(p, f)) {
      if (p.runs.length < 2) totals[0] += p.stacks.samples[si]!;
      else for (let r = 0; r < totals.length; r++) totals[r] += p.stacks.runSamples[r * n + si]!;
    }
    return totals;
  });
}

/**
 * The profile's run-to-run wobble τ² (stats.ts runWobble), from its functions' self counts per
 * run (they split the samples between them, so each sample is weighed once); 0 for one run.
 */
export function profileWobble(p: ProfileData, f: StackFilter = {}): number {
  if (p.runs.length < 2) return 0;
  return memoized(p, `wobble:${threadKey(f)}`, () => {
    const runs = functionRunCounts(p, { thread: f.thread });
    const rows = (function* () {
      for (let fn = 0; fn < p.functions.length; fn++) yield runs.map((r) => r.self[fn]!);
    })();
    return runWobble(rows, runTotals(p, f));
  });
}

/** Per-run self and total counts of one row, as the diff and the bands take them. */
export interface RowRuns {
  self: number[];
  total: number[];
}

/** Each function's per-run counts by name. */
export function functionRuns(p: ProfileData, opts: TopOptions = {}): Map<string, RowRuns> {
  return memoized(p, `fnruns:${opts.noInline ? 1 : 0}:${threadKey(opts)}`, () => {
    const runs = functionRunCounts(p, opts);
    const out = new Map<string, RowRuns>();
    p.functions.forEach((f, fn) => out.set(f.name, { self: runs.map((r) => r.self[fn]!), total: runs.map((r) => r.total[fn]!) }));
    return out;
  });
}

/** Each source line's per-run counts, keyed by lineKey. */
export function lineRuns(p: ProfileData, f: StackFilter = {}): Map<string, RowRuns> {
  return memoized(p, `lnruns:${threadKey(f)}`, () => {
    const runs = lineRunCounts(p, f);
    const out = new Map<string, RowRuns>();
    runs[0]!.forEach((row, i) => out.set(lineKey(row), { self: runs.map((r) => r[i]!.self), total: runs.map((r) => r[i]!.total) }));
    return out;
  });
}

export const lineKey = (r: { file: string; line: number }): string => `${r.line}\u0000${r.file}`;

/** `rows` of topFunctions with their bands, as shares of the whole profile (as the tables show them). */
export function withFunctionNoise(p: ProfileData, rows: FunctionRow[], opts: TopOptions = {}): FunctionRow[] {
  const runs = functionRuns(p, opts);
  return rows.map((r) => ({ ...r, noise: rowNoise(p, runs.get(r.name), r, opts) }));
}

/** `rows` of hotLines with their bands. */
export function withLineNoise(p: ProfileData, rows: LineRow[], f: StackFilter = {}): LineRow[] {
  const runs = lineRuns(p, f);
  return rows.map((r) => ({ ...r, noise: rowNoise(p, runs.get(lineKey(r)), r, f) }));
}

function rowNoise(p: ProfileData, runs: RowRuns | undefined, row: { self: number; total: number }, f: StackFilter): RowNoise {
  const totals = p.runs;
  const tau2 = profileWobble(p, f);
  const counts = runs ?? { self: [row.self], total: [row.total] };
  const band = (c: number[]) => {
    const i = shareInterval({ counts: c, totals }, tau2, NOISE_CONFIDENCE);
    return { low: i.low, high: i.high };
  };
  const noise: RowNoise = { basis: totals.length >= 2 ? 'runs' : 'sampling', self: band(counts.self), total: band(counts.total) };
  if (totals.length >= 2) noise.runs = { self: counts.self, total: counts.total };
  return noise;
}

/** A flame graph frame's band: its depth in the stack as drawn (1 is the first frame) and its share's interval. */
export interface FrameBand {
  depth: number;
  band: ShareInterval;
}

/**
 * The profile's folded stacks (foldedStacks', in its order) with the band of every frame of their
 * flame graph: each stack has the frames it is the first to pass through. A frame is a path
 * from the root (a call path, not a function), so its counts per run are those of the stacks
 * below it, and its interval is the one of a table's row (shareInterval, with the profile's
 * wobble). `reverse` when the graph reverses the stacks.
 */
export function foldedWithBands(p: ProfileData, reverse: boolean): Map<string, { count: number; bands: FrameBand[] }> {
  const runs = p.runs.length;
  const n = stackCount(p);
  const { start, locs, samples, runSamples } = p.stacks;
  const locFn = Int32Array.from(p.locations, (l) => l.fn);
  // Nodes by parent and function, parent * width + function (small integers, which a Map keeps
  // fast); node 0 is the root.
  const width = p.functions.length;
  const children = new Map<number, number>();
  let nodes = 1;
  const counts: number[] = new Array<number>(runs).fill(0);
  const out = new Map<string, { count: number; bands: FrameBand[] }>();
  /** Per stack of `out`, the (depth, node) pairs of the frames it is the first through, flat. */
  const firsts: number[][] = [];
  const fns: number[] = [];
  eachFolded(p, {}, (key, si) => {
    fns.length = 0;
    for (let k = start[si]!; k < start[si + 1]!; k++) fns.push(locFn[locs[k]!]!);
    if (reverse) fns.reverse();
    let entry = out.get(key);
    const fresh = entry === undefined;
    if (!entry) out.set(key, (entry = { count: 0, bands: [] }));
    entry.count += samples[si]!;
    const first: number[] = [];
    let node = 0;
    for (let i = 0; i < fns.length; i++) {
      const k = node * width + fns[i]!;
      let child = children.get(k);
      if (child === undefined) {
        child = nodes++;
        children.set(k, child);
        for (let r = 0; r < runs; r++) counts.push(0);
        if (fresh) first.push(i + 1, child);
      }
      if (runs < 2) counts[child]! += samples[si]!;
      else for (let r = 0; r < runs; r++) counts[child * runs + r]! += runSamples[r * n + si]!;
      node = child;
    }
    if (fresh) firsts.push(first);
  });
  const tau2 = profileWobble(p);
  let i = 0;
  for (const entry of out.values()) {
    const first = firsts[i++]!;
    for (let k = 0; k < first.length; k += 2) {
      const node = first[k + 1]!;
      const band = shareInterval({ counts: counts.slice(node * runs, (node + 1) * runs), totals: p.runs }, tau2, NOISE_CONFIDENCE);
      entry.bands.push({ depth: first[k]!, band });
    }
  }
  return out;
}
