// How the daemon and `flame record` draw a flame graph: the profile's folded stacks piped through
// flame-native's `svg` (native/, flame's one renderer, the binary bin/flame runs for `flame svg`),
// the SVG read back. Spawning costs a few milliseconds (ten on a loaded machine), more than
// drawing a small profile: `flame record` starts its renderer before it needs it.
import { spawn, type ChildProcessWithoutNullStreams } from '../../common/spawn.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, FlameError } from '../../common/errors.js';
import type { FrameOrigin, SvgOptions } from '../../protocol/types.js';
import { svgFlags } from './svg-options.js';

/** The binary `npm run build` makes; bin/flame execs the same path for `flame fold` and `flame svg`. */
export const NATIVE_BINARY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'target', 'release', 'flame-native');

/** The command that builds it, for messages. */
export const NATIVE_BUILD = 'npm run build (or cargo build --release --manifest-path native/Cargo.toml)';

/** Why flame-native did not start (`error` from spawn), what it is needed for (`role`), and the fix. */
export function notStarted(error: NodeJS.ErrnoException, role: string): FlameError {
  const why = error.code === 'ENOENT' ? `flame-native is not built (${NATIVE_BINARY})` : `flame-native could not be started: ${error.message}`;
  return new FlameError(ErrorCodes.ToolMissing, `${why}; ${role}: run ${NATIVE_BUILD}`, { cause: error });
}

/** flame-native's exit code when --max-frames refuses a graph. */
const TOO_MANY_FRAMES = 3;

export type Rendered =
  | { svg: Buffer }
  /** More frames than `maxFrames`: nothing was drawn. */
  | { tooBig: { frames: number; depth: number } };

/**
 * A stack to draw: its count, and for a differential graph the count before (the line is then
 * inferno-diff-folded's `stack BEFORE AFTER`); `notes` are written after its line as
 * `# flame: NOTE` (native/src/svg_notes.rs: a frame's band, a name whose change is noise).
 */
export type SvgStack = readonly [stack: string, count: number, extra?: { before?: number; notes?: readonly string[] }];

export interface RenderLimits {
  /** Draw nothing when the graph would have more frames than this. */
  maxFrames?: number;
  /** Each frame name's origin (engine/profile/origin.ts), which the rust palette colours by. */
  origins?: Map<string, FrameOrigin>;
}

/**
 * A flame-native `svg` process started ahead of its work, waiting for its options and stacks on
 * stdin (--stdin-args): `flame record` starts one when it starts, so that spawning it is not part
 * of the wait between the program's end and the graph on disk. Used once; `cancel` if unused.
 */
export class Renderer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string; error?: NodeJS.ErrnoException }>;
  private used = false;

  constructor() {
    // In a process group of its own: the Ctrl-C a terminal sends to flame's group, which flame
    // record survives to draw what was recorded, must not kill the renderer. It still ends with
    // flame: stdin closes, and it exits.
    this.child = spawn(NATIVE_BINARY, ['svg', '--stdin-args'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    this.child.stdout.on('data', (c: Buffer) => out.push(c));
    this.child.stderr.on('data', (c: Buffer) => err.push(c));
    // An early exit (a refused graph) closes the pipe while stacks are still being written.
    this.child.stdin.on('error', () => {});
    this.done = new Promise((resolve) => {
      let error: NodeJS.ErrnoException | undefined;
      this.child.on('error', (e: NodeJS.ErrnoException) => {
        error = e;
        resolve({ code: null, signal: null, stdout: Buffer.alloc(0), stderr: '', error });
      });
      this.child.on('close', (code, signal) =>
        resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8').trim(), ...(error ? { error } : {}) }),
      );
    });
  }

  /**
   * Draw `stacks` (folded stack and count, in the order a flame chart keeps). A profile without
   * samples gives the SVG that says so, as `flame svg` does.
   */
  async render(stacks: Iterable<SvgStack>, opts: SvgOptions, limits: RenderLimits = {}): Promise<Rendered> {
    if (this.used) throw new Error('a Renderer draws one graph');
    this.used = true;
    const args = svgFlags(opts);
    if (limits.maxFrames !== undefined) args.push(`--max-frames=${limits.maxFrames}`);
    if (limits.origins && opts.palette === 'rust') args.push(`--origins=${[...limits.origins].map(([name, o]) => `${o[0]} ${name}`).join('\n')}`);
    if (this.child.stdin.writable) this.child.stdin.write(`${args.map((a) => `${a}\0`).join('')}\0`);
    void feed(this.child.stdin, stacks);
    const { code, signal, stdout, stderr, error } = await this.done;
    if (error) throw notStarted(error, 'flame draws its flame graphs with it');
    const big = /would draw (\d+) frames, up to (\d+) deep/.exec(stderr);
    if (code === 0 || (code === 1 && /No stack counts found/.test(stderr) && stdout.length > 0)) return { svg: stdout };
    if (code === TOO_MANY_FRAMES && big) return { tooBig: { frames: Number(big[1]), depth: Number(big[2]) } };
    const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
    throw new FlameError(
      ErrorCodes.Internal,
      `drawing the flame graph failed: flame-native ${how}${stderr ? ` (${stderr})` : ''}; if it persists, rebuild it with ${NATIVE_BUILD}`,
    );
  }

  /** Stop a renderer that will not be used. */
  cancel(): void {
    if (this.used) return;
    this.used = true;
    this.child.kill();
  }
}

/** Draw `stacks` with a renderer started for it (Renderer.render). */
export function renderSvg(stacks: Iterable<SvgStack>, opts: SvgOptions, limits: RenderLimits = {}): Promise<Rendered> {
  return new Renderer().render(stacks, opts, limits);
}

/** Write the stacks as folded lines with backpressure, in pieces of about 64 KB. */
async function feed(stdin: NodeJS.WritableStream, stacks: Iterable<SvgStack>): Promise<void> {
  let piece = '';
  for (const [stack, count, extra] of stacks) {
    piece += `${lineSafe(stack)}${extra?.before === undefined ? '' : ` ${extra.before}`} ${count}\n`;
    for (const note of extra?.notes ?? []) piece += `# flame: ${note.replace(/[\r\n]/g, ' ')}\n`;
    if (piece.length >= 65536) {
      if (!stdin.write(piece)) await drained(stdin);
      piece = '';
    }
  }
  stdin.end(piece);
}

/**
 * A stack as one folded line that reads back as it is: a line break inside a name would split
 * its line, and a name ending in a space and digits would read as a first count; the name is
 * shown, so a space, and a no-break space, do.
 */
function lineSafe(stack: string): string {
  const s = /[\r\n]/.test(stack) ? stack.replace(/[\r\n]/g, ' ') : stack;
  return /[ \t]\d+(?:\.\d*)?$/.test(s) ? s.replace(/[ \t](?=\d+(?:\.\d*)?$)/, '\u00a0') : s;
}

/** Until the pipe takes more, or is gone (the binary exited early). */
function drained(stdin: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stdin.off('drain', done);
      stdin.off('close', done);
      resolve();
    };
    stdin.on('drain', done);
    stdin.on('close', done);
  });
}
