// The one place a profile's stacks are narrowed before a query or an export reads them: pprof's
// focus, ignore and hide, the runtime plumbing rule (engine/profile/plumbing.ts), and the thread
// as each stack's root frame. The result is a ProfileData of its own (the same functions and
// locations, other stacks), so every query, export and graph reads it as it reads any profile,
// and it is built once per profile and view.
//
// In order: focus keeps the samples with a frame that matches, ignore drops those with one (both
// against the recorded stack, before anything is removed), hide removes the frames that match,
// then the plumbing frames go (unless `plumbing` is set) and the thread's frame is put at the
// root (with `threads`). Stacks that become equal are merged, their counts (and each run's)
// summed. The profile's totals are the samples that remain: a focused graph is as wide as its
// samples, and top's shares are of them.
import { compileFilter } from './filter.js';
import { memoized, threadFrameName } from './query.js';
import { isPlumbing } from '../profile/plumbing.js';
import { stackCount, type FunctionInfo, type Location, type ProfileData } from '../profile/profile.js';
import type { StackView } from '../../protocol/types.js';

export type { StackView } from '../../protocol/types.js';

/** The fields of a StackView, for the params and flags that carry one. */
export const STACK_VIEW_FIELDS = ['focus', 'ignore', 'hide', 'plumbing', 'threads'] as const;

/** Compile a view's regexes (an InvalidParams error naming the field for a bad one), before any profile is read. */
export function checkView(v: StackView): void {
  for (const k of ['focus', 'ignore', 'hide'] as const) if (v[k]) compileFilter(v[k]!, k);
}

/** The profile as the view sees it: `p` itself when the view changes nothing. */
export function viewOf(p: ProfileData, v: StackView = {}): ProfileData {
  const key = `${v.focus ?? ''}\u0000${v.ignore ?? ''}\u0000${v.hide ?? ''}\u0000${v.plumbing ? 1 : 0}\u0000${v.threads ? 1 : 0}`;
  if (!v.focus && !v.ignore && !v.hide && v.plumbing && !v.threads) return p;
  return memoized(p, `view:${key}`, () => narrow(p, v));
}

function narrow(p: ProfileData, v: StackView): ProfileData {
  const marks = (source: string | undefined, field: string): Uint8Array | undefined => {
    if (!source) return undefined;
    const re = compileFilter(source, field);
    return Uint8Array.from(p.functions, (f) => (re.test(f.name) ? 1 : 0));
  };
  const focus = marks(v.focus, 'focus');
  const ignore = marks(v.ignore, 'ignore');
  const hide = marks(v.hide, 'hide');
  const plumbing = v.plumbing ? undefined : Uint8Array.from(p.functions, (f) => (isPlumbing(f.name) ? 1 : 0));

  let functions: FunctionInfo[] = p.functions;
  let locations: Location[] = p.locations;
  let threadLoc: number[] = [];
  if (v.threads) {
    functions = [...p.functions, ...p.threads.map((t) => ({ name: threadFrameName(t) }))];
    locations = [...p.locations, ...p.threads.map((_, i) => ({ fn: p.functions.length + i, inlined: false }))];
    threadLoc = p.threads.map((_, i) => p.locations.length + i);
  }

  const { start, locs, thread, samples, period, runSamples } = p.stacks;
  const n = stackCount(p);
  const runs = p.runs.length > 1 ? p.runs.length : 0;
  const out = { start: [0], locs: [] as number[], thread: [] as number[], samples: [] as number[], period: [] as number[], runs: [] as number[][] };
  for (let r = 0; r < runs; r++) out.runs.push([]);
  const index = new Map<string, number>();
  const fnOf = (k: number) => p.locations[locs[k]!]!.fn;
  const kept: number[] = [];
  for (let si = 0; si < n; si++) {
    const a = start[si]!;
    const b = start[si + 1]!;
    if (focus && !anyFrame(a, b, fnOf, focus)) continue;
    if (ignore && anyFrame(a, b, fnOf, ignore)) continue;
    // The sampled instruction's own frames: the innermost and, when it is inlined, up to the function it is inlined into.
    let own = b - 1;
    while (own > a && p.locations[locs[own]!]!.inlined) own--;
    kept.length = 0;
    if (v.threads) kept.push(threadLoc[thread[si]!]!);
    for (let k = a; k < b; k++) {
      const fn = fnOf(k);
      if (hide?.[fn]) continue;
      if (plumbing?.[fn] && k < own) continue;
      kept.push(locs[k]!);
    }
    const id = `${thread[si]}:${kept.join(',')}`;
    let i = index.get(id);
    if (i === undefined) {
      i = out.thread.length;
      index.set(id, i);
      out.locs.push(...kept);
      out.start.push(out.locs.length);
      out.thread.push(thread[si]!);
      out.samples.push(0);
      out.period.push(0);
      for (const r of out.runs) r.push(0);
    }
    out.samples[i] += samples[si]!;
    out.period[i] += period[si]!;
    for (let r = 0; r < runs; r++) out.runs[r]![i] += runSamples[r * n + si]!;
  }
  const m = out.thread.length;
  const runMajor = new Float64Array(runs * m);
  out.runs.forEach((r, k) => runMajor.set(r, k * m));
  const totalSamples = out.samples.reduce((s, x) => s + x, 0);
  return {
    ...p,
    functions,
    locations,
    stacks: {
      start: Uint32Array.from(out.start),
      locs: Uint32Array.from(out.locs),
      thread: Uint32Array.from(out.thread),
      samples: Float64Array.from(out.samples),
      period: Float64Array.from(out.period),
      runSamples: runMajor,
    },
    totalSamples,
    totalPeriod: out.period.reduce((s, x) => s + x, 0),
    runs: runs ? out.runs.map((r) => r.reduce((s, x) => s + x, 0)) : [totalSamples],
  };
}

function anyFrame(a: number, b: number, fnOf: (k: number) => number, marked: Uint8Array): boolean {
  for (let k = a; k < b; k++) if (marked[fnOf(k)]) return true;
  return false;
}
