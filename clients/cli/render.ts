// Terminal rendering of query results and progress; separate from fetching so that the same
// rows print the same whether they came from the daemon or an in-process analysis.
import { spawn } from '../../common/spawn.js';
import { fstatSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, FlameError } from '../../common/errors.js';
import type { FunctionRow, LineRow } from '../../engine/query/query.js';
import type { UnwindQuality } from '../../engine/profile/profile.js';
import { terminal } from './term.js';

export function pct(n: number, total: number): string {
  return total > 0 ? `${((100 * n) / total).toFixed(1)}%` : '-';
}

/**
 * `file` relative to `base` when it lies under it, else as given: a relative path (a system
 * library's, as its debug info names it) is not one of ours, and the profile keeps it canonical.
 */
export function rel(file: string | undefined, base: string): string {
  if (file === undefined) return '';
  if (!path.isAbsolute(file)) return file;
  const r = path.relative(base, file);
  return r.startsWith('..') ? file : r;
}

/** A table of functions: self and total as share and count, and the self share's noise band when the rows carry one. */
export function functionTable(rows: FunctionRow[], total: number, unit: string, base = process.cwd()): string {
  return table(rows, total, unit, 'function', (r) => `${r.name}${r.file ? `  (${rel(r.file, base)}${r.line ? `:${r.line}` : ''})` : ''}`);
}

/** A table of source lines. */
export function lineTable(rows: LineRow[], total: number, unit: string, base = process.cwd()): string {
  return table(rows, total, unit, 'line', (r) => `${rel(r.file, base)}:${r.line}`);
}

function table<R extends FunctionRow | LineRow>(rows: R[], total: number, unit: string, what: string, label: (r: R) => string): string {
  const band = noiseHeading(rows);
  // The origin column (workspace, dependency, std, libc, kernel, unknown) when the rows carry one.
  const origin = rows.some((r) => 'origin' in r && r.origin !== undefined);
  const out = [
    `${'self'.padStart(7)} ${'total'.padStart(7)} ${unit.padStart(9)}${band === undefined ? '' : `  ${band}`}${origin ? `  ${'origin'.padEnd(10)}` : ''}  ${what}`,
  ];
  for (const r of rows) {
    const pm = band === undefined ? '' : `  ${halfWidth(r.noise?.self).padEnd(band.length)}`;
    const o = origin ? `  ${((r as FunctionRow).origin ?? '').padEnd(10)}` : '';
    out.push(`${pct(r.self, total).padStart(7)} ${pct(r.total, total).padStart(7)} ${String(r.self).padStart(9)}${pm}${o}  ${label(r)}`);
  }
  return `${out.join('\n')}\n`;
}

/**
 * The band column's heading: how far the self share may be off at 95%, from the runs' variation
 * or from sampling alone (one run), so nobody reads a one-run band as the whole truth.
 */
export function noiseHeading(rows: Array<FunctionRow | LineRow>): string | undefined {
  const n = rows.find((r) => r.noise)?.noise;
  if (!n) return undefined;
  return n.basis === 'runs' ? `±self (${n.runs?.self.length ?? 'several'} runs)` : '±self (sampling)';
}

/** Half the band's width in percentage points: `±1.3`. */
export function halfWidth(r: { low: number; high: number } | undefined): string {
  return r === undefined ? '' : `±${((100 * (r.high - r.low)) / 2).toFixed(1)}`;
}

/** ` in 3 runs (1204, 1187, 1230)` after a profile's sample count, for a profile of several runs. */
export function runsNote(runs: readonly number[] | undefined): string {
  return runs && runs.length > 1 ? ` in ${runs.length} runs (${runs.join(', ')})` : '';
}

export function qualityLine(q: UnwindQuality): string {
  const parts = [`${(100 * q.unknownShare).toFixed(1)}% with unknown frames`, `${(100 * q.truncatedShare).toFixed(1)}% truncated`];
  if (q.lost > 0) parts.push(`${q.lost} lost`);
  return `unwind quality: ${parts.join(', ')}`;
}

/** Progress on stderr: one rewritten line on a terminal that takes escape codes, plain lines otherwise (a pipe, `TERM=dumb`). */
export class Progress {
  private readonly tty = terminal(process.stderr).ansi;
  private shown = false;
  private last = '';

  update(message: string): void {
    if (message === this.last) return;
    this.last = message;
    if (this.tty) {
      // Read each time: the window may have been resized since.
      const cols = terminal(process.stderr).columns;
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
export async function analyzeWithProgress(perfData: string): Promise<import('../../engine/profile/profile.js').ProfileData> {
  const { analyzePerfData } = await import('../../engine/profile/analyze.js');
  const { cacheDir } = await import('../../common/fsutil.js');
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

/** Open a file with the desktop's default handler, without waiting for it. */
export function openInBrowser(file: string): void {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  try {
    const child = spawn(opener, [file], { detached: true, stdio: 'ignore' });
    child.on('error', () => warn(`could not run ${opener} to open ${file}; open it yourself`));
    child.unref();
  } catch {
    warn(`could not open ${file}; open it yourself`);
  }
}

/** Write pieces to stdout in order, waiting for it to drain between them (a pipe may be slow). */
export function writeStdout(pieces: ReadonlyArray<string | Uint8Array>): Promise<void> {
  guardStdout();
  return new Promise((resolve, reject) => {
    let i = 0;
    let done = false;
    // A reader that went away (`| head`) has all it wanted; a full disk is the user's to fix.
    const finish = (err?: Error | null): void => {
      if (done) return;
      done = true;
      process.stdout.off('error', finish);
      process.stdout.off('drain', next);
      if (!err || (err as NodeJS.ErrnoException).code === 'EPIPE') resolve();
      else reject(new FlameError(ErrorCodes.BadInput, `cannot write the output: ${ioReason(err)}`, { cause: err }));
    };
    const next = (): void => {
      if (done) return;
      while (i < pieces.length) {
        if (!process.stdout.write(pieces[i++]!)) {
          process.stdout.once('drain', next);
          return;
        }
      }
      process.stdout.write('', finish);
    };
    process.stdout.on('error', finish);
    next();
  });
}

let guarded = false;

/**
 * Node may emit a write error on stdout after the write's callback has already reported it (an
 * EPIPE while pieces were still queued); with no listener left that would kill the process. The
 * error has been dealt with by then, so a listener that stays for good ignores it.
 */
function guardStdout(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on('error', () => {});
}

/** stdin, unless it is a directory (Node would read that as empty): an error that says so. */
export function checkStdin(): void {
  let dir = false;
  try {
    dir = fstatSync(0).isDirectory();
  } catch {
    return; // closed or unusual: reading it will tell
  }
  if (dir) throw new FlameError(ErrorCodes.BadInput, 'cannot read stdin: it is a directory');
}

/**
 * Why a file could not be read or written, in a few words. flame-native (native/src/input.rs) words these
 * the same way, so that `flame fold` and `flame svg` say the same thing on either path.
 */
export function ioReason(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'ENOSPC':
      return 'no space left on device';
    default:
      return (err as Error).message;
  }
}
