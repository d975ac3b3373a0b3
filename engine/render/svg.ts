// Folded stacks → a self-contained, interactive flame graph SVG, a drop-in for inferno-flamegraph's
// output (same layout, fg:x/fg:w attributes, palettes). Pure: data in, text out.
import { backgroundFor, displayName, frameRgb, type PaletteName, type ShadeMode } from './svg-palette.js';
import type { SvgOptions } from '../../protocol/types.js';
import { ByteWriter, utf8 } from './svg-writer.js';
import { SVG_SCRIPT, SVG_STYLE } from './svg-script.js';
import { mergeStacks, type FlameNode, type FlameTree } from './svg-tree.js';

export { FlameTreeBuilder, mergeStacks, parseFolded, readFolded, type FlameNode, type FlameTree, type MergeOptions } from './svg-tree.js';
export { PALETTES, isPalette, type PaletteName } from './svg-palette.js';
// The options are the protocol's: `profile/export` carries them, its params check holds them.
export type { SvgOptions };

/** What a render did, for the caller's messages. */
export interface SvgStats {
  /** Frames drawn, the "all" root included. */
  frames: number;
  /** Frames left out for being narrower than minWidth (their callees not counted). */
  omitted: number;
  total: number;
}

/** Render folded stacks ([stack, count] pairs or a Map) as an SVG document. */
export function renderSvg(stacks: Iterable<[string, number]> | Map<string, number>, opts: SvgOptions = {}): string {
  return renderTree(mergeStacks(stacks, opts), opts);
}

/** Render an already merged tree (from readFolded, parseFolded or a FlameTreeBuilder). */
export function renderTree(tree: FlameTree, opts: SvgOptions = {}): string {
  const parts: Uint8Array[] = [];
  writeSvg(tree, opts, (c) => parts.push(c));
  return Buffer.concat(parts).toString('utf8');
}

const XPAD = 10;
const FRAMEPAD = 1;

// The fixed pieces of a frame, encoded once.
const G_TITLE = utf8('<g><title>');
const TITLE_RECT_X = utf8('%)</title><rect x="');
const PCT_Y = utf8('%" y="');
const WIDTH = utf8('" width="');
const FG_X = utf8('" fg:x="');
const FG_W = utf8('" fg:w="');
const TEXT_X = utf8('"/><text x="');
const CLOSE_TEXT = utf8('">');
const END_G = utf8('</text></g>\n');
const DOTS = utf8('..');
const ROOT_PCT = utf8('100');

/**
 * Render `tree` as an SVG, handing it to `write` in chunks of 64 KiB (each chunk is the caller's
 * to keep), so that it can be streamed to a file or socket. The tree's merge options (reverse,
 * flamechart) were applied when it was built; `opts` only shapes the drawing.
 */
export function writeSvg(tree: FlameTree, opts: SvgOptions, write: (chunk: Uint8Array) => void): SvgStats {
  const o = resolve(opts);
  const out = new ByteWriter(write);
  const total = tree.total;
  if (total <= 0) {
    out.text(emptySvg(o));
    out.flush();
    return { frames: 0, omitted: 0, total: 0 };
  }

  // Pass 1: the frames to draw, in pre-order, and the deepest one (the image height needs it).
  const minSamples = (o.minWidth / 100) * total;
  const nodes: FlameNode[] = [];
  const depths: number[] = [];
  const xs: number[] = [];
  const todo: FlameNode[] = [tree.root];
  const todoDepth: number[] = [0];
  const todoX: number[] = [0];
  let omitted = 0;
  let maxDepth = 0;
  while (todo.length > 0) {
    const n = todo.pop()!;
    const d = todoDepth.pop()!;
    const x = todoX.pop()!;
    nodes.push(n);
    depths.push(d);
    xs.push(x);
    if (d > maxDepth) maxDepth = d;
    const kids = n.children;
    // Pushed right to left so that they pop left to right.
    let end = x + n.total - n.self;
    for (let k = kids.length - 1; k >= 0; k--) {
      const c = kids[k]!;
      end -= c.total;
      if (c.total < minSamples || c.total <= 0) {
        if (c.total > 0) omitted++;
        continue;
      }
      todo.push(c);
      todoDepth.push(d + 1);
      todoX.push(end);
    }
  }

  const ypad1 = o.inverted ? o.fontSize * 4 + o.subtitleHeight + 4 : o.fontSize * 3 + o.subtitleHeight;
  const ypad2 = o.inverted ? o.fontSize + 10 : o.fontSize * 2 + 10;
  const height = (maxDepth + 1) * o.frameHeight + ypad1 + ypad2;
  const framesWidth = o.imageWidth - 2 * XPAD;

  const idle = omitted > 0 ? `${omitted} ${omitted === 1 ? 'frame' : 'frames'} narrower than ${o.minWidth}% of the total omitted` : ' ';
  out.text(header(o, height));
  out.text(prelude(o, height, ypad1, ypad2, idle));
  out.text(`<svg id="frames" x="${XPAD}" width="${framesWidth}" total_samples="${total}">\n`);

  // Per-depth y coordinates and per-name bytes are computed once, not per frame.
  const yRect: Uint8Array[] = [];
  const yText: Uint8Array[] = [];
  const rectHeight = o.frameHeight - FRAMEPAD;
  for (let d = 0; d <= maxDepth; d++) {
    const y1 = o.inverted ? ypad1 + d * o.frameHeight : height - ypad2 - (d + 1) * o.frameHeight + FRAMEPAD;
    yRect.push(utf8(String(y1)));
    yText.push(utf8((3 + y1 + rectHeight / 2).toFixed(2)));
  }
  const names = new Map<string, NameInfo>();
  const pctPerSample = 100 / total;
  const charsPerPct = framesWidth / 100 / (o.fontSize * o.fontWidth);
  const textShift = 300 / framesWidth;
  const unit = utf8(` ${escapeXml(o.countName)}, `);
  const heightFill = utf8(`%" height="${rectHeight}" fill="`);
  const random = o.shade === 'random';

  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    const d = depths[i]!;
    const x = xs[i]!;
    const w = n.total;
    let info = names.get(n.name);
    if (info === undefined) {
      const shown = d === 0 && n.name === '' ? 'all' : displayName(n.name);
      const esc = utf8(escapeXml(shown));
      info = { shown, esc, color: random ? -1 : frameRgb(o.palette, n.name, o.shade) };
      names.set(n.name, info);
    }
    const xPct = x * pctPerSample;
    const wPct = w * pctPerSample;
    out.bytes(G_TITLE);
    out.bytes(info.esc);
    out.bytes(SPACE_PAREN);
    out.thousands(w);
    out.bytes(unit);
    if (d === 0) out.bytes(ROOT_PCT);
    else out.fixed2(100 * (w / total));
    out.bytes(TITLE_RECT_X);
    out.fixed4(xPct);
    out.bytes(PCT_Y);
    out.bytes(yRect[d]!);
    out.bytes(WIDTH);
    out.fixed4(wPct);
    out.bytes(heightFill);
    out.rgb(random ? frameRgb(o.palette, n.name, o.shade) : info.color);
    out.bytes(FG_X);
    out.uint(x);
    out.bytes(FG_W);
    out.uint(w);
    out.bytes(TEXT_X);
    out.fixed4(xPct + textShift);
    out.bytes(PCT_Y);
    out.bytes(yText[d]!);
    out.bytes(CLOSE_TEXT);
    const fit = Math.floor(wPct * charsPerPct);
    if (fit >= 3) {
      if (info.shown.length < fit) out.bytes(info.esc);
      else {
        // Plain ASCII names (most) are cut as bytes; others are cut as text, then escaped.
        if (info.esc.length === info.shown.length) out.bytes(info.esc, fit - 2);
        else out.text(escapeXml(info.shown.slice(0, fit - 2)));
        out.bytes(DOTS);
      }
    }
    out.bytes(END_G);
  }
  out.text('</svg>\n</svg>\n');
  out.flush();
  return { frames: nodes.length, omitted, total };
}

const SPACE_PAREN = utf8(' (');

/** Escape text for XML content and double-quoted attributes; drops characters XML 1.0 forbids. */
export function escapeXml(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(ESCAPE_ALL, (c) => ENTITIES[c] ?? '\uFFFD');
}

const NEEDS_ESCAPE = /[&<>"\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const ESCAPE_ALL = /[&<>"\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

interface NameInfo {
  shown: string;
  esc: Uint8Array;
  /** The fill (0xRRGGBB) when it depends on the name only; -1 when drawn at random per frame. */
  color: number;
}

interface Resolved {
  title: string;
  subtitle: string | undefined;
  subtitleHeight: number;
  inverted: boolean;
  minWidth: number;
  palette: PaletteName;
  shade: ShadeMode;
  notes: string;
  imageWidth: number;
  countName: string;
  nameType: string;
  fontSize: number;
  fontWidth: number;
  fontType: string;
  frameHeight: number;
  searchColor: string;
}

/** The narrowest frame drawn, in percent of the total (inferno's --minwidth, default 0.01). */
export function minWidthOf(opts: SvgOptions): number {
  return opts.minWidth !== undefined && opts.minWidth >= 0 ? opts.minWidth : 0.01;
}

function resolve(opts: SvgOptions): Resolved {
  const fontSize = positive(opts.fontSize, 12);
  return {
    title: opts.title ?? (opts.flamechart ? 'Flame Chart' : 'Flame Graph'),
    subtitle: opts.subtitle,
    subtitleHeight: opts.subtitle !== undefined ? fontSize * 2 : 0,
    inverted: opts.inverted === true,
    minWidth: minWidthOf(opts),
    palette: opts.palette ?? 'hot',
    shade: opts.hash ? 'hash' : opts.deterministic ? 'deterministic' : 'random',
    notes: opts.notes ?? '',
    imageWidth: Math.max(positive(opts.imageWidth, 1200), 2 * XPAD + 1),
    countName: opts.countName ?? 'samples',
    nameType: opts.nameType ?? 'Function:',
    fontSize,
    fontWidth: positive(opts.fontWidth, 0.59),
    fontType: opts.fontType ?? 'monospace',
    frameHeight: positive(opts.frameHeight, 16),
    searchColor: opts.searchColor ?? '#e600e6',
  };
}

function positive(v: number | undefined, dflt: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : dflt;
}

function header(o: Resolved, height: number): string {
  const w = o.imageWidth;
  return (
    '<?xml version="1.0" standalone="no"?>\n' +
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' +
    `<svg version="1.1" width="${w}" height="${height}" onload="init(evt)" viewBox="0 0 ${w} ${height}" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:fg="http://github.com/jonhoo/inferno">\n` +
    '<!-- Flame graph rendered by flame. Frame widths are proportional to sample counts; fg:x and fg:w hold them. -->\n' +
    `<!-- NOTES: ${commentSafe(o.notes)} -->\n`
  );
}

function prelude(o: Resolved, height: number, ypad1: number, ypad2: number, idle: string): string {
  const [bg1, bg2] = backgroundFor(o.palette);
  const fs = o.fontSize;
  const w = o.imageWidth;
  const cfg = { nametype: o.nameType, fontsize: fs, fontwidth: o.fontWidth, inverted: o.inverted, searchcolor: o.searchColor };
  const font = /^(?:serif|sans-serif|monospace|cursive|fantasy)$/.test(o.fontType) ? o.fontType : JSON.stringify(o.fontType);
  const bottom = height - ypad2 / 2;
  const out = [
    `<defs><linearGradient id="background" y1="0" y2="1" x1="0" x2="0"><stop stop-color="${escapeXml(bg1)}" offset="5%"/><stop stop-color="${escapeXml(bg2)}" offset="95%"/></linearGradient></defs>\n`,
    `<style type="text/css"><![CDATA[\ntext { font-family:${cdataSafe(font)}; font-size:${fs}px; }\n#title { font-size:${fs + 5}px; }\n${SVG_STYLE}]]></style>\n`,
    `<script type="text/ecmascript"><![CDATA[\nvar flameCfg = ${cdataSafe(JSON.stringify(cfg))};\n${SVG_SCRIPT}]]></script>\n`,
    `<rect x="0" y="0" width="100%" height="${height}" fill="url(#background)"/>\n`,
    text('title', '50%', fs * 2, o.title),
  ];
  if (o.subtitle !== undefined) out.push(text('subtitle', '50%', fs * 4, o.subtitle));
  out.push(
    text('details', String(XPAD), o.inverted ? ypad1 - fs : bottom, idle),
    text('unzoom', String(XPAD), fs * 2, 'Reset Zoom', ' class="hide"'),
    text('search', String(w - XPAD), fs * 2, 'Search'),
    text('matched', String(w - XPAD), o.inverted ? ypad1 - fs : bottom, ' '),
  );
  return out.join('');
}

function text(id: string, x: string, y: number, content: string, extra = ''): string {
  return `<text id="${id}"${extra} x="${x}" y="${y.toFixed(2)}">${escapeXml(content)}</text>\n`;
}

function emptySvg(o: Resolved): string {
  const height = o.fontSize * 5;
  return header(o, height) + `<rect x="0" y="0" width="100%" height="${height}" fill="#f8f8f8"/>\n` + `<text x="50%" y="${(o.fontSize * 2).toFixed(2)}" text-anchor="middle" font-family="${escapeXml(o.fontType)}" font-size="${o.fontSize + 5}">ERROR: No stack counts found</text>\n</svg>\n`;
}

// "--" may not appear inside an XML comment, nor may it end with "-".
function commentSafe(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\uFFFD').replace(/-(?=-|$)/g, '- ');
}

function cdataSafe(s: string): string {
  return s.replace(/]]>/g, ']]\\u003e');
}
