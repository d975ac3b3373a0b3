// `flame svg`: folded stacks (a file or stdin) to a flame graph SVG on stdout, a drop-in for
// inferno-flamegraph. The SVG flags are exported so that other verbs (record) accept the same ones.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FlameError, ErrorCodes } from '../../../common/errors.js';
import { PALETTES, readFolded, writeSvg, type FlameTree, type SvgOptions } from '../../../engine/render/svg.js';
import { SVG_RULES } from '../../../protocol/validate.js';
import { checkFlags } from '../args.js';
import { UsageError } from '../main.js';
import { checkStdin, ioReason, writeStdout } from '../render.js';

type Flags = NonNullable<ParseArgsConfig['options']>;

/** The SVG options as flags; inferno-flamegraph's spellings are accepted as aliases. */
export const SVG_FLAGS = {
  title: { type: 'string' },
  subtitle: { type: 'string' },
  inverted: { type: 'boolean', short: 'i' },
  reverse: { type: 'boolean' },
  'min-width': { type: 'string' },
  minwidth: { type: 'string' },
  palette: { type: 'string' },
  colors: { type: 'string', short: 'c' },
  deterministic: { type: 'boolean' },
  hash: { type: 'boolean' },
  flamechart: { type: 'boolean' },
  notes: { type: 'string' },
  'image-width': { type: 'string' },
  width: { type: 'string' },
  countname: { type: 'string' },
  nametype: { type: 'string' },
  'font-size': { type: 'string' },
  fontsize: { type: 'string' },
  'font-width': { type: 'string' },
  fontwidth: { type: 'string' },
  'font-type': { type: 'string' },
  fonttype: { type: 'string' },
  'frame-height': { type: 'string' },
  height: { type: 'string' },
} as const satisfies Flags;

export const SVG_HELP = `Flame graph options:
  --title TEXT           the title (default "Flame Graph", "Flame Chart" with --flamechart)
  --subtitle TEXT        a second line under the title
  -i, --inverted         an icicle graph: callers at the top
  --reverse              reverse each stack before merging (callees at the root)
  --min-width PCT        omit frames narrower than PCT% of the total (default 0.01)
  -c, --palette NAME     frame colours (alias --colors): ${PALETTES.join(', ')} (default hot);
                         rust sets std/core/alloc apart from your crates
  --deterministic        colour by a hash of the name: the same input gives the same bytes
  --hash                 colour so that similar names get similar colours (also deterministic)
  --flamechart           keep input order as a time series instead of merging by name
  --notes TEXT           a note kept in a comment in the SVG
  --image-width PX       the image width (alias --width; default 1200)
  --countname UNIT       the unit of the counts (default samples)
  --nametype TEXT        the word before a name in the details line (default "Function:")
  --font-size PX         default 12 (alias --fontsize)
  --font-width F         average glyph width / font size, to fit labels (default 0.59)
  --font-type FAMILY     default monospace (alias --fonttype)
  --frame-height PX      default 16 (alias --height)
`;

const HELP = `Usage: flame svg [options] [FOLDED...|-]

Render folded stacks ("frame;frame;frame COUNT" lines, as \`flame fold\` or any stackcollapse
tool prints them) as an interactive flame graph SVG on stdout: hover for details, click to zoom,
Ctrl-F to search. Reads stdin when no file (or -) is given.

Malformed lines are skipped with one warning. Without any stack counts the SVG says so and the
exit code is 1, as with inferno-flamegraph.

${SVG_HELP}  -h, --help             this help
`;

type FlagValues = { [K in keyof typeof SVG_FLAGS]?: (typeof SVG_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

/** Turn parsed SVG flags into SvgOptions, with UsageErrors for bad values. */
export function svgOptionsFromFlags(v: FlagValues): SvgOptions {
  const o: SvgOptions = {};
  if (v.title !== undefined) o.title = v.title;
  if (v.subtitle !== undefined) o.subtitle = v.subtitle;
  if (v.inverted) o.inverted = true;
  if (v.reverse) o.reverse = true;
  if (v.deterministic) o.deterministic = true;
  if (v.hash) o.hash = true;
  if (v.flamechart) o.flamechart = true;
  if (v.notes !== undefined) o.notes = v.notes;
  if (v.countname !== undefined) o.countName = v.countname;
  if (v.nametype !== undefined) o.nameType = v.nametype;
  const palette = v.palette ?? v.colors;
  if (palette !== undefined) o.palette = palette as SvgOptions['palette'];
  const minWidth = v['min-width'] ?? v.minwidth;
  // Tolerate a trailing % on --min-width, as people write it.
  if (minWidth !== undefined) o.minWidth = numberText(minWidth.replace(/%$/, ''));
  const width = v['image-width'] ?? v.width;
  if (width !== undefined) o.imageWidth = numberText(width);
  const fontSize = v['font-size'] ?? v.fontsize;
  if (fontSize !== undefined) o.fontSize = numberText(fontSize);
  const fontWidth = v['font-width'] ?? v.fontwidth;
  if (fontWidth !== undefined) o.fontWidth = numberText(fontWidth);
  const fontType = v['font-type'] ?? v.fonttype;
  if (fontType !== undefined) o.fontType = fontType;
  const frameHeight = v['frame-height'] ?? v.height;
  if (frameHeight !== undefined) o.frameHeight = numberText(frameHeight);
  // The daemon's rules for profile/export's svg options, worded with the flags as typed.
  const typed = { palette, 'min-width': v['min-width'] ?? v.minwidth, 'image-width': width, 'font-size': fontSize, 'font-width': fontWidth, 'frame-height': frameHeight };
  checkFlags(o, SVG_RULES, { palette: '--palette', minWidth: '--min-width', imageWidth: '--image-width', fontSize: '--font-size', fontWidth: '--font-width', frameHeight: '--frame-height' }, typed);
  return o;
}

function numberText(s: string): number {
  return s.trim() === '' ? Number.NaN : Number(s);
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...SVG_FLAGS, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}. Run \`flame svg --help\` for the options.`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const opts = svgOptionsFromFlags(values);
  const tree = await readInputs(positionals.length === 0 ? ['-'] : positionals, opts);
  if (tree.malformed > 0) {
    process.stderr.write(`warning: skipped ${tree.malformed} malformed ${tree.malformed === 1 ? 'line' : 'lines'} (want "frame;frame COUNT"), the first: ${JSON.stringify(tree.firstMalformed ?? '')}\n`);
  }
  if (tree.fractional) process.stderr.write('warning: fractional counts were truncated to whole numbers\n');
  const chunks: Uint8Array[] = [];
  writeSvg(tree, opts, (s) => chunks.push(s));
  await writeStdout(chunks);
  if (tree.total <= 0) {
    process.stderr.write('error: No stack counts found in the input (the SVG written says so)\n');
    return 1;
  }
  return 0;
}

async function readInputs(files: string[], opts: SvgOptions): Promise<FlameTree> {
  // Several inputs are read as one stream, as inferno does, so that merging spans them all.
  // Each is decoded on its own: a character cut at the end of one does not join the next.
  async function* all(): AsyncGenerator<string> {
    for (const f of files) {
      const decoder = new StringDecoder('utf8');
      if (f === '-') {
        checkStdin();
        for await (const chunk of process.stdin) yield decoder.write(chunk as Buffer);
        yield decoder.end() + '\n';
        continue;
      }
      const stream = createReadStream(f, { highWaterMark: 1 << 20 });
      try {
        for await (const chunk of stream) yield decoder.write(chunk as Buffer);
      } catch (err) {
        throw new FlameError(ErrorCodes.BadInput, `cannot read ${f}: ${ioReason(err)}`, { cause: err });
      }
      // An input that does not end in a newline must not run into the next one.
      yield decoder.end() + '\n';
    }
  }
  return readFolded(all(), opts);
}

