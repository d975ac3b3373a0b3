// The SVG flags of `flame record` and `flame exec`: the same spellings and rules as `flame svg`
// (flame-native), parsed into the SvgOptions the renderer takes. inferno-flamegraph's spellings
// are accepted as aliases. The help text is flame-native's own asset, read, not copied.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParseArgsConfig } from 'node:util';
import type { SvgOptions } from '../../protocol/types.js';
import { SVG_RULES } from '../../protocol/validate.js';
import { checkFlags } from './args.js';

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

/** The flags' help (native/assets/svg-options.txt, which `flame svg --help` prints too). */
export const SVG_HELP = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'assets', 'svg-options.txt'),
  'utf8',
);

/**
 * The SVG flags on `flame record` and `flame exec`, where `-c` is cargo-flamegraph's `--cmd`
 * (peer-flags.ts), not inferno's short `--colors`; and their help, saying so.
 */
export const RECORD_SVG_FLAGS = { ...SVG_FLAGS, colors: { type: 'string' } } as const satisfies Flags;
export const RECORD_SVG_HELP = SVG_HELP.replace('  -c, --palette NAME    ', '  --palette NAME        ');

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
  const typed = {
    palette,
    'min-width': v['min-width'] ?? v.minwidth,
    'image-width': width,
    'font-size': fontSize,
    'font-width': fontWidth,
    'frame-height': frameHeight,
  };
  checkFlags(
    o,
    SVG_RULES,
    {
      palette: '--palette',
      minWidth: '--min-width',
      imageWidth: '--image-width',
      fontSize: '--font-size',
      fontWidth: '--font-width',
      frameHeight: '--frame-height',
    },
    typed,
  );
  return o;
}

function numberText(s: string): number {
  return s.trim() === '' ? Number.NaN : Number(s);
}
