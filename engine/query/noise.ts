// The noise band of every share a table shows: each row's counts per run, the profile's own
// run-to-run wobble, and the interval stats.ts makes of them (sampling noise alone, labelled so,
// when the profile is one run). Also the per-run counts the diff compares.
import type { ProfileData } from '../profile/profile.js';
import type { FunctionRow, LineRow, RowNoise } from '../../protocol/types.js';
import { functionRunCounts, lineRunCounts, memoized, selectStacks, threadKey, type StackFilter, type TopOptions } from './query.js';
import { runWobble, shareInterval, DEFAULT_CONFIDENCE } from './stats.js';

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
