// How the daemon and `flame record` draw a flame graph: the profile's folded stacks piped through
// flame-native's `svg` (native/, flame's one renderer, the binary bin/flame runs for `flame svg`),
// the SVG read back. Spawning costs a few milliseconds, far less than drawing a real profile.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, FlameError } from '../../common/errors.js';
import { svgFlags, type SvgOptions } from './svg-options.js';

/** The binary `npm run build` makes; bin/flame execs the same path for `flame fold` and `flame svg`. */
export const NATIVE_BINARY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'target', 'release', 'flame-native');

/** The command that builds it, for messages. */
export const NATIVE_BUILD = 'npm run build (or cargo build --release --manifest-path native/Cargo.toml)';

/** flame-native's exit code when --max-frames refuses a graph. */
const TOO_MANY_FRAMES = 3;

export type Rendered =
  | { svg: Buffer }
  /** More frames than `maxFrames`: nothing was drawn. */
  | { tooBig: { frames: number; depth: number } };

export interface RenderLimits {
  /** Draw nothing when the graph would have more frames than this. */
  maxFrames?: number;
}

/**
 * Draw `stacks` (folded stack → count, in the order a flame chart keeps). A profile without
 * samples gives the SVG that says so, as `flame svg` does.
 */
export function renderSvg(stacks: Iterable<[string, number]>, opts: SvgOptions, limits: RenderLimits = {}): Promise<Rendered> {
  const args = ['svg', ...svgFlags(opts)];
  if (limits.maxFrames !== undefined) args.push(`--max-frames=${limits.maxFrames}`);
  return new Promise((resolve, reject) => {
    const child = spawn(NATIVE_BINARY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    // An early exit (a refused graph) closes the pipe while stacks are still being written.
    child.stdin.on('error', () => {});
    child.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? `flame-native is not built (${NATIVE_BINARY})` : `flame-native could not be started: ${e.message}`;
      reject(new FlameError(ErrorCodes.ToolMissing, `${why}; flame draws its flame graphs with it: run ${NATIVE_BUILD}`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8').trim();
      const svg = Buffer.concat(out);
      const big = /would draw (\d+) frames, up to (\d+) deep/.exec(stderr);
      if (code === 0 || (code === 1 && /No stack counts found/.test(stderr) && svg.length > 0)) resolve({ svg });
      else if (code === TOO_MANY_FRAMES && big) resolve({ tooBig: { frames: Number(big[1]), depth: Number(big[2]) } });
      else {
        const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
        reject(new FlameError(ErrorCodes.Internal, `drawing the flame graph failed: flame-native ${how}${stderr ? ` (${stderr})` : ''}; if it persists, rebuild it with ${NATIVE_BUILD}`));
      }
    });
    void feed(child.stdin, stacks);
  });
}

/** Write the stacks as folded lines with backpressure, in pieces of about 64 KB. */
async function feed(stdin: NodeJS.WritableStream, stacks: Iterable<[string, number]>): Promise<void> {
  let piece = '';
  for (const [stack, count] of stacks) {
    // A line break inside a name would split its line; the name is shown, so a space does.
    piece += `${/[\r\n]/.test(stack) ? stack.replace(/[\r\n]/g, ' ') : stack} ${count}\n`;
    if (piece.length >= 65536) {
      if (!stdin.write(piece)) await new Promise<void>((r) => { stdin.once('drain', r); stdin.once('close', r); });
      piece = '';
    }
  }
  stdin.end(piece);
}
