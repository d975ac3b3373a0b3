// Diagnostics on the hottest lines, hot functions' declarations and regressed lines, so that
// editors without inlay hints or lenses still show the heat (and list it in a problems view).
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { realChange, regressed, type FileHeat } from '../annotations.js';
import { pct } from '../convert.js';
import type { Doc } from '../documents.js';
import { placedFunctions, placedLines } from '../placed.js';
import type { Settings } from '../settings.js';

export function diagnostics(doc: Doc, heat: FileHeat, settings: Settings): Diagnostic[] {
  const d = settings.diagnostics;
  if (!d.enabled) return [];
  const severity = d.severity === 'hint' ? DiagnosticSeverity.Hint : DiagnosticSeverity.Information;
  const out: Diagnostic[] = [];
  const at = (line: number) => ({ start: { line, character: 0 }, end: { line, character: doc.lines[line]!.length } });
  for (const { at: l, heat: f } of placedFunctions(doc, heat)) {
    if (f.selfShare < d.minShare && f.totalShare < d.minShare) continue;
    const was = f.was && realChange(f.was, 'self') ? ` (was ${pct(f.was.selfShare)})` : '';
    out.push({
      range: at(l),
      severity,
      source: 'flame',
      code: 'hot-function',
      message: `${f.name}: ${pct(f.selfShare)} self (${f.self} samples)${was}, ${pct(f.totalShare)} total`,
    });
  }
  for (const { at: l, heat: h } of placedLines(doc, heat)) {
    const hot = h.selfShare >= d.minShare;
    const worse = d.regressions && regressed(h);
    if (!hot && !worse) continue;
    const was = h.was && realChange(h.was, 'self') ? ` (was ${pct(h.was.selfShare)})` : '';
    out.push({
      range: at(l),
      severity,
      source: 'flame',
      code: worse ? 'regressed-line' : 'hot-line',
      message: worse ? `line: ${pct(h.selfShare)} self, up from ${pct(h.was!.selfShare)} in the previous profile` : `line: ${pct(h.selfShare)} self${was}`,
    });
  }
  return out;
}
