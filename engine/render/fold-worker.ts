// A worker thread of the parallel folder (fold-parallel.ts): folds one byte range of a file and
// sends its stack table back, the typed arrays transferred rather than copied.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Folder } from './fold.js';
import type { WorkerJob, WorkerReply } from './fold-parallel.js';

const job = workerData as WorkerJob;
const folder = new Folder({}, job.popts);
const fd = openSync(job.file, 'r');
try {
  const buf = Buffer.alloc(1 << 20);
  for (let pos = job.start; pos < job.end; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, job.end - pos), pos);
    if (n === 0) break;
    folder.push(buf.subarray(0, n));
    pos += n;
  }
} finally {
  closeSync(fd);
}
folder.finish();
const parts = folder.table.toParts();
const reply: WorkerReply = { parts, stats: folder.parser.stats, lines: folder.parser.lineNo };
parentPort!.postMessage(reply, [parts.parent.buffer as ArrayBuffer, parts.frame.buffer as ArrayBuffer, parts.count.buffer as ArrayBuffer]);
