// A real writer process for the store's crash test (killed with SIGKILL mid-write), and the
// deterministic profile generator the tests share, so a test can rebuild what was written.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProfileBuilder, type ProfileData } from '../engine/profile/profile.js';
import { ProfileStore } from '../engine/store/store.js';
import { mulberry32 } from './helpers.js';

export interface SyntheticOptions {
  seed: number;
  /** Unique stacks. */
  stacks: number;
  /** Total samples (at least `stacks`). */
  samples: number;
  functions?: number;
  minDepth?: number;
  maxDepth?: number;
}

/** A deterministic profile whose stacks share prefixes, as real call trees do. */
export function syntheticProfile(o: SyntheticOptions): ProfileData {
  const rand = mulberry32(o.seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const nFns = o.functions ?? Math.max(50, Math.floor(o.stacks / 40));
  const minDepth = o.minDepth ?? 20;
  const maxDepth = o.maxDepth ?? 40;
  const b = new ProfileBuilder();
  b.event = 'cpu-clock:uppp';
  const locs: number[] = [];
  for (let i = 0; i < nFns; i++) {
    const fn = b.fn({ name: `crate_${i % 17}::module_${i % 101}::function_${i}<T>`, file: `src/m${i % 101}.rs`, line: 10 + (i % 300), dso: 'app' });
    for (let l = 0; l < 4; l++) locs.push(b.location(fn, { file: `src/m${i % 101}.rs`, line: 10 + (i % 300) + l * 3, inlined: l === 3 }));
  }
  const threads = [b.thread({ comm: 'app', pid: 100, tid: 100 }), b.thread({ comm: 'worker', pid: 100, tid: 101 })];
  const made: number[][] = [];
  const seen = new Set<string>();
  let surplus = o.samples - o.stacks;
  const mean = surplus / o.stacks;
  while (made.length < o.stacks) {
    const parent = made.length > 0 && rand() < 0.9 ? made[int(made.length)]! : [];
    const depth = minDepth + int(maxDepth - minDepth + 1);
    const stack = parent.slice(0, Math.min(parent.length, int(depth)));
    while (stack.length < depth) stack.push(locs[int(locs.length)]!);
    const thread = threads[stack[0]! % 2]!;
    const key = `${thread}:${stack.join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    made.push(stack);
    // Every stack gets one sample; the surplus goes out unevenly, as real hot paths are uneven.
    const extra = made.length === o.stacks ? surplus : Math.min(surplus, rand() < 0.1 ? int(mean * 20) : 0);
    surplus -= extra;
    const n = 1 + extra;
    b.add(stack, thread, n, n * 1000, { unknown: stack[1]! % 7 === 0, truncated: false });
  }
  return b.finish();
}

/** The meta.options the writer stores, from which a test rebuilds the exact profile. */
export interface WriterOptions {
  seed: number;
  stacks: number;
  samples: number;
}

/** The profiles of one round; sizes vary so kills land in small and large writes alike. */
export function writerProfiles(round: number): WriterOptions[] {
  return [300, 2_000, 8_000].map((stacks, i) => ({ seed: round * 10 + i, stacks, samples: stacks * 5 }));
}

// node store-writer.js DIR ROUND RETENTION [COUNT]: add the round's profiles in a loop, forever
// (or COUNT times, then exit), printing each id once add() resolved. Profiles are generated
// before 'ready', so a kill lands in the store.
async function main(): Promise<void> {
  const [dir, roundArg, retentionArg, countArg] = process.argv.slice(2);
  if (!dir || !roundArg || !retentionArg) throw new Error('usage: store-writer DIR ROUND RETENTION [COUNT]');
  const count = countArg === undefined ? Infinity : Number(countArg);
  const options = writerProfiles(Number(roundArg));
  const profiles = options.map((o) => syntheticProfile(o));
  const store = await ProfileStore.open(dir, { retention: Number(retentionArg) });
  process.stdout.write('ready\n');
  for (let i = 0; i < count; i++) {
    const k = i % profiles.length;
    const meta = await store.add({ options: options[k], summary: [{ name: `#${i}`, self: 1, total: 1 }] }, profiles[k]!);
    process.stdout.write(`added ${meta.id}\n`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
