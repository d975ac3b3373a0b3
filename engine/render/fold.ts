// perf-script text → folded stacks ("comm;outer;...;leaf count"), streaming and pure, with the
// output of inferno-collapse-perf (or, with compat 'perl', of stackcollapse-perf.pl) so that
// either can be swapped for flame. Input is handled as bytes (a latin1 view of the UTF-8) and each distinct stack line
// is resolved to frame ids once, which keeps the per-line cost to a hash lookup.
import { StackTable } from './fold-stacks.js';
import { SampleParser, type ParserOptions, type ParserStats } from './fold-parse.js';

export interface FoldOptions {
  /** Root frame `comm-pid` instead of `comm`. */
  pid?: boolean;
  /** Root frame `comm-pid/tid` (implies pid). */
  tid?: boolean;
  /** Annotate kernel frames with `_[k]`. */
  kernel?: boolean;
  /** Annotate JIT frames (perf-<pid>.map, jitted-*.so) with `_[j]`. */
  jit?: boolean;
  /** Both kernel and jit annotations. */
  all?: boolean;
  /** Name unsymbolized frames `[module <pc>]` instead of `[module]`. */
  addrs?: boolean;
  /** Fold only samples of this event (e.g. `cycles`); default: the first event type seen. */
  eventFilter?: string;
  /** When a frame's function is one of these, drop its callers (and the process name). */
  skipAfter?: string[];
  /**
   * Whose quirks to follow where the reference folders disagree. `inferno` (the default): a last
   * sample without a blank line after it counts, and Java names are tidied for any process whose
   * name starts with "java". `perl`: as stackcollapse-perf.pl's test results in the FlameGraph
   * repository record it, that last sample is dropped and only a process named exactly "java"
   * (so not "java-PID" under --pid) gets Java names tidied.
   */
  compat?: 'inferno' | 'perl';
}

export interface FoldResult {
  /** Folded stack ("comm;outer;...;leaf") → count. */
  stacks: Map<string, number>;
  /** Samples folded into `stacks`. */
  samples: number;
  /** `period` when perf printed event periods (counts are their sums), else `samples`. */
  unit: 'samples' | 'period';
  /** The event type that was folded, when one was seen. */
  event?: string;
  /** Things a person should know (malformed lines, other event types skipped); each said once. */
  warnings: string[];
  /** Lines that were neither sample headers, stack frames, comments nor blank. */
  malformedLines: number;
}

/** Bytes per string handed to the parser (see Folder.push). */
const PIECE = 65536;

/** Folds perf-script text pushed in chunks of any size (lines may straddle chunks). */
export class Folder {
  /** @internal (for the parallel folder) */
  readonly table = new StackTable();
  /** @internal */
  readonly parser: SampleParser;
  private carry: Buffer | null = null;
  private done = false;

  /** `parserOpts` is internal: the parallel folder passes resolved options (a fixed event). */
  constructor(opts: FoldOptions = {}, parserOpts?: ParserOptions) {
    this.parser = new SampleParser(this.table, parserOpts ?? parserOptions(opts));
  }

  push(chunk: Buffer | string): void {
    if (this.done) throw new Error('Folder.push after end()');
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    if (this.carry !== null) {
      const first = buf.indexOf(10);
      if (first < 0) {
        this.carry = Buffer.concat([this.carry, buf]);
        return;
      }
      this.parser.feed(Buffer.concat([this.carry, buf.subarray(0, first + 1)]).toString('latin1'));
      this.carry = null;
      start = first + 1;
    }
    // Feed whole lines in pieces of at most PIECE bytes (unless one line is longer): V8 makes
    // bigger strings in large-object space, which costs several times more per byte here.
    while (start < buf.length) {
      let end = Math.min(start + PIECE, buf.length);
      if (buf[end - 1] !== 10) {
        const nl = buf.lastIndexOf(10, end - 1);
        if (nl >= start) {
          end = nl + 1;
        } else {
          const next = buf.indexOf(10, end);
          if (next < 0) {
            this.carry = Buffer.from(buf.subarray(start));
            return;
          }
          end = next + 1;
        }
      }
      this.parser.feed(buf.toString('latin1', start, end));
      start = end;
    }
  }

  end(): FoldResult {
    this.finish();
    return collectResult(this.table, [this.parser.stats]);
  }

  /** @internal End of input, without building the result. */
  finish(): void {
    if (!this.done) {
      if (this.carry !== null) this.parser.feed(this.carry.toString('latin1'));
      this.carry = null;
      this.parser.finish();
      this.done = true;
    }
  }
}

/** Fold a whole stream (a file, stdin, a gunzip stream). */
export async function foldStream(input: AsyncIterable<Buffer | string>, opts: FoldOptions = {}): Promise<FoldResult> {
  const folder = new Folder(opts);
  for await (const chunk of input) folder.push(chunk);
  return folder.end();
}

/** Fold a string or buffer already in memory. */
export function foldText(text: Buffer | string, opts: FoldOptions = {}): FoldResult {
  const folder = new Folder(opts);
  folder.push(text);
  return folder.end();
}

/**
 * Folded lines in inferno's order (byte order of the UTF-8 stack), "stack count\n" each, handed
 * to `write` in pieces of about 64 KB so that huge profiles never become one string.
 */
export function writeFolded(stacks: Map<string, number>, write: (piece: string) => void): void {
  const keys = sortedKeys(stacks);
  let piece = '';
  for (const k of keys) {
    piece += `${k} ${stacks.get(k)}\n`;
    if (piece.length >= 65536) {
      write(piece);
      piece = '';
    }
  }
  if (piece !== '') write(piece);
}

/** All folded lines as one string (for small profiles and tests). */
export function formatFolded(stacks: Map<string, number>): string {
  const parts: string[] = [];
  writeFolded(stacks, (p) => parts.push(p));
  return parts.join('');
}

/** Maps made by a Folder (and their size then): while no key is added, insertion order is output order. */
const SORTED = new WeakMap<Map<string, number>, number>();

/** Keys in UTF-8 byte order; JS's UTF-16 order differs only when astral and U+E000+ chars meet. */
export function sortedKeys(stacks: Map<string, number>): string[] {
  const keys = [...stacks.keys()];
  if (SORTED.get(stacks) === stacks.size) return keys;
  if (keys.some((k) => /[\ud800-\uffff]/.test(k))) return keys.sort(compareUtf8);
  return keys.sort();
}

function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral chars, 4 UTF-8 bytes) sort after everything in the BMP.
    if (x >= 0xd800 && x <= 0xdfff) x += 0x10000;
    if (y >= 0xd800 && y <= 0xdfff) y += 0x10000;
    return x - y;
  }
  return a.length - b.length;
}

/** The parser's view of the options: annotations resolved, pid implied by tid. */
export function parserOptions(opts: FoldOptions): ParserOptions {
  return {
    pid: Boolean(opts.pid || opts.tid),
    tid: Boolean(opts.tid),
    kernel: Boolean(opts.kernel || opts.all),
    jit: Boolean(opts.jit || opts.all),
    addrs: Boolean(opts.addrs),
    eventFilter: opts.eventFilter,
    skipAfter: opts.skipAfter ?? [],
    perl: opts.compat === 'perl',
  };
}

/** Turn a table (and the stats of the parsers that filled it, in input order) into the result. */
export function collectResult(table: StackTable, all: ParserStats[]): FoldResult {
  // Sorting the byte strings gives inferno's order (UTF-8 byte order) directly; the Map keeps
  // it, so writeFolded need not sort again.
  const entries = [...table.stacks()];
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const stacks = new Map<string, number>();
  for (const [key, count, ascii] of entries) {
    // Byte strings hold UTF-8; decode only the (rare) stacks that are not plain ASCII. Distinct
    // paths can join to the same text (a process name with ';' in it): their counts add up.
    const k = ascii ? key : Buffer.from(key, 'latin1').toString('utf8');
    stacks.set(k, (stacks.get(k) ?? 0) + count);
  }
  SORTED.set(stacks, stacks.size);
  const first = all[0]!;
  let samples = 0;
  let periods = false;
  let malformed = 0;
  let skipped = 0;
  const otherEvents = new Set<string>();
  let firstBad: { line: number; text: string } | undefined;
  for (const s of all) {
    samples += s.samples;
    periods ||= s.periods;
    malformed += s.malformed;
    skipped += s.otherEventSamples;
    // A single parser names the first 8 other events: so do the parts (workers) together.
    for (const e of s.otherEvents) if (otherEvents.size < 8) otherEvents.add(e);
    if (firstBad === undefined && s.firstBad !== undefined) firstBad = s.firstBad;
  }
  const warnings: string[] = [];
  if (malformed > 0 && firstBad !== undefined) {
    const text = Buffer.from(firstBad.text, 'latin1').toString('utf8');
    warnings.push(
      `skipped ${malformed} malformed line${malformed === 1 ? '' : 's'} (neither a sample header nor a stack frame); ` +
        `first at line ${firstBad.line}: ${JSON.stringify(text)}`,
    );
  }
  const event = first.event === undefined ? undefined : Buffer.from(first.event, 'latin1').toString('utf8');
  if (skipped > 0 && event !== undefined && first.eventDefaulted) {
    warnings.push(
      `folded only events of type '${event}' (the first seen); skipped ${skipped} sample${skipped === 1 ? '' : 's'} ` +
        `of ${[...otherEvents].map((e) => `'${e}'`).join(', ')}; choose one with --event-filter`,
    );
  }
  return { stacks, samples, unit: periods ? 'period' : 'samples', event, warnings, malformedLines: malformed };
}
