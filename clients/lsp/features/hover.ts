// Hover on a hot line or a hot function's declaration: its counts and shares, the change
// against the previous profile, and the function's top callers and callees (profile/callers).
import type { Hover } from 'vscode-languageserver';
import type * as P from '../../../protocol/methods.js';
import { enclosingFunction, realChange, type FileHeat, type FunctionHeat, type LineHeat } from '../annotations.js';
import { basisText, pct, plusMinus, points } from '../convert.js';
import type { Doc } from '../documents.js';
import { placedFunctions, placedLines } from '../placed.js';

const TOP = 5;

/** The function and line under the cursor, if the profile has anything to say about them. */
export function hoverTarget(doc: Doc, heat: FileHeat, line: number): { fn?: FunctionHeat; onDecl: boolean; line?: LineHeat } {
  const decl = placedFunctions(doc, heat).find((p) => p.at === line)?.heat;
  const lh = placedLines(doc, heat).find((p) => p.at === line)?.heat;
  if (decl) return { fn: decl, onDecl: true, line: lh };
  if (!lh) return { onDecl: false };
  return { fn: enclosingFunction(heat, lh.line), onDecl: false, line: lh };
}

function counts(h: LineHeat, samples: number): string {
  const w = h.was;
  const moved = (k: 'self' | 'total', before: number, now: number) =>
    `${pct(before)} ${k}, Δ ${points(now - before)}${realChange(w!, k) ? '' : ' within noise'}`;
  const was = w ? ` (previous profile: ${moved('self', w.selfShare, h.selfShare)}; ${moved('total', w.totalShare, h.totalShare)})` : '';
  const band = (r: { low: number; high: number } | undefined) => (r ? ` ${plusMinus(r)}` : '');
  const n = h.noise;
  const basis = n ? `; ± at 95%, ${basisText(n)}` : '';
  return `${h.self} samples self (${pct(h.selfShare)}${band(n?.self)}), ${h.total} total (${pct(h.totalShare)}${band(n?.total)}) of ${samples}${basis}${was}`;
}

export function callersText(r: P.Callers.Result): string {
  const list = (rows: Array<{ name: string; count: number }>) =>
    rows.length === 0
      ? 'none'
      : rows
          .slice(0, TOP)
          .map((c) => `\`${c.name}\` ${c.count}`)
          .join(', ');
  return `${r.function.name}: callers ${list(r.callers)}\n\ncallees ${list(r.callees)}`;
}

export function hoverMarkdown(heat: FileHeat, t: ReturnType<typeof hoverTarget>, callers: P.Callers.Result | undefined): Hover | undefined {
  if (!t.fn && !t.line) return undefined;
  const parts: string[] = [`**flame** · profile \`${heat.profile}\``];
  if (t.line && !t.onDecl) parts.push(`**line ${t.line.line}**: ${counts(t.line, heat.samples)}`);
  if (t.fn) parts.push(`**\`${t.fn.name}\`**: ${counts(t.fn, heat.samples)}`);
  if (callers) {
    const list = (rows: Array<{ name: string; count: number }>) =>
      rows
        .slice(0, TOP)
        .map((c) => `- \`${c.name}\` ${c.count} (${pct(c.count / Math.max(1, heat.samples))})`)
        .join('\n') || '- none';
    parts.push(`Callers:\n${list(callers.callers)}`, `Callees:\n${list(callers.callees)}`);
  }
  return { contents: { kind: 'markdown', value: parts.join('\n\n') } };
}
