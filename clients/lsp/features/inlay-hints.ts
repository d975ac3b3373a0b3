// Inlay hints at the end of hot lines: the line's self share (and total when calls below it
// cost more) with its 95% band, and its change against the previous profile: the previous
// share when the daemon calls the change real, the change marked "within noise" when not.
import type { InlayHint, Range } from 'vscode-languageserver';
import { heatOf, realChange, type FileHeat, type LineHeat } from '../annotations.js';
import { basisText, pct, plusMinus, points } from '../convert.js';
import type { Doc } from '../documents.js';
import { placedLines } from '../placed.js';
import type { Settings } from '../settings.js';

/** Whether the hint shows the total beside the self share: when the calls on the line cost at least half a percent more. */
const showsTotal = (h: LineHeat, samples: number) => h.total - h.self >= Math.max(1, samples * 0.005);

/** The share a hint compares: a line whose cost is all in its calls compares totals; any other line its self share. */
const compared = (h: LineHeat, samples: number): 'self' | 'total' => (showsTotal(h, samples) && h.self === 0 ? 'total' : 'self');

/**
 * "🔥 12.4% ±0.3% (was 3.1%)"; "🔥 0.0% self, 85.0% ±0.9% total"; a profile of one run labels its
 * bands "(sampling)"; a change within noise reads "(Δ +0.4 pt, within noise)".
 */
export function hintLabel(h: LineHeat, samples: number): string {
  const band = (r: { low: number; high: number } | undefined) => (r ? ` ${plusMinus(r)}` : '');
  const withTotal = showsTotal(h, samples);
  let label = `🔥 ${pct(h.selfShare)}${band(h.noise?.self)}${withTotal ? ` self, ${pct(h.totalShare)}${band(h.noise?.total)} total` : ''}`;
  if (h.noise?.basis === 'sampling') label += ' (sampling)';
  if (h.was) {
    const k = compared(h, samples);
    const before = k === 'total' ? h.was.totalShare : h.was.selfShare;
    const now = k === 'total' ? h.totalShare : h.selfShare;
    label += realChange(h.was, k) ? ` (was ${pct(before)})` : ` (Δ ${points(now - before)}, within noise)`;
  }
  return label;
}

/** The hint's tooltip: the counts, where the bands come from, and the change with its interval. */
function hintTooltip(h: LineHeat, samples: number): string {
  const parts = [`${h.self} samples self, ${h.total} total of ${samples}`];
  if (h.noise) parts.push(`± at 95%, ${basisText(h.noise)}`);
  if (h.was) {
    const k = compared(h, samples);
    const c = h.was.change?.[k];
    const range = c ? ` (95%: ${points(c.low)} … ${points(c.high)})` : '';
    const verdict = realChange(h.was, k) ? 'beyond noise' : 'within noise';
    parts.push(`previous profile: ${pct(k === 'total' ? h.was.totalShare : h.was.selfShare)} ${k}${range}, ${verdict}`);
  }
  return parts.join('; ');
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
      tooltip: hintTooltip(h, heat.samples),
    });
  }
  return out.sort((a, b) => a.position.line - b.position.line);
}
