// One 951k-frame stack (a runaway recursion) made a 194 MB SVG that no browser opens. The graphs
// flame writes of its own profiles (`flame record`, `profile/export`) are checked first; `flame
// svg` stays inferno-flamegraph's equal and draws whatever it is given.
import { minWidthOf, type FlameTree, type SvgOptions } from './svg.js';

/** About 40 MB of SVG, already more than a browser draws without stalling (FLAME_SVG_MAX_FRAMES). */
export const DEFAULT_SVG_MAX_FRAMES = 200_000;
/** A drawn frame takes about this many bytes of SVG (measured on inferno-style output). */
const BYTES_PER_FRAME = 205;

/** FLAME_SVG_MAX_FRAMES, else the default. */
export function svgMaxFrames(): number {
  const v = Number(process.env.FLAME_SVG_MAX_FRAMES);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_SVG_MAX_FRAMES;
}

/** How many frames writeSvg would draw of `tree` (the root included) and how deep they go. */
export function framesToDraw(tree: FlameTree, opts: SvgOptions): { frames: number; depth: number } {
  if (tree.total <= 0) return { frames: 0, depth: 0 };
  const minSamples = (minWidthOf(opts) / 100) * tree.total;
  let frames = 0;
  let depth = 0;
  const todo = [tree.root];
  const depths = [0];
  while (todo.length > 0) {
    const n = todo.pop()!;
    const d = depths.pop()!;
    frames++;
    if (d > depth) depth = d;
    for (const c of n.children) {
      if (c.total < minSamples || c.total <= 0) continue;
      todo.push(c);
      depths.push(d + 1);
    }
  }
  return { frames, depth };
}

/** Why the graph of `tree` is not written (what it would be and what to do instead), or undefined when it is fine. */
export function svgTooBig(tree: FlameTree, opts: SvgOptions, max = svgMaxFrames()): string | undefined {
  const { frames, depth } = framesToDraw(tree, opts);
  if (frames <= max) return undefined;
  const mb = Math.round((frames * BYTES_PER_FRAME) / 1e6);
  return `the flame graph would draw ${frames} frames, up to ${depth} deep (about ${mb} MB of SVG), past the limit of ${max} a browser can open; a stack that deep is usually a runaway recursion. Look at the profile with \`flame web\` (drawn on a canvas) or \`flame top\`, raise --min-width to leave out narrow frames, or set FLAME_SVG_MAX_FRAMES=${frames} to write it anyway`;
}
