// Pure queries over a ProfileData: hottest functions, hot source lines, folded stacks.
// Each takes data and returns data, so the CLI, the daemon and the tests share them.
import { compileFilter } from './filter.js';
import { stackCount, type ProfileData, type ThreadInfo } from '../profile/profile.js';
import { functionOrigins, type FrameOrigin, type OriginContext } from '../profile/origin.js';

// The rows are wire types: the protocol declares them, the queries fill them.
export type { FunctionRow, LineRow } from '../../protocol/types.js';
import type { FunctionRow, LineRow } from '../../protocol/types.js';

export interface StackFilter {
  /** Only samples of threads whose tid equals this number, or whose name matches this text. */
  thread?: number | string;
}

export interface TopOptions extends StackFilter {
  /** Charge self to the function owning the instruction (perf report --sort sym) rather than the innermost inlined one. */
  noInline?: boolean;
  limit?: number;
  /** Only functions whose name matches this regular expression (compiled by compileFilter). */
  filter?: string | RegExp;
  /** Sort by total instead of self. */
  sortBy?: 'self' | 'total';
  /** The workspace the rows' `origin` is told by (its root and member crates). */
  workspace?: OriginContext;
}

/** Each function's origin (indexed by function id) for a workspace, classified once per profile and workspace. */
export function originsOf(p: ProfileData, ws: OriginContext = {}): FrameOrigin[] {
  return memoized(p, `origins:${ws.root ?? ''}:${(ws.crates ?? []).join(',')}`, () => functionOrigins(p, ws));
}

/** Indexes of the stacks passing the filter, in order. */
export function selectStacks(p: ProfileData, f: StackFilter = {}): Uint32Array {
  const n = stackCount(p);
  if (f.thread === undefined) {
    const all = new Uint32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const want = f.thread;
  const ok = new Uint8Array(p.threads.length);
  p.threads.forEach((t, i) => {
    if (typeof want === 'number' ? t.tid === want : t.comm === want || String(t.tid) === want) ok[i] = 1;
  });
  const thread = p.stacks.thread;
  let k = 0;
  for (let i = 0; i < n; i++) if (ok[thread[i]!]) k++;
  const ids = new Uint32Array(k);
  k = 0;
  for (let i = 0; i < n; i++) if (ok[thread[i]!]) ids[k++] = i;
  return ids;
}

/** The thread filter as a cache key (a tid 5 and a name "5" are different filters). */
export function threadKey(f: StackFilter): string {
  return f.thread === undefined ? '*' : `${typeof f.thread}:${f.thread}`;
}

/**
 * Per-profile memo of counting passes, keyed by the options that change the counts. A
 * ProfileData never changes once built, so each pass over its stacks is done once; queries
 * then only filter and sort (what keeps the daemon's repeated queries in milliseconds).
 */
const memo = new WeakMap<ProfileData, Map<string, unknown>>();
export function memoized<T>(p: ProfileData, key: string, compute: () => T): T {
  let m = memo.get(p);
  if (!m) {
    m = new Map();
    memo.set(p, m);
  }
  if (!m.has(key)) m.set(key, compute());
  return m.get(key) as T;
}

/** Each stack's samples: of every run, or of run `run` alone (0-based) in a profile of several. */
function stackWeights(p: ProfileData, run: number | undefined): Float64Array {
  if (run === undefined || p.runs.length < 2) return p.stacks.samples;
  const n = stackCount(p);
  return p.stacks.runSamples.subarray(run * n, (run + 1) * n);
}

/** Self and total per function, for one thread filter and inline mode: of all runs, or of run `run`. */
function functionCounts(p: ProfileData, opts: TopOptions, run?: number): { self: Float64Array; total: Float64Array } {
  return memoized(p, `fn:${opts.noInline ? 1 : 0}:${threadKey(opts)}:${run ?? '*'}`, () => {
    const self = new Float64Array(p.functions.length);
    const total = new Float64Array(p.functions.length);
    const seen = new Int32Array(p.functions.length).fill(-1);
    const { start, locs } = p.stacks;
    const samples = stackWeights(p, run);
    const locFn = new Uint32Array(p.locations.length);
    const locInlined = new Uint8Array(p.locations.length);
    p.locations.forEach((l, i) => {
      locFn[i] = l.fn;
      locInlined[i] = l.inlined ? 1 : 0;
    });
    for (const si of selectStacks(p, opts)) {
      const a = start[si]!;
      const b = start[si + 1]!;
      if (a === b) continue;
      const n = samples[si]!;
      let leaf = b - 1;
      if (opts.noInline) while (leaf > a && locInlined[locs[leaf]!]) leaf--;
      self[locFn[locs[leaf]!]!] += n;
      for (let k = a; k < b; k++) {
        const fn = locFn[locs[k]!]!;
        if (seen[fn] !== si) {
          seen[fn] = si;
          total[fn] += n;
        }
      }
    }
    return { self, total };
  });
}

/** Each function's self and total in each run, indexed by function id: one entry per run (the whole counts for a profile of one run). */
export function functionRunCounts(p: ProfileData, opts: TopOptions = {}): Array<{ self: Float64Array; total: Float64Array }> {
  if (p.runs.length < 2) return [functionCounts(p, opts)];
  return p.runs.map((_, r) => functionCounts(p, opts, r));
}

/** Functions by self (or total) count. */
export function topFunctions(p: ProfileData, opts: TopOptions = {}): FunctionRow[] {
  const { self, total } = functionCounts(p, opts);
  const key = opts.sortBy === 'total' ? 'total' : 'self';
  // The order depends only on the counts, so it is sorted once per profile and options; a query
  // walks it and stops at the limit.
  const order = memoized(p, `fnorder:${key}:${opts.noInline ? 1 : 0}:${threadKey(opts)}`, () => {
    const ids: number[] = [];
    for (let i = 0; i < p.functions.length; i++) if (total[i]! > 0) ids.push(i);
    const primary = key === 'total' ? total : self;
    ids.sort((a, b) => primary[b]! - primary[a]! || total[b]! - total[a]! || p.functions[a]!.name.localeCompare(p.functions[b]!.name));
    return ids;
  });
  const re = opts.filter === undefined || opts.filter === '' ? undefined : typeof opts.filter === 'string' ? compileFilter(opts.filter) : opts.filter;
  const origins = originsOf(p, opts.workspace);
  const rows: FunctionRow[] = [];
  for (const i of order) {
    if (opts.limit !== undefined && rows.length >= opts.limit) break;
    const f = p.functions[i]!;
    if (re && !re.test(f.name)) continue;
    const row: FunctionRow = { name: f.name, self: self[i]!, total: total[i]! };
    if (f.file !== undefined) row.file = f.file;
    if (f.line !== undefined) row.line = f.line;
    row.origin = origins[i]!;
    rows.push(row);
  }
  return rows;
}

export interface LinesOptions extends StackFilter {
  /** Only lines of this source file (absolute path, or a suffix of one such as src/lib.rs). */
  file?: string;
  limit?: number;
}

/** Source lines by self count; a line's total counts a sample once even under recursion. */
export function hotLines(p: ProfileData, opts: LinesOptions = {}): LineRow[] {
  // Counted and sorted once per profile and thread; a query filters the sorted rows up to its limit.
  const sorted = memoized(p, `lines:${threadKey(opts)}`, () =>
    countLines(p, opts)
      .filter((r) => r.total > 0)
      .sort((a, b) => b.self - a.self || b.total - a.total || a.file.localeCompare(b.file) || a.line - b.line),
  );
  const want = opts.file;
  const suffix = want === undefined ? '' : want.startsWith('/') ? want : `/${want}`;
  const out: LineRow[] = [];
  for (const r of sorted) {
    if (opts.limit !== undefined && out.length >= opts.limit) break;
    if (want !== undefined && r.file !== want && !r.file.endsWith(suffix)) continue;
    out.push({ ...r });
  }
  return out;
}

export interface FoldedOptions extends StackFilter {
  /** Prefix each stack with the thread's name (and tid), as `flame fold --tid` does. */
  threads?: boolean;
  /** Mark inlined frames with the `_[i]` suffix the flame graph colours. */
  markInlined?: boolean;
  /** Leave inlined frames out: each sample charged to the functions that own the instructions (`--no-inline`). */
  noInline?: boolean;
  /** Cut off the frames below (the callers of) the innermost frame of one of these functions, as inferno's `--skip-after`. */
  skipAfter?: string[];
}

/** Each function's origin by its name as foldedStacks writes it (the map the rust palette of an SVG reads). */
export function foldedOrigins(p: ProfileData, ws: OriginContext = {}): Map<string, FrameOrigin> {
  const origins = originsOf(p, ws);
  return new Map(p.functions.map((f, i) => [f.name.replace(/;/g, ':'), origins[i]!]));
}

/** A thread as a frame of its own (`--tid`, a view's `threads`): `name-tid`, as `flame fold --tid` names it. */
export function threadFrameName(t: ThreadInfo): string {
  return `${t.comm.replace(/[; ]/g, '_')}-${t.tid}`;
}

/** The profile as folded stacks (root first, ';'-separated), counts in samples. */
export function foldedStacks(p: ProfileData, opts: FoldedOptions = {}): Map<string, number> {
  const out = new Map<string, number>();
  const samples = p.stacks.samples;
  eachFolded(p, opts, (key, si) => out.set(key, (out.get(key) ?? 0) + samples[si]!));
  return out;
}

/** Each stack passing the filter as its folded key (foldedStacks'), in order. */
export function eachFolded(p: ProfileData, opts: FoldedOptions, visit: (key: string, stack: number) => void): void {
  const names = p.functions.map((f) => f.name.replace(/;/g, ':'));
  const { start, locs, thread } = p.stacks;
  const skip = opts.skipAfter?.length ? new Set(p.functions.flatMap((f, i) => (opts.skipAfter!.includes(f.name) ? [i] : []))) : undefined;
  for (const si of selectStacks(p, opts)) {
    const parts: string[] = [];
    if (opts.threads) parts.push(threadFrameName(p.threads[thread[si]!]!));
    const first = parts.length;
    for (let k = start[si]!; k < start[si + 1]!; k++) {
      const loc = p.locations[locs[k]!]!;
      if (opts.noInline && loc.inlined) continue;
      if (skip?.has(loc.fn)) parts.length = first;
      parts.push(opts.markInlined && loc.inlined ? `${names[loc.fn]}_[i]` : names[loc.fn]!);
    }
    visit(parts.join(';'), si);
  }
}

/**
 * Each source line's self and total in each run: rows in one order for every run, one entry per
 * run (the whole counts for a profile of one run).
 */
export function lineRunCounts(p: ProfileData, opts: StackFilter = {}): LineRow[][] {
  return memoized(p, `lineruns:${threadKey(opts)}`, () => (p.runs.length < 2 ? [countLines(p, opts)] : p.runs.map((_, r) => countLines(p, opts, r))));
}

/** One row per distinct (file, line) with self and total (of all runs, or of run `run`); locations map onto rows once. */
function countLines(p: ProfileData, opts: StackFilter, run?: number): LineRow[] {
  const rows: LineRow[] = [];
  const rowOf = new Int32Array(p.locations.length).fill(-1);
  const index = new Map<string, number>();
  p.locations.forEach((loc, i) => {
    if (loc.file === undefined || loc.line === undefined) return;
    const k = `${loc.line}\u0000${loc.file}`;
    let r = index.get(k);
    if (r === undefined) {
      r = rows.length;
      rows.push({ file: loc.file, line: loc.line, self: 0, total: 0 });
      index.set(k, r);
    }
    rowOf[i] = r;
  });
  const seen = new Int32Array(rows.length).fill(-1);
  const { start, locs } = p.stacks;
  const samples = stackWeights(p, run);
  for (const si of selectStacks(p, opts)) {
    const a = start[si]!;
    const b = start[si + 1]!;
    const n = samples[si]!;
    for (let i = a; i < b; i++) {
      const r = rowOf[locs[i]!]!;
      if (r < 0) continue;
      if (seen[r] !== si) {
        seen[r] = si;
        rows[r]!.total += n;
      }
      if (i === b - 1) rows[r]!.self += n;
    }
  }
  return rows;
}
