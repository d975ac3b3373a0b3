// What shapes a flame graph, as plain data: the daemon's `profile/export` takes it over the wire,
// the CLI's SVG flags produce it, and native.ts turns it into flame-native's flags.

/** The palettes `--palette` accepts (the names inferno-flamegraph's `--colors` takes). */
export const PALETTES = ['hot', 'mem', 'io', 'wakeup', 'java', 'js', 'perl', 'rust', 'red', 'green', 'blue', 'aqua', 'yellow', 'purple', 'orange'] as const;
export type PaletteName = (typeof PALETTES)[number];

export function isPalette(s: string): s is PaletteName {
  return (PALETTES as readonly string[]).includes(s);
}

/** Everything that shapes a flame graph. Plain data: it also crosses the wire. */
export interface SvgOptions {
  /** Default "Flame Graph" ("Flame Chart" with `flamechart`). */
  title?: string;
  subtitle?: string;
  /** An icicle graph: the root at the top. */
  inverted?: boolean;
  /** Reverse each stack before merging (callees at the root). */
  reverse?: boolean;
  /** Omit frames narrower than this percent of the total. Default 0.01. */
  minWidth?: number;
  /** Default "hot". */
  palette?: PaletteName;
  /** Colour by a hash of the name instead of at random: the same input gives the same bytes. */
  deterministic?: boolean;
  /** Colour so that similar names get similar colours (FlameGraph's --hash); also deterministic. */
  hash?: boolean;
  /** Keep input order as a time series instead of sorting and merging by name. */
  flamechart?: boolean;
  /** Text kept in a comment at the top of the SVG. */
  notes?: string;
  /** Default 1200. */
  imageWidth?: number;
  /** The unit of the counts. Default "samples". */
  countName?: string;
  /** The word before a frame's name in the details line. Default "Function:". */
  nameType?: string;
  /** Default 12. */
  fontSize?: number;
  /** The average glyph width as a fraction of the font size, to fit labels. Default 0.59. */
  fontWidth?: number;
  /** Default "monospace". */
  fontType?: string;
  /** Default 16. */
  frameHeight?: number;
  /** Fill of frames matching a search. Default "#e600e6". */
  searchColor?: string;
}

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
