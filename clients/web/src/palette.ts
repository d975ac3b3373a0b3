// The flame graph's colours as a fixed set of buckets, so the canvas fills all frames of one
// colour with a single path: a warm palette by name hash, diff steps, search match and hover.
/** Colour buckets: warm palette, its shaded copy (ancestors of the zoomed frame), diff steps and their shaded copy, match, hover. */
export const WARM = 32;
export const DIFF_HALF = 10;
export const DIFF_STEPS = DIFF_HALF * 2 + 1;
export const MATCH = WARM * 2 + DIFF_STEPS * 2;
export const HOVER = MATCH + 1;
export const BUCKETS = HOVER + 1;
export const PALETTE: string[] = (() => {
  const warm: Array<[number, number, number]> = [];
  for (let k = 0; k < WARM; k++) {
    const v = (k * 0.618034) % 1;
    warm.push([205 + Math.floor(50 * v), 80 + Math.floor((150 * ((k * 7) % WARM)) / WARM), 40 + Math.floor((40 * ((k * 13) % WARM)) / WARM)]);
  }
  const diff: Array<[number, number, number]> = [];
  for (let k = -DIFF_HALF; k <= DIFF_HALF; k++) diff.push(diffRgb(k / DIFF_HALF));
  const css = (c: [number, number, number], f = 1) => `rgb(${Math.round(c[0] * f)},${Math.round(c[1] * f)},${Math.round(c[2] * f)})`;
  return [...warm.map((c) => css(c)), ...warm.map((c) => css(c, 0.8)), ...diff.map((c) => css(c)), ...diff.map((c) => css(c, 0.8)), '#e040fb', '#ffd75e'];
})();

/** A palette bucket from the name's hash, stable across profiles. */
export function warmBucket(name: string): number {
  let h = 2166136261;
  for (let k = 0; k < name.length; k++) h = Math.imul(h ^ name.charCodeAt(k), 16777619);
  return (h >>> 0) % WARM;
}

/** Red for growth, blue for shrinkage, light grey for no change; d is normalised to -1..1. */
function diffRgb(d: number): [number, number, number] {
  const a = Math.min(1, Math.abs(d));
  const fade = Math.round(235 - 180 * a);
  return d > 0 ? [255, fade, fade] : d < 0 ? [fade, fade, 255] : [235, 235, 235];
}
