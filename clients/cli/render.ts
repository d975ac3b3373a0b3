// Terminal rendering of query results and progress; separate from fetching so that the same
// rows print the same whether they came from the daemon or an in-process analysis.
import path from 'node:path';
import type { FunctionRow, LineRow } from '../../daemon/query.js';
import type { UnwindQuality } from '../../daemon/profile.js';

export function pct(n: number, total: number): string {
  return total > 0 ? `${((100 * n) / total).toFixed(1)}%` : '-';
}

function rel(file: string | undefined, base: string): string {
  if (file === undefined) return '';
  const r = path.relative(base, file);
  return r.startsWith('..') ? file : r;
}

/** A table of functions: self and total as share and count. */
export function functionTable(rows: FunctionRow[], total: number, unit: string, base = process.cwd()): string {
  const out = [`${'self'.padStart(7)} ${'total'.padStart(7)} ${unit.padStart(9)}  function`];
  for (const r of rows) {
    const where = r.file ? `  (${rel(r.file, base)}${r.line ? `:${r.line}` : ''})` : '';
    out.push(`${pct(r.self, total).padStart(7)} ${pct(r.total, total).padStart(7)} ${String(r.self).padStart(9)}  ${r.name}${where}`);
  }
  return `${out.join('\n')}\n`;
}

/** A table of source lines. */
export function lineTable(rows: LineRow[], total: number, unit: string, base = process.cwd()): string {
  const out = [`${'self'.padStart(7)} ${'total'.padStart(7)} ${unit.padStart(9)}  line`];
  for (const r of rows) out.push(`${pct(r.self, total).padStart(7)} ${pct(r.total, total).padStart(7)} ${String(r.self).padStart(9)}  ${rel(r.file, base)}:${r.line}`);
  return `${out.join('\n')}\n`;
}

export function qualityLine(q: UnwindQuality): string {
  const parts = [`${(100 * q.unknownShare).toFixed(1)}% with unknown frames`, `${(100 * q.truncatedShare).toFixed(1)}% truncated`];
  if (q.lost > 0) parts.push(`${q.lost} lost`);
  return `unwind quality: ${parts.join(', ')}`;
}

/** Progress on stderr: one rewritten line on a terminal, plain lines otherwise. */
export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private shown = false;
  private last = '';

  update(message: string): void {
    if (message === this.last) return;
    this.last = message;
    if (this.tty) {
      const cols = process.stderr.columns ?? 80;
      process.stderr.write(`\r\x1b[2K${`flame: ${message}`.slice(0, cols - 1)}`);
      this.shown = true;
    } else {
      process.stderr.write(`flame: ${message}\n`);
    }
  }

  /** Clear the progress line before printing anything else. */
  clear(): void {
    if (this.tty && this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}

export function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/** Analyse a perf.data in-process with progress on stderr; warnings printed. */
export async function analyzeWithProgress(perfData: string): Promise<import('../../daemon/profile.js').ProfileData> {
  const { analyzePerfData } = await import('../../daemon/analyze.js');
  const { cacheDir } = await import('../../daemon/fsutil.js');
  const progress = new Progress();
  const { profile, warnings } = await analyzePerfData(perfData, { cacheDir: cacheDir('symbols'), onProgress: (p) => progress.update(p.message) });
  progress.clear();
  for (const w of warnings) warn(w);
  return profile;
}

/** `--thread T`: a tid when numeric, else a thread name. */
export function threadArg(t: string | undefined): number | string | undefined {
  return t === undefined ? undefined : /^\d+$/.test(t) ? Number(t) : t;
}
