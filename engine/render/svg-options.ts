// SvgOptions (protocol/types.ts: the daemon's `profile/export` takes them over the wire, the
// CLI's SVG flags produce them) as flame-native's flags.
import type { SvgOptions } from '../../protocol/types.js';

/** flame-native's flag for each option (`flame svg --help` lists them). */
const FLAGS: { [K in keyof Required<SvgOptions>]: string } = {
  title: 'title',
  subtitle: 'subtitle',
  inverted: 'inverted',
  reverse: 'reverse',
  minWidth: 'min-width',
  palette: 'palette',
  deterministic: 'deterministic',
  hash: 'hash',
  flamechart: 'flamechart',
  notes: 'notes',
  imageWidth: 'image-width',
  countName: 'countname',
  nameType: 'nametype',
  fontSize: 'font-size',
  fontWidth: 'font-width',
  fontType: 'font-type',
  frameHeight: 'frame-height',
  searchColor: 'search-color',
};

/** The options as `flame svg` flags; `--name=value`, so that a value starting with '-' stays a value. */
export function svgFlags(opts: SvgOptions): string[] {
  const out: string[] = [];
  for (const [key, flag] of Object.entries(FLAGS) as [keyof SvgOptions, string][]) {
    const v = opts[key];
    if (v === undefined || v === false) continue;
    // A NUL cannot be in an argument (it ends one on --stdin-args); XML has none either, so it
    // is drawn as U+FFFD, as other characters XML forbids are.
    out.push(v === true ? `--${flag}` : `--${flag}=${String(v).replace(/\0/g, '\uFFFD')}`);
  }
  return out;
}
