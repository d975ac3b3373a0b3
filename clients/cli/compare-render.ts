// `flame compare`'s report as Markdown: what stdout shows and what a CI step summary
// ($GITHUB_STEP_SUMMARY) takes, one text for both. Rendering only; the numbers are
// engine/compare/report.ts's.
import type { CompareReport, GateFailure, SideSummary } from '../../engine/compare/report.js';
import type { FunctionDiff, LineDiff } from '../../engine/query/diff.js';
import type { ShareChange } from '../../protocol/types.js';
import { rel } from './render.js';

const pp = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)} pp`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const signedPct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)}%`;
const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
/** Names and paths in code spans, with the characters that would break a table cell escaped. */
const code = (s: string) => `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;

/** The whole report: heading, verdict, wall time, functions (and lines when asked). */
export function markdownReport(r: CompareReport, opts: { lines?: boolean; cwd?: string } = {}): string {
  const out: string[] = [`### flame compare: ${r.current.label} against ${r.base.label}`, '', verdictLine(r), ''];
  out.push(...timeTable(r), '');
  const gated = new Set(r.gate.failures.filter((f) => f.kind === 'function').map((f) => f.name));
  out.push('| function | base total | now total | Δ total share (95% interval) | Δ self share (95% interval) | |', '|---|--:|--:|--:|--:|---|');
  for (const f of r.functions) {
    out.push(
      `| ${code(f.name)} | ${pct(f.base.totalShare)} | ${pct(f.current.totalShare)} | ${change(f.deltaTotalShare, f.change.total)} | ${change(f.deltaSelfShare, f.change.self)} | ${mark(f, gated.has(f.name))} |`,
    );
  }
  if (opts.lines) {
    out.push('', '| line | base self | now self | Δ self share (95% interval) | |', '|---|--:|--:|--:|---|');
    for (const l of r.lines)
      out.push(
        `| ${code(`${rel(l.file, opts.cwd ?? process.cwd())}:${l.line}`)} | ${pct(l.base.selfShare)} | ${pct(l.current.selfShare)} | ${change(l.deltaSelfShare, l.change.self)} | ${mark(l, false)} |`,
      );
  }
  out.push('', footnote(r), '');
  return out.join('\n');
}

function verdictLine(r: CompareReport): string {
  const g = r.gate;
  if (!g.active) return '**Report only**: no gate was set (`--fail-on`, `--time-threshold` or `[package.metadata.flame.gate]`).';
  if (g.pass) return `**✅ Pass**: nothing gated grew significantly beyond its threshold.`;
  return `**❌ Regression**: ${g.failures.map(failure).join('; ')}.`;
}

function failure(f: GateFailure): string {
  if (f.kind === 'time') return `wall time per run ${signedPct(f.grew)} (threshold ${pct(f.threshold)})`;
  return `${code(f.name ?? '')} ${pp(f.grew)} of total share (threshold ${(100 * f.threshold).toFixed(1)} pp)`;
}

function timeTable(r: CompareReport): string[] {
  const wall = (s: SideSummary) =>
    s.wall === null ? 'unknown' : `${ms(s.wall.meanMs)}${s.wall.lowMs !== undefined ? ` (${ms(s.wall.lowMs)}–${ms(s.wall.highMs!)})` : ''}`;
  const runs = (s: SideSummary) => (s.wallMs === null ? '' : s.wallMs.map((x) => x.toFixed(0)).join(', '));
  const t = r.time;
  const delta =
    t === null
      ? 'unknown'
      : `${t.significant ? '**' : ''}${signedPct(t.relative)}${t.significant ? '**' : ''}${t.relLow !== undefined ? ` (${signedPct(t.relLow)} to ${signedPct(t.relHigh!)})` : ''}${t.significant ? '' : ', within noise'}`;
  return [
    `| wall time per run | base | now | change |`,
    '|---|--:|--:|--:|',
    `| mean (95% interval) | ${wall(r.base)} | ${wall(r.current)} | ${delta} |`,
    `| each run, ms | ${runs(r.base)} | ${runs(r.current)} | |`,
  ];
}

function change(delta: number, c: ShareChange): string {
  const d = c.significant ? `**${pp(delta)}**` : pp(delta);
  return `${d} (${pp(c.low)} to ${pp(c.high)})`;
}

function mark(row: FunctionDiff | LineDiff, gated: boolean): string {
  if (gated) return '❌ over threshold';
  return row.significant ? 'significant' : 'within noise';
}

function footnote(r: CompareReport): string {
  const g = r.gate;
  const runs = `${r.base.runs} run${r.base.runs === 1 ? '' : 's'} of the base, ${r.current.runs} of the working tree${r.base.profile !== null && r.base.label.startsWith('profile') ? '' : ', recorded in turns'}`;
  const rule =
    'A change is significant when it is a discovery at a 5% false discovery rate over all functions and lines compared, beyond both sides’ run-to-run variation; wall time is the program’s first sample to its last, compared with Welch’s t-test at 95%.';
  const gate = !g.active
    ? ''
    : ` Gate: ${g.failOn === null ? 'no function' : `functions matching ${code(g.failOn)} (${g.matched} matched)`} fail when their total share grows significantly by more than ${(100 * g.threshold).toFixed(1)} pp${g.timeThreshold === null ? '' : `; the wall time when its mean grows significantly by more than ${pct(g.timeThreshold)}`}.`;
  return `<sub>${runs}. ${rule}${gate}</sub>`;
}
