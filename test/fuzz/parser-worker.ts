// Runs one parser target's inputs in a worker thread, so that the fuzzer's main thread can see
// an input that hangs (the shared counter stops moving) and report it instead of hanging too.
import { parentPort, workerData } from 'node:worker_threads';
import { randFor } from './gen.js';
import { PARSER_TARGETS } from './parsers.js';

export interface ParserJob {
  target: string;
  seed: number;
  from: number;
  count: number;
  deadline: number;
  /** [0]: the index being run, written before each input. */
  progress: SharedArrayBuffer;
}

const job = workerData as ParserJob;
const t = PARSER_TARGETS[job.target]!;
const at = new Int32Array(job.progress);
let i = job.from;
for (; i < job.from + job.count && Date.now() < job.deadline; i++) {
  Atomics.store(at, 0, i);
  const { input, failure } = t.one(randFor(job.seed, job.target, i));
  if (failure !== undefined)
    parentPort!.postMessage({
      kind: 'failure',
      index: i,
      failure,
      input: Buffer.isBuffer(input) ? input.toString('base64') : input,
      binary: Buffer.isBuffer(input),
    });
}
parentPort!.postMessage({ kind: 'done', count: i - job.from });
