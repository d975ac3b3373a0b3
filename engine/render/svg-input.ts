// What flame-native is given to draw a stored profile: its folded stacks, with the noise the
// engine knows as `# flame:` notes (native/src/svg_notes.rs), which inferno would read as
// comments. A profile's graph gets every frame's share band in its tooltip; a differential graph
// of two profiles (inferno-diff-folded's two counts) greys the changes that are within noise.
// The bands and the significance are engine/query's (noise.ts, diff.ts), decided there once.
import type { SvgOptions } from '../../protocol/types.js';
import type { ProfileData } from '../profile/profile.js';
import { diffProfiles } from '../query/diff.js';
import { foldedWithBands, type FrameBand } from '../query/noise.js';
import { foldedStacks } from '../query/query.js';
import type { SvgStack } from './native.js';

/** A profile's stacks, each with the bands of the frames it is the first to pass through (none in a flame chart, whose frames are not call paths). */
export function profileSvgStacks(p: ProfileData, opts: SvgOptions = {}): SvgStack[] {
  if (opts.flamechart) return [...foldedStacks(p)];
  const out: SvgStack[] = [];
  for (const [stack, { count, bands }] of foldedWithBands(p, opts.reverse === true)) {
    // flame-native skips a line of no samples, and a note after it would name the wrong frame.
    if (!(count > 0)) continue;
    out.push([stack, count, { notes: bands.map((b) => `band ${b.depth} ${bandText(b, p.runs.length)}`) }]);
  }
  return out;
}

/** The tooltip's band after a frame's share, half its width in points: "±0.80, 5 runs", or "±0.41, sampling" for one run. */
export function bandText({ band }: FrameBand, runs: number): string {
  const half = ((100 * (band.high - band.low)) / 2).toFixed(2);
  return `±${half}, ${band.basis === 'runs' ? `${runs} runs` : 'sampling'}`;
}

/**
 * `base` → `current` as a differential graph's two-count lines: widths are the current counts,
 * and the base's are scaled to the current total (as inferno-diff-folded --normalize), so that a
 * frame's change is its change of share, in points, as `flame diff` gives it. Functions whose
 * change `flame diff` does not call significant are noted as within noise.
 */
export function diffSvgStacks(base: ProfileData, current: ProfileData): SvgStack[] {
  const before = foldedStacks(base);
  const after = foldedStacks(current);
  const scale = base.totalSamples > 0 ? current.totalSamples / base.totalSamples : 0;
  const out: SvgStack[] = [];
  for (const [stack, count] of after) out.push([stack, count, { before: Math.round((before.get(stack) ?? 0) * scale) }]);
  for (const [stack, count] of before) if (!after.has(stack)) out.push([stack, 0, { before: Math.round(count * scale) }]);
  const noise = diffProfiles(base, current)
    .functions.filter((f) => !f.significant)
    .map((f) => `within-noise ${f.name.replace(/;/g, ':')}`);
  if (out.length > 0) out[0] = [out[0]![0], out[0]![1], { ...out[0]![2], notes: noise }];
  return out;
}
