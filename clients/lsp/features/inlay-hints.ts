// Inlay hints at the end of hot lines: the line's self share (and total when calls below it
// cost more), and its share in the previous profile when the change is beyond noise.
import type { InlayHint, Range } from 'vscode-languageserver';
import { heatOf, type FileHeat, type LineHeat } from '../annotations.js';
import { pct } from '../convert.js';
import type { Doc } from '../documents.js';
import { placedLines } from '../placed.js';
import type { Settings } from '../settings.js';

/** "🔥 12.4% (was 3.1%)"; "🔥 0.0% self, 85.0% total" for a line whose cost is in its calls. */
export function hintLabel(h: LineHeat, samples: number): string {
  // Total is worth showing when the calls on the line cost at least half a percent more.
  const withTotal = h.total - h.self >= Math.max(1, samples * 0.005);
  let label = `🔥 ${pct(h.selfShare)}${withTotal ? ` self, ${pct(h.totalShare)} total` : ''}`;
  // A line whose cost is all in its calls compares totals; any other line its self share.
  if (h.was?.significant) label += ` (was ${pct(withTotal && h.self === 0 ? h.was.totalShare : h.was.selfShare)})`;
  return label;
}

export function inlayHints(doc: Doc, heat: FileHeat, range: Range, settings: Settings): InlayHint[] {
  if (!settings.hints.enabled) return [];
  const out: InlayHint[] = [];
  for (const { at, heat: h } of placedLines(doc, heat)) {
    if (at < range.start.line || at > range.end.line) continue;
    if (heatOf(h) < settings.hints.minShare) continue;
    out.push({
      position: { line: at, character: doc.lines[at]!.length },
      label: hintLabel(h, heat.samples),
      paddingLeft: true,
      tooltip: `${h.self} samples self, ${h.total} total of ${heat.samples}`,
    });
  }
  return out.sort((a, b) => a.position.line - b.position.line);
}
