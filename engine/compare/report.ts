// What `flame compare` reports and how its gate decides: the diff of the two sides (query/diff.ts
// decides what moved, the one rule for shares), each side's wall time per run with its interval
// and the change of its mean (stats.ts's Welch test), and the verdict of the regression gate.
// Pure: profiles and numbers in, a plain object out (the same object `--json` prints).
import type { ProfileData } from '../profile/profile.js';
import { diffProfiles, type FunctionDiff, type LineDiff } from '../query/diff.js';
import { compareMeans, meanInterval } from '../query/stats.js';

/** The gate's settings. Shares in fractions (0.02 is 2 percentage points), time as a fraction of the base's mean. */
export interface GateSettings {
  /** Functions whose growth fails the gate (a linear-time regex, query/filter.ts); none: no function is gated. */
  failOn?: RegExp;
  /** How far a gated function's total share may grow, in share (0.02: 2 percentage points). */
  threshold: number;
  /** How far the mean wall time per run may grow, relative to the base's (0.05: 5%); undefined: not gated. */
  timeThreshold?: number;
}

/** The defaults: 2 percentage points of a gated function's total share, 5% of the wall time. */
export const DEFAULT_THRESHOLD = 0.02;
export const DEFAULT_TIME_THRESHOLD = 0.05;

export interface SideSummary {
  /** Its stored profile's id. */
  profile: string | null;
  /** What it is: `origin/main (4f2d1c0a9b)`, `working tree`, `profile 2026…`. */
  label: string;
  samples: number;
  runs: number;
  /** Each run's wall time (the program's first sample to its last), ms; null when unknown (a stored profile recorded outside a compare). */
  wallMs: number[] | null;
  /** Their mean and its 95% interval (Student's t over the runs); null when unknown, low/high absent with one run. */
  wall: { meanMs: number; lowMs?: number; highMs?: number } | null;
}

export interface TimeChange {
  deltaMs: number;
  /** deltaMs / the base's mean, and its interval on the same scale. */
  relative: number;
  relLow?: number;
  relHigh?: number;
  p: number;
  /** The interval of the change excludes 0 at 95% (Welch's t-test, p < 0.05). */
  significant: boolean;
}

export interface GateFailure {
  kind: 'function' | 'time';
  /** The function, for kind function. */
  name?: string;
  /** How much it grew: share (percentage points / 100) for a function, a fraction of the base's mean for time. */
  grew: number;
  threshold: number;
}

export interface GateVerdict {
  /** Whether anything was gated (--fail-on, --time-threshold or the config). */
  active: boolean;
  pass: boolean;
  failOn: string | null;
  threshold: number;
  timeThreshold: number | null;
  /** The gated functions that matched at all, by name (so a typo in --fail-on shows as 0). */
  matched: number;
  failures: GateFailure[];
}

export interface CompareReport {
  base: SideSummary;
  current: SideSummary;
  time: TimeChange | null;
  /** The functions whose shares changed most (all of the diff's fields), gate failures always among them. */
  functions: FunctionDiff[];
  lines: LineDiff[];
  gate: GateVerdict;
}

export interface SideInput {
  profile: ProfileData;
  id: string | null;
  label: string;
  wallMs: number[] | null;
}

/** The report of a compare: diff, times and verdict; `limit` rows of functions and of lines. */
export function compareReport(base: SideInput, current: SideInput, gate: GateSettings | undefined, limit = 20): CompareReport {
  const diff = diffProfiles(base.profile, current.profile);
  const time = timeChange(base.wallMs, current.wallMs);
  const verdict = judge(diff.functions, time, gate);
  const failed = new Set(verdict.failures.filter((f) => f.kind === 'function').map((f) => f.name));
  // By the change of the total share, which the gate reads: a function's work moves its total
  // even when its samples land in functions inlined into it.
  const byTotal = [...diff.functions].sort(
    (x, y) => Math.abs(y.deltaTotalShare) - Math.abs(x.deltaTotalShare) || Math.abs(y.deltaSelfShare) - Math.abs(x.deltaSelfShare),
  );
  const functions = byTotal.filter((f, i) => i < limit || failed.has(f.name));
  return { base: side(base), current: side(current), time, functions, lines: diff.lines.slice(0, limit), gate: verdict };
}

function side(s: SideInput): SideSummary {
  const wall = s.wallMs && s.wallMs.length > 0 ? meanInterval(s.wallMs) : undefined;
  return {
    profile: s.id,
    label: s.label,
    samples: s.profile.totalSamples,
    runs: s.profile.runs.length,
    wallMs: s.wallMs,
    wall: wall ? { meanMs: wall.mean, ...(wall.low === undefined ? {} : { lowMs: wall.low, highMs: wall.high }) } : null,
  };
}

function timeChange(base: number[] | null, current: number[] | null): TimeChange | null {
  if (!base || !current || base.length === 0 || current.length === 0) return null;
  const t = compareMeans(base, current);
  const mb = base.reduce((a, x) => a + x, 0) / base.length;
  const rel = (x: number) => (mb > 0 ? x / mb : 0);
  const out: TimeChange = { deltaMs: t.delta, relative: rel(t.delta), p: t.p, significant: t.p < 0.05 };
  if (t.low !== undefined && t.high !== undefined) [out.relLow, out.relHigh] = [rel(t.low), rel(t.high)];
  return out;
}

/**
 * The gate: a function matching `failOn` fails it when its total share (its own time and its
 * callees') grew significantly, by the diff's rule, and by more than `threshold`; the run time
 * fails it when its mean grew significantly and by more than `timeThreshold` of the base's.
 */
function judge(functions: FunctionDiff[], time: TimeChange | null, gate: GateSettings | undefined): GateVerdict {
  const verdict: GateVerdict = {
    active: gate !== undefined && (gate.failOn !== undefined || gate.timeThreshold !== undefined),
    pass: true,
    failOn: gate?.failOn?.source ?? null,
    threshold: gate?.threshold ?? DEFAULT_THRESHOLD,
    timeThreshold: gate?.timeThreshold ?? null,
    matched: 0,
    failures: [],
  };
  if (!gate) return verdict;
  if (gate.failOn) {
    for (const f of functions) {
      if (!gate.failOn.test(f.name)) continue;
      verdict.matched++;
      if (f.change.total.significant && f.deltaTotalShare > gate.threshold) {
        verdict.failures.push({ kind: 'function', name: f.name, grew: f.deltaTotalShare, threshold: gate.threshold });
      }
    }
  }
  if (gate.timeThreshold !== undefined && time?.significant && time.relative > gate.timeThreshold) {
    verdict.failures.push({ kind: 'time', grew: time.relative, threshold: gate.timeThreshold });
  }
  verdict.pass = verdict.failures.length === 0;
  return verdict;
}
