// Folding a large perf-script file on several cores: the file is cut at blank lines (where no
// sample is open, so every part folds independently), worker threads fold the later parts while
// this thread folds the first, and their stack tables are merged. Same result as one Folder.
import { open, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { collectResult, Folder, foldStream, parserOptions, type FoldOptions, type FoldResult } from './fold.js';
import { SampleParser, type ParserOptions, type ParserStats } from './fold-parse.js';
import { StackTable, type TableParts } from './fold-stacks.js';

export interface ParallelOptions {
  /**
   * Threads in all, this one included (default 1). Each thread pays V8's warm-up (~150 ms of
   * CPU) and a worker folds ~10% slower, so on the 2-core machine this was measured on, with
   * other work running, 2 threads cost ~40% more CPU and were slower in wall time too, even on
   * a 147 MB input. Worth asking for only with idle cores and inputs of hundreds of MB.
   */
  threads?: number;
  /** Each part gets at least this many bytes (default 8 MiB), so small files use one thread. */
  minPartBytes?: number;
}

/** What a worker sends back: its table, stats and how many lines its part had. */
export interface WorkerReply {
  parts: TableParts;
  stats: ParserStats;
  lines: number;
}

/** What a worker is given: a byte range of a file and the parser's options, event fixed. */
export interface WorkerJob {
  file: string;
  start: number;
  end: number;
  popts: ParserOptions;
}

const READ_SIZE = 1 << 20;

/** Fold a perf-script file (gzip is unpacked, on one thread), using worker threads when it is large. */
export async function foldFile(file: string, opts: FoldOptions = {}, par: ParallelOptions = {}): Promise<FoldResult> {
  const fh = await open(file, 'r');
  try {
    const st = await fh.stat();
    // A pipe or device has no size to split by, and gzip must be unpacked in order: a stream.
    // (The head below is read with pread, so the stream still starts at byte 0.)
    const whole = () => foldStream(gunzipIfGzip(fh.createReadStream({ autoClose: false })), opts);
    if (!st.isFile()) return await whole();
    const size = st.size;
    const head = Buffer.alloc(Math.min(size, READ_SIZE));
    await readFully(fh, head, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) return await whole();
    const minPart = par.minPartBytes ?? 8 << 20;
    const threads = Math.min(par.threads ?? 1, Math.floor(size / minPart), os.availableParallelism() * 2);
    const popts = parserOptions(opts);
    const event = threads >= 2 ? (opts.eventFilter ?? firstEvent(head, popts)) : undefined;
    const bounds = event === undefined ? [0, size] : await splitPoints(fh, size, threads);
    if (bounds.length <= 2) {
      const folder = new Folder(opts);
      await feedRange(fh, 0, size, folder);
      return folder.end();
    }
    const fixed: ParserOptions = { ...popts, eventFilter: event };
    const workers = bounds.slice(1, -1).map((start, i) => runWorker({ file, start, end: bounds[i + 2]!, popts: fixed }));
    // If this thread's part fails, the workers' rejections must not go unhandled.
    for (const w of workers) w.catch(() => {});
    const folder = new Folder(opts, fixed);
    await feedRange(fh, 0, bounds[1]!, folder);
    folder.finish();
    const stats: ParserStats[] = [folder.parser.stats];
    let linesBefore = folder.parser.lineNo;
    for (const reply of await Promise.all(workers)) {
      folder.table.mergeParts(reply.parts);
      if (reply.stats.firstBad !== undefined) reply.stats.firstBad.line += linesBefore;
      linesBefore += reply.lines;
      stats.push(reply.stats);
    }
    // The event was fixed only to share it with the workers; say whether the user chose it.
    stats[0]!.eventDefaulted = opts.eventFilter === undefined;
    return collectResult(folder.table, stats);
  } finally {
    await fh.close();
  }
}

/** The event type the first sample header names (what a single Folder would fold), if any. */
function firstEvent(head: Buffer, popts: ParserOptions): string | undefined {
  const last = head.lastIndexOf(10);
  if (last < 0) return undefined;
  const probe = new SampleParser(new StackTable(), popts);
  probe.feed(head.toString('latin1', 0, last + 1));
  const ev = probe.stats.event;
  return ev === undefined ? undefined : Buffer.from(ev, 'latin1').toString('utf8');
}

/** 0, a cut after a blank line near each 1/threads of the file, and the size. */
async function splitPoints(fh: FileHandle, size: number, threads: number): Promise<number[]> {
  const bounds = [0];
  const window = Buffer.alloc(READ_SIZE);
  for (let i = 1; i < threads; i++) {
    const target = Math.floor((size * i) / threads);
    if (target <= bounds[bounds.length - 1]!) continue;
    const n = await readFully(fh, window, target);
    const at = window.subarray(0, n).indexOf('\n\n');
    if (at >= 0 && target + at + 2 < size) bounds.push(target + at + 2);
  }
  bounds.push(size);
  return bounds;
}

async function feedRange(fh: FileHandle, start: number, end: number, folder: Folder): Promise<void> {
  const buf = Buffer.alloc(READ_SIZE);
  for (let pos = start; pos < end; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
    if (bytesRead === 0) break;
    folder.push(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
}

async function readFully(fh: FileHandle, buf: Buffer, pos: number): Promise<number> {
  let n = 0;
  while (n < buf.length) {
    const { bytesRead } = await fh.read(buf, n, buf.length - n, pos + n);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  return n;
}

function runWorker(job: WorkerJob): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./fold-worker.js', import.meta.url), { workerData: job });
    let reply: WorkerReply | undefined;
    w.once('message', (m: WorkerReply) => (reply = m));
    w.once('error', reject);
    w.once('exit', (code) => (reply !== undefined ? resolve(reply) : reject(new Error(`fold worker exited with code ${code} and no result`))));
  });
}

/** A stream's bytes (stdin, a pipe), gunzipped when they start with the gzip magic. */
export async function* gunzipIfGzip(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = first.value;
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => it };
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b) {
    yield head;
    yield* rest;
    return;
  }
  const gunzip = createGunzip();
  // Feed the compressed bytes while the decompressed ones are read.
  const feeding = (async () => {
    try {
      if (!gunzip.write(head)) await new Promise((r) => gunzip.once('drain', r));
      for await (const b of rest) if (!gunzip.write(b)) await new Promise((r) => gunzip.once('drain', r));
      gunzip.end();
    } catch (err) {
      gunzip.destroy(err as Error);
    }
  })();
  for await (const b of gunzip) yield b as Buffer;
  await feeding;
}
