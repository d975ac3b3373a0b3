// Two profiles compared as shares of their own totals (so runs of different lengths compare).
// A row is significant when its change is a discovery among all the diff's rows at a 5% false
// discovery rate (stats.ts): with hundreds of functions and lines compared, a per-row test
// would call out a dozen of them by chance alone. Each row is tested with its counts in each of
// the profiles' runs and each profile's run-to-run wobble, so a profile of several runs allows
// for the variation between runs of one build; between two profiles of one run each, the test
// knows sampling noise only.
import type { ProfileData } from '../profile/profile.js';
import { compareShares, discoveries, type RunCounts } from './stats.js';
import { functionRuns, lineKey, lineRuns, profileWobble, runTotals, type RowRuns } from './noise.js';
import { hotLines, memoized, threadKey, topFunctions, type FunctionRow, type LineRow, type StackFilter } from './query.js';

export interface ShareCounts {
  self: number;
  total: number;
  /** self / the profile's samples, 0..1. */
  selfShare: number;
  totalShare: number;
}

/** A change of a share with its interval (−1..1). */
export interface DeltaInterval {
  low: number;
  high: number;
}

interface DiffRow {
  base: ShareCounts;
  current: ShareCounts;
  /** current − base. */
  deltaSelfShare: number;
  deltaTotalShare: number;
  /** The changes' 95% intervals, each row on its own (`significant` also allows for the number of rows compared). */
  deltaSelfInterval: DeltaInterval;
  deltaTotalInterval: DeltaInterval;
  /** The self or the total share moved beyond chance, corrected for the number of rows compared. */
  significant: boolean;
}

export interface FunctionDiff extends DiffRow {
  name: string;
}

export interface LineDiff extends DiffRow {
  file: string;
  line: number;
}

export interface ProfileDiff {
  base: { samples: number };
  current: { samples: number };
  /** Two standard errors of a share's change at a share of 0.5, the widest: a guide to the scale of sampling noise (significance is decided per row). */
  noise: number;
  /** Sorted by |deltaSelfShare|, then |deltaTotalShare|, highest first. */
  functions: FunctionDiff[];
  lines: LineDiff[];
}

export interface DiffOptions extends StackFilter {
  /** At most this many functions and this many lines. */
  limit?: number;
}

/**
 * How far apart two shares measured on `baseSamples` and `currentSamples` samples may be by
 * chance alone: two standard errors of the difference of two binomial proportions at `share`
 * (the pooled share of the row; 0.5, the default, is the widest). Samples of one run are not
 * truly independent draws, so treat this as a floor, not a test. With no samples on a side
 * nothing can be told apart, so the answer is 1, the largest a share can move (and not
 * Infinity, which JSON cannot carry).
 */
export function noiseThreshold(baseSamples: number, currentSamples: number, share = 0.5): number {
  if (baseSamples <= 0 || currentSamples <= 0) return 1;
  return 2 * Math.sqrt(share * (1 - share) * (1 / baseSamples + 1 / currentSamples));
}

/** Per-function and per-line changes from `base` to `current`. */
export function diffProfiles(base: ProfileData, current: ProfileData, opts: DiffOptions = {}): ProfileDiff {
  const full = fullDiff(base, current, opts);
  return { ...full, functions: full.functions.slice(0, opts.limit), lines: full.lines.slice(0, opts.limit) };
}

// ---- cached per profile (and per pair) --------------------------------------------------------
// ProfileData does not change once built, so the flat counts and whole diffs are kept per object.

interface Flat {
  samples: number;
  functions: FunctionRow[];
  lines: LineRow[];
  /** Each run's samples, and each row's counts per run. */
  runTotals: number[];
  fnRuns: Map<string, RowRuns>;
  lineRuns: Map<string, RowRuns>;
  /** The profile's run-to-run wobble (0 for one run). */
  tau2: number;
}

const diffCache = new WeakMap<ProfileData, WeakMap<ProfileData, Map<string, ProfileDiff>>>();

function flatOf(p: ProfileData, f: StackFilter): Flat {
  return memoized(p, `diffflat:${threadKey(f)}`, () => {
    const filter: StackFilter = f.thread === undefined ? {} : { thread: f.thread };
    const totals = runTotals(p, filter);
    return {
      samples: totals.reduce((a, t) => a + t, 0),
      functions: topFunctions(p, filter),
      lines: hotLines(p, filter),
      runTotals: totals,
      fnRuns: functionRuns(p, filter),
      lineRuns: lineRuns(p, filter),
      tau2: profileWobble(p, filter),
    };
  });
}

function fullDiff(base: ProfileData, current: ProfileData, f: StackFilter): ProfileDiff {
  let byCurrent = diffCache.get(base);
  if (!byCurrent) diffCache.set(base, (byCurrent = new WeakMap()));
  let perThread = byCurrent.get(current);
  if (!perThread) byCurrent.set(current, (perThread = new Map()));
  const key = threadKey(f);
  let d = perThread.get(key);
  if (!d) {
    d = computeDiff(flatOf(base, f), flatOf(current, f));
    perThread.set(key, d);
  }
  return d;
}

function computeDiff(b: Flat, c: Flat): ProfileDiff {
  const nb = b.samples;
  const nc = c.samples;
  const share = (n: number, of: number) => (of === 0 ? 0 : n / of);
  const counts = (r: { self: number; total: number } | undefined, of: number): ShareCounts =>
    r ? { self: r.self, total: r.total, selfShare: share(r.self, of), totalShare: share(r.total, of) } : { self: 0, total: 0, selfShare: 0, totalShare: 0 };
  // Each row's two tests (self, total), judged together once every row is known.
  const pValues: number[] = [];
  /** A row's counts per run on one side; a row absent there has none in any run. */
  const perRun = (side: Flat, runs: RowRuns | undefined, k: 'self' | 'total'): RunCounts => ({
    counts: runs?.[k] ?? side.runTotals.map(() => 0),
    totals: side.runTotals,
  });
  const row = (
    rb: { self: number; total: number } | undefined,
    rc: { self: number; total: number } | undefined,
    runs: { b?: RowRuns; c?: RowRuns },
  ): DiffRow => {
    const base = counts(rb, nb);
    const current = counts(rc, nc);
    const deltaSelfShare = current.selfShare - base.selfShare;
    const deltaTotalShare = current.totalShare - base.totalShare;
    const test = (k: 'self' | 'total') => compareShares(perRun(b, rb && runs.b, k), perRun(c, rc && runs.c, k), b.tau2, c.tau2);
    const self = test('self');
    const total = test('total');
    pValues.push(self.p, total.p);
    const interval = (t: { low: number; high: number }): DeltaInterval => ({ low: t.low, high: t.high });
    return { base, current, deltaSelfShare, deltaTotalShare, deltaSelfInterval: interval(self), deltaTotalInterval: interval(total), significant: false };
  };

  const functions: FunctionDiff[] = [];
  const fnBase = new Map(b.functions.map((r) => [r.name, r]));
  const fnRow = (name: string, rb: FunctionRow | undefined, rc: FunctionRow | undefined) => row(rb, rc, { b: b.fnRuns.get(name), c: c.fnRuns.get(name) });
  for (const rc of c.functions) functions.push({ name: rc.name, ...fnRow(rc.name, fnBase.get(rc.name), rc) });
  const fnCur = new Set(c.functions.map((r) => r.name));
  for (const rb of b.functions) if (!fnCur.has(rb.name)) functions.push({ name: rb.name, ...fnRow(rb.name, rb, undefined) });

  const lines: LineDiff[] = [];
  const lnBase = new Map(b.lines.map((r) => [lineKey(r), r]));
  const lnRow = (key: string, rb: LineRow | undefined, rc: LineRow | undefined) => row(rb, rc, { b: b.lineRuns.get(key), c: c.lineRuns.get(key) });
  for (const rc of c.lines) lines.push({ file: rc.file, line: rc.line, ...lnRow(lineKey(rc), lnBase.get(lineKey(rc)), rc) });
  const lnCur = new Set(c.lines.map(lineKey));
  for (const rb of b.lines) if (!lnCur.has(lineKey(rb))) lines.push({ file: rb.file, line: rb.line, ...lnRow(lineKey(rb), rb, undefined) });

  const found = discoveries(pValues);
  [...functions, ...lines].forEach((r, i) => (r.significant = found[2 * i]! || found[2 * i + 1]!));

  const byDelta = (x: DiffRow, y: DiffRow) =>
    Math.abs(y.deltaSelfShare) - Math.abs(x.deltaSelfShare) || Math.abs(y.deltaTotalShare) - Math.abs(x.deltaTotalShare);
  functions.sort((x, y) => byDelta(x, y) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  lines.sort((x, y) => byDelta(x, y) || (x.file < y.file ? -1 : x.file > y.file ? 1 : 0) || x.line - y.line);
  return { base: { samples: nb }, current: { samples: nc }, noise: noiseThreshold(nb, nc), functions, lines };
}
