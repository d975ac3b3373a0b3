// Whether a share moved for real: intervals for a share measured over one or several runs, and
// a test of two profiles' shares that holds the false alarms of a whole diff (hundreds of rows)
// to the stated confidence. Pure numbers in, numbers out.
//
// The model: in a run of n samples a row's share s is its true share p plus sampling noise
// (binomial, variance p(1−p)/n) plus the run's own wobble, which is proportional to the share
// (a slower cache or clock stretches a function by a fraction of its time, not by a fixed
// number of samples): variance τ²p², τ being the wobble's coefficient of variation. τ² is
// estimated once per profile from all of its rows together, so even three runs give it many
// rows' worth of evidence; a row whose own runs vary more than the model says keeps its own,
// larger variance. With one run nothing can be estimated: τ² is 0 and the answer is labelled
// sampling-only.

/** How an interval or a test was made: from several runs' variation, or from sampling alone (one run). */
export type NoiseBasis = 'runs' | 'sampling';

/** A share with its two-sided interval at `confidence`. */
export interface ShareInterval {
  share: number;
  low: number;
  high: number;
  basis: NoiseBasis;
}

/** One row's counts in each run of a profile, beside each run's sample total. */
export interface RunCounts {
  counts: readonly number[];
  totals: readonly number[];
}

/** The confidence every interval and test states unless told otherwise. */
export const DEFAULT_CONFIDENCE = 0.95;

/**
 * A profile's run-to-run wobble τ² (the squared coefficient of variation of a share beyond
 * sampling), from its rows' per-run counts; 0 with one run. Rows with fewer than `minSamples`
 * samples in all are left out: their variation is sampling noise and tells nothing of τ. Each
 * row's estimate of τ² (its variance beyond sampling, over p²) is weighted by its precision,
 * (p² / (sampling + τ²p²))², which takes τ² itself, so the estimate is refined a few times from
 * τ² = 0: a wide row's wobble stands far out of its sampling noise and counts fully, a thin row's
 * estimate is mostly sampling noise and counts little. (Weighted by p alone, the kernel's thin
 * and restless rows, a handful of samples a run, set τ for the whole profile: on the knob fixture
 * they made it ten times what its two wide functions showed, and an interval of ±3.5 points hid
 * a 2.4-point change. A thin row that truly varies more than the model keeps its own, larger
 * variance: see MODEL_WEIGHT.)
 */
export function runWobble(rows: Iterable<readonly number[]>, totals: readonly number[], minSamples = 20): number {
  const runs = totals.length;
  const all = sum(totals);
  if (runs < 2 || all <= 0 || totals.some((t) => t <= 0)) return 0;
  /** Per row: p², its sampling variance, and its variance beyond sampling. */
  const est: Array<{ p2: number; sampling: number; excess: number }> = [];
  for (const counts of rows) {
    const c = sum(counts);
    if (c < minSamples || c >= all) continue;
    const p = c / all;
    const shares = counts.map((x, i) => x / totals[i]!);
    const mean = sum(shares) / runs;
    const observed = shares.reduce((a, s) => a + (s - mean) ** 2, 0) / (runs - 1);
    const sampling = totals.reduce((a, t) => a + (p * (1 - p)) / t, 0) / runs;
    est.push({ p2: p * p, sampling, excess: observed - sampling });
  }
  let tau2 = 0;
  for (let round = 0; round < 5; round++) {
    let num = 0;
    let den = 0;
    for (const r of est) {
      const w = (r.p2 / (r.sampling + tau2 * r.p2)) ** 2;
      num += (w * r.excess) / r.p2;
      den += w;
    }
    const next = den === 0 ? 0 : Math.max(0, num / den);
    if (Math.abs(next - tau2) <= 1e-4 * Math.max(next, 1e-9)) return next;
    tau2 = next;
  }
  return tau2;
}

/**
 * How many runs' worth of evidence the profile-wide model is given against a row's own runs
 * when the two disagree (limma's moderated variance, with a fixed prior): a row that really
 * varies more than the others moves its variance towards its own, while three or five runs'
 * chance spread cannot swing a row's variance on its own.
 */
const MODEL_WEIGHT = 8;

/** The variance of a row's pooled share Σcounts/Σtotals, at share `p` (the row's own by default) under wobble τ², moderated by the row's own between-run variance. */
export function shareVariance(row: RunCounts, tau2: number, p?: number): number {
  const n = sum(row.totals);
  if (n <= 0) return 0;
  const own = sum(row.counts) / n;
  const at = p ?? own;
  const squares = row.totals.reduce((a, t) => a + t * t, 0);
  const model = Math.max(at * (1 - at), 1 / n) / n + (tau2 * at * at * squares) / (n * n);
  const runs = row.totals.length;
  if (runs < 2) return model;
  const shares = row.totals.map((t, i) => (t > 0 ? row.counts[i]! / t : 0));
  const mean = sum(shares) / runs;
  const between = shares.reduce((a, s) => a + (s - mean) ** 2, 0) / (runs - 1) / runs;
  return (MODEL_WEIGHT * model + (runs - 1) * between) / (MODEL_WEIGHT + runs - 1);
}

/** A row's share with its interval: from the runs' variation with several runs, from sampling alone with one. */
export function shareInterval(row: RunCounts, tau2: number, confidence = DEFAULT_CONFIDENCE): ShareInterval {
  const n = sum(row.totals);
  const basis: NoiseBasis = row.totals.length >= 2 ? 'runs' : 'sampling';
  if (n <= 0) return { share: 0, low: 0, high: 1, basis };
  const share = sum(row.counts) / n;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  if (basis === 'sampling') {
    // Rounding can leave Wilson's bounds a hair inside a share of exactly 0 or 1.
    const w = wilson(share, n, z);
    return { share, low: Math.min(w.low, share), high: Math.max(w.high, share), basis };
  }
  const half = z * Math.sqrt(shareVariance(row, tau2));
  return { share, low: Math.max(0, share - half), high: Math.min(1, share + half), basis };
}

/** The result of comparing one row across two profiles. */
export interface ShareTest {
  delta: number;
  /** Two-sided p-value of "the share did not change". */
  p: number;
  /** The interval of `delta` at the stated confidence (not corrected for the number of rows). */
  low: number;
  high: number;
  basis: NoiseBasis;
}

/**
 * Compares a row's share in `base` and `current`, each side with its own wobble τ² (see
 * runWobble). Under "no change" both sides share one p, so each side's variance is taken at the
 * pooled share: a row absent on one side still has one. A side with one run has no τ² of its
 * own: it borrows the other side's when that one has several runs, since both ran on one
 * machine; with one run each, the test is sampling-only.
 */
export function compareShares(base: RunCounts, current: RunCounts, tau2Base: number, tau2Current: number, confidence = DEFAULT_CONFIDENCE): ShareTest {
  const nb = sum(base.totals);
  const nc = sum(current.totals);
  const cb = sum(base.counts);
  const cc = sum(current.counts);
  const delta = (nc > 0 ? cc / nc : 0) - (nb > 0 ? cb / nb : 0);
  const runsB = base.totals.length >= 2;
  const runsC = current.totals.length >= 2;
  const basis: NoiseBasis = runsB || runsC ? 'runs' : 'sampling';
  if (nb <= 0 || nc <= 0) return { delta, p: 1, low: -1, high: 1, basis };
  const tB = runsB ? tau2Base : runsC ? tau2Current : 0;
  const tC = runsC ? tau2Current : runsB ? tau2Base : 0;
  const pooled = (cb + cc) / (nb + nc);
  const se = Math.sqrt(shareVariance(base, tB, pooled) + shareVariance(current, tC, pooled));
  const z = se > 0 ? Math.abs(delta) / se : delta === 0 ? 0 : Infinity;
  const p = Math.min(1, 2 * normalUpperTail(z));
  const half = normalQuantile(1 - (1 - confidence) / 2) * se;
  return { delta, p, low: delta - half, high: delta + half, basis };
}

/**
 * Which of many tests are discoveries at false-discovery rate `q` (Benjamini–Hochberg). When
 * nothing changed at all, the chance of even one false alarm among all the rows is at most q;
 * when some rows did change, it finds them with far more power than a per-row Bonferroni bound.
 */
export function discoveries(pValues: readonly number[], q = 1 - DEFAULT_CONFIDENCE): boolean[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  let cut = -1;
  for (let k = m - 1; k >= 0; k--) {
    if (order[k]![0] <= ((k + 1) / m) * q) {
      cut = k;
      break;
    }
  }
  const out = new Array<boolean>(m).fill(false);
  for (let k = 0; k <= cut; k++) out[order[k]![1]] = true;
  return out;
}

/** The change of a per-run measure (the program's wall time) between two sets of runs. */
export interface MeanTest {
  /** mean(current) − mean(base). */
  delta: number;
  /** Two-sided p-value of "the mean did not change" (Welch's t-test); 1 when a side has fewer than two runs. */
  p: number;
  /** The interval of `delta` at the stated confidence; undefined when a side has fewer than two runs. */
  low?: number;
  high?: number;
}

/**
 * Compares two sets of runs' values (Welch's t-test, which assumes neither equal variances nor
 * equal counts). The values are whole runs, independent of each other, so unlike a share no
 * sampling model is needed: the runs' own spread is the noise.
 */
export function compareMeans(base: readonly number[], current: readonly number[], confidence = DEFAULT_CONFIDENCE): MeanTest {
  const mb = mean(base);
  const mc = mean(current);
  const delta = mc - mb;
  if (base.length < 2 || current.length < 2) return { delta, p: 1 };
  const vb = variance(base) / base.length;
  const vc = variance(current) / current.length;
  const se = Math.sqrt(vb + vc);
  if (se === 0) return { delta, p: delta === 0 ? 1 : 0, low: delta, high: delta };
  // Welch–Satterthwaite degrees of freedom.
  const df = (vb + vc) ** 2 / (vb ** 2 / (base.length - 1) + vc ** 2 / (current.length - 1));
  const half = studentQuantile(1 - (1 - confidence) / 2, df) * se;
  return { delta, p: Math.min(1, 2 * studentUpperTail(Math.abs(delta) / se, df)), low: delta - half, high: delta + half };
}

/** A mean of runs' values with its interval (Student's t); the interval is absent for one run. */
export function meanInterval(xs: readonly number[], confidence = DEFAULT_CONFIDENCE): { mean: number; low?: number; high?: number } {
  const m = mean(xs);
  if (xs.length < 2) return { mean: m };
  const half = studentQuantile(1 - (1 - confidence) / 2, xs.length - 1) * Math.sqrt(variance(xs) / xs.length);
  return { mean: m, low: m - half, high: m + half };
}

/** P(T > t) for Student's t with `df` degrees of freedom (through the regularized incomplete beta function). */
export function studentUpperTail(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 0 : 1;
  const tail = 0.5 * incompleteBeta(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? tail : 1 - tail;
}

/** Student's t quantile, by bisection on studentUpperTail (60 halvings: far below any printed digit). */
export function studentQuantile(u: number, df: number): number {
  if (u <= 0) return -Infinity;
  if (u >= 1) return Infinity;
  if (u < 0.5) return -studentQuantile(1 - u, df);
  let lo = 0;
  let hi = 1;
  while (1 - studentUpperTail(hi, df) < u) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (1 - studentUpperTail(mid, df) < u) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The regularized incomplete beta function I_x(a, b) (Numerical Recipes' continued fraction). */
function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    for (const num of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
function logGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = g[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += g[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : sum(xs) / xs.length;
}

function variance(xs: readonly number[]): number {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
}

/** The Wilson score interval of a binomial share: well-behaved at 0 and 1 and on small counts, where p ± z·se is not. */
function wilson(p: number, n: number, z: number): { low: number; high: number } {
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** P(Z > z) for a standard normal Z; accurate to about 1e-7 relative, ample for p-values compared with 0.05/m. */
export function normalUpperTail(z: number): number {
  if (!Number.isFinite(z)) return z > 0 ? 0 : 1;
  return 0.5 * erfc(z / Math.SQRT2);
}

/** The standard normal's quantile (Acklam's rational approximation, refined by one Halley step). */
export function normalQuantile(u: number): number {
  if (u <= 0) return -Infinity;
  if (u >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lowTail = 0.02425;
  let x: number;
  if (u < lowTail) {
    const q = Math.sqrt(-2 * Math.log(u));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (u <= 1 - lowTail) {
    const q = u - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - u));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const e = 0.5 * erfc(-x / Math.SQRT2) - u;
  const g = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - g / (1 + (x * g) / 2);
}

/** The complementary error function (Numerical Recipes' erfcc, fractional error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
