// One 951k-frame stack (a runaway recursion) made a 194 MB SVG that no browser opens. The graphs
// flame writes of its own profiles (`flame record`, `profile/export`) are checked first: the
// renderer counts the frames it would draw (flame-native's --max-frames) and draws none past the
// limit; `flame svg` stays inferno-flamegraph's equal and draws whatever it is given.
import { Renderer, type Rendered, type SvgStack } from './native.js';
import type { FrameOrigin, SvgOptions } from '../../protocol/types.js';

/** About 40 MB of SVG, already more than a browser draws without stalling (FLAME_SVG_MAX_FRAMES). */
export const DEFAULT_SVG_MAX_FRAMES = 200_000;
/** A drawn frame takes about this many bytes of SVG (measured on inferno-style output). */
const BYTES_PER_FRAME = 205;

/** FLAME_SVG_MAX_FRAMES, else the default. */
export function svgMaxFrames(): number {
  const v = Number(process.env.FLAME_SVG_MAX_FRAMES);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : DEFAULT_SVG_MAX_FRAMES;
}

/** Why a graph of `frames` frames up to `depth` deep is not written, and what to do instead. */
export function svgTooBig(size: { frames: number; depth: number }, max: number): string {
  const { frames, depth } = size;
  const mb = Math.round((frames * BYTES_PER_FRAME) / 1e6);
  return `the flame graph would draw ${frames} frames, up to ${depth} deep (about ${mb} MB of SVG), past the limit of ${max} a browser can open; a stack that deep is usually a runaway recursion. Look at the profile with \`flame web\` (drawn on a canvas) or \`flame top\`, raise --min-width to leave out narrow frames, or set FLAME_SVG_MAX_FRAMES=${frames} to write it anyway`;
}

export interface GuardOptions {
  /** Default svgMaxFrames(). */
  maxFrames?: number;
  /** A renderer started ahead (Renderer); default a new one. */
  renderer?: Renderer;
  /** Each frame name's origin, for the rust palette. */
  origins?: Map<string, FrameOrigin>;
}

/** The SVG of a profile's stacks, or why none was drawn (too big, in svgTooBig's words). */
export async function renderGuarded(stacks: Iterable<SvgStack>, opts: SvgOptions, how: GuardOptions = {}): Promise<{ svg: Buffer } | { tooBig: string }> {
  const max = how.maxFrames ?? svgMaxFrames();
  const r: Rendered = await (how.renderer ?? new Renderer()).render(stacks, opts, { maxFrames: max, origins: how.origins });
  return 'svg' in r ? r : { tooBig: svgTooBig(r.tooBig, max) };
}
