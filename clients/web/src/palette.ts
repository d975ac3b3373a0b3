// The flame graph's colours as a fixed set of buckets, so the canvas fills all frames of one
// colour with a single path: a family of shades per frame origin (the workspace's crates warm as
// a flame graph's, dependencies violet, std teal, libc green, the kernel brown, unknown grey; a
// shade by name hash), diff steps, search match and hover.
import { FRAME_ORIGINS, type FrameOrigin } from '../../../protocol/types.js';

/** Shades per origin; the origins' families fill the first FRAME_ORIGINS.length * SHADES buckets. */
const SHADES = 5;
/** Each origin's base colour: what the legend shows. */
export const ORIGIN_RGB: Record<FrameOrigin, [number, number, number]> = {
  workspace: [235, 120, 50],
  dependency: [175, 130, 230],
  std: [90, 180, 205],
  libc: [120, 200, 100],
  kernel: [185, 150, 110],
  unknown: [200, 200, 200],
};

/** Colour buckets: origin families, their shaded copy (ancestors of the zoomed frame), diff steps and their shaded copy, match, hover. */
export const WARM = 32;
export const DIFF_HALF = 10;
export const DIFF_STEPS = DIFF_HALF * 2 + 1;
export const MATCH = WARM * 2 + DIFF_STEPS * 2;
export const HOVER = MATCH + 1;
export const BUCKETS = HOVER + 1;
export const PALETTE: string[] = (() => {
  const warm: Array<[number, number, number]> = [];
  for (const o of FRAME_ORIGINS) for (let k = 0; k < SHADES; k++) warm.push(shade(ORIGIN_RGB[o], k));
  while (warm.length < WARM) warm.push(ORIGIN_RGB.unknown);
  const diff: Array<[number, number, number]> = [];
  for (let k = -DIFF_HALF; k <= DIFF_HALF; k++) diff.push(diffRgb(k / DIFF_HALF));
  const css = (c: [number, number, number], f = 1) => `rgb(${Math.round(c[0] * f)},${Math.round(c[1] * f)},${Math.round(c[2] * f)})`;
  return [...warm.map((c) => css(c)), ...warm.map((c) => css(c, 0.8)), ...diff.map((c) => css(c)), ...diff.map((c) => css(c, 0.8)), '#e040fb', '#ffd75e'];
})();

/** An origin's colour as CSS, for the legend. */
export function originCss(o: FrameOrigin): string {
  const [r, g, b] = ORIGIN_RGB[o];
  return `rgb(${r},${g},${b})`;
}

/** A palette bucket from the frame's origin and its name's hash (the shade), stable across profiles. */
export function warmBucket(name: string, origin: FrameOrigin = 'unknown'): number {
  let h = 2166136261;
  for (let k = 0; k < name.length; k++) h = Math.imul(h ^ name.charCodeAt(k), 16777619);
  return FRAME_ORIGINS.indexOf(origin) * SHADES + ((h >>> 0) % SHADES);
}

/** Shade k of a family: the base colour, lighter or darker by a few steps (grey stays grey). */
function shade(c: [number, number, number], k: number): [number, number, number] {
  const f = 0.88 + 0.06 * k;
  return [Math.min(255, Math.round(c[0] * f)), Math.min(255, Math.round(c[1] * f)), Math.min(255, Math.round(c[2] * f))];
}

/** Red for growth, blue for shrinkage, light grey for no change; d is normalised to -1..1. */
function diffRgb(d: number): [number, number, number] {
  const a = Math.min(1, Math.abs(d));
  const fade = Math.round(235 - 180 * a);
  return d > 0 ? [255, fade, fade] : d < 0 ? [fade, fade, 255] : [235, 235, 235];
}
