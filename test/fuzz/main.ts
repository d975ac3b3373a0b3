// `npm run fuzz`: bounded fuzzing of the parsers, the daemon's RPC and the web server.
//   --seconds N (FLAME_FUZZ_SECONDS, default 60)   the whole run's time, shared by the targets
//   --count N   (FLAME_FUZZ_COUNT, default 1000000) at most this many inputs per target
//   --seed S    (FLAME_FUZZ_SEED, default random)  input i of a target depends on (S, target, i) only
//   --only T[,T]  these targets; --index I  run input I alone and print it (a reproducer)
// Prints the inputs run per target and each failure with its reproducer; exits 1 on any failure.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { historyDir } from '../../engine/store/history.js';
import { ProfileStore } from '../../engine/store/store.js';
import * as P from '../../protocol/methods.js';
import { startDaemon, type TestDaemon } from '../daemon-fixture.js';
import { scratch } from '../helpers.js';
import { syntheticProfile } from '../store-writer.js';
import { randFor } from './gen.js';
import type { ParserJob } from './parser-worker.js';
import { PARSER_TARGETS } from './parsers.js';
import { RpcTarget } from './rpc.js';
import { WebTarget } from './web.js';
import { send } from '../../clients/connect.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' }, index: { type: 'string' } },
});
const seconds = Number(values.seconds ?? process.env.FLAME_FUZZ_SECONDS ?? 60);
const maxCount = Number(values.count ?? process.env.FLAME_FUZZ_COUNT ?? 1_000_000);
const seed = Number(values.seed ?? process.env.FLAME_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ALL = [...Object.keys(PARSER_TARGETS), 'rpc', 'web'];
const only = values.only ? values.only.split(',') : ALL;
for (const t of only) if (!ALL.includes(t)) throw new Error(`no fuzz target '${t}'; they are ${ALL.join(', ')}`);
const single = values.index === undefined ? undefined : Number(values.index);
/** An input that runs longer than this is a hang. */
const HANG_MS = 10_000;

interface Failure {
  target: string;
  index: number;
  failure: string;
  input: string;
}
const failures: Failure[] = [];
const counts = new Map<string, number>();
const outDir = scratch('flame-fuzz-');

function report(f: Failure): void {
  if (failures.filter((x) => x.target === f.target).length >= 5) return;
  failures.push(f);
  const file = path.join(outDir, `${f.target}-${seed}-${f.index}.input`);
  writeFileSync(file, f.input);
  process.stdout.write(
    `FAIL ${f.target} #${f.index}: ${f.failure.split('\n').slice(0, 6).join('\n  ')}\n  input (${file}): ${JSON.stringify(f.input.slice(0, 300))}\n  reproduce: npm run fuzz -- --seed ${seed} --only ${f.target} --index ${f.index}\n`,
  );
}

/** A parser target in a worker thread, watched for hangs. */
function runParser(target: string, from: number, count: number, budgetMs: number): Promise<number> {
  return new Promise((resolve) => {
    const progress = new SharedArrayBuffer(4);
    const at = new Int32Array(progress);
    const job: ParserJob = { target, seed, from, count, deadline: Date.now() + budgetMs, progress };
    const w = new Worker(new URL('./parser-worker.js', import.meta.url), { workerData: job });
    let last = -1;
    let since = Date.now();
    const watch = setInterval(() => {
      const now = Atomics.load(at, 0);
      if (now !== last) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since > HANG_MS) {
        clearInterval(watch);
        const { input } = PARSER_TARGETS[target]!.one.length ? { input: `(regenerate with --index ${now})` } : { input: '' };
        report({ target, index: now, failure: `no result within ${HANG_MS / 1000} s (a hang)`, input });
        void w.terminate();
        resolve(now - from + 1);
      }
    }, 500);
    w.on('message', (m: { kind: string; index: number; failure: string; input: string; count: number }) => {
      if (m.kind === 'failure') report({ target, index: m.index, failure: m.failure, input: m.input });
      else {
        clearInterval(watch);
        resolve(m.count);
      }
    });
    w.on('error', (err) => {
      clearInterval(watch);
      report({ target, index: Atomics.load(at, 0), failure: `the worker crashed: ${err.stack ?? err.message}`, input: '' });
      resolve(Atomics.load(at, 0) - from + 1);
    });
  });
}

async function runAsync(
  target: string,
  one: (r: ReturnType<typeof randFor>) => Promise<{ input: string; failure?: string }>,
  from: number,
  count: number,
  budgetMs: number,
): Promise<number> {
  const deadline = Date.now() + budgetMs;
  let i = from;
  for (; i < from + count && Date.now() < deadline; i++) {
    const r = await one(randFor(seed, target, i));
    if (r.failure !== undefined) report({ target, index: i, failure: r.failure, input: r.input });
    if (single !== undefined) process.stdout.write(`input: ${r.input}\n`);
  }
  return i - from;
}

async function main(): Promise<void> {
  process.stdout.write(`fuzz: seed ${seed}, ${seconds} s, at most ${maxCount} inputs per target: ${only.join(', ')}\n`);
  const budget = (seconds * 1000) / only.length;
  const from = single ?? 0;
  const count = single !== undefined ? 1 : maxCount;
  for (const t of only.filter((t) => t in PARSER_TARGETS)) {
    if (single !== undefined) {
      const r = PARSER_TARGETS[t]!.one(randFor(seed, t, single));
      process.stdout.write(`input: ${JSON.stringify(Buffer.isBuffer(r.input) ? r.input.toString('base64') : r.input)}\n`);
    }
    counts.set(t, await runParser(t, from, count, budget));
  }
  let d: TestDaemon | undefined;
  if (only.includes('rpc') || only.includes('web')) {
    d = await startDaemon({ prefix: 'fuzz' });
    const store = await ProfileStore.open(historyDir(path.join(d.work, 'target')));
    await store.add({}, syntheticProfile({ seed: 7, stacks: 200, samples: 1000 }));
  }
  try {
    if (only.includes('rpc')) {
      const rpc = new RpcTarget(d!);
      counts.set('rpc', await runAsync('rpc', (r) => rpc.one(r), from, count, budget));
      rpc.close();
    }
    if (only.includes('web')) {
      const c = await d!.client('fuzz-web');
      const { url, port } = await send(c.conn, P.WebUrl.type, {});
      c.close();
      const web = new WebTarget(port, new URL(url).searchParams.get('token')!, new URL(url).pathname);
      counts.set('web', await runAsync('web', (r) => web.one(r), from, count, budget));
    }
    if (d && (d.child.exitCode !== null || d.child.signalCode !== null))
      report({ target: 'daemon', index: -1, failure: `the daemon died (${d.child.exitCode ?? d.child.signalCode})`, input: '' });
  } finally {
    await d?.stop();
  }
  for (const t of only) process.stdout.write(`fuzz: ${t}: ${counts.get(t) ?? 0} inputs, ${failures.filter((f) => f.target === t).length} failures\n`);
  process.stdout.write(failures.length === 0 ? 'fuzz: no failures\n' : `fuzz: ${failures.length} failures; inputs in ${outDir}\n`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`fuzz: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
