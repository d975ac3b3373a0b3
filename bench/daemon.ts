// Daemon benchmark: query latency over the real unix socket on generated 1M-sample profiles,
// the daemon's RSS after touching 10 such profiles, and its idle CPU.
//
// Standalone: `node dist/bench/daemon.js` (FLAME_BENCH_DAEMON_REQUESTS sets requests per method,
// default 200). As a library: benchDaemon({ runs }) with runs = requests per method.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Connection, send } from '../clients/connect.js';
import { startDaemon, type TestDaemon } from '../test/daemon-fixture.js';
import { quantile } from './stats.js';
import { mulberry32 } from '../test/helpers.js';
import * as P from '../protocol/methods.js';
import { ProfileBuilder, type ProfileData } from '../engine/profile/profile.js';
import { ProfileStore, type ProfileMeta } from '../engine/store/store.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const SAMPLES = 1_000_000;
const STACKS = 200_000;
const FUNCTIONS = 5_000;
const LINES_PER_FN = 4;
const THREADS = 4;
const PROFILES = 10;
/** The store's default in-memory LRU (daemon/main.ts does not override it). */
const STORE_CACHE_SIZE = 2;
/** Stop a method's latency loop after this long even if fewer requests were made. */
const METHOD_BUDGET_MS = 30_000;
const IDLE_MS = 10_000;

interface Shape {
  /** Per unique stack: function ids (root first) and line choice per frame, and its thread. */
  fns: Uint16Array[];
  lines: Uint8Array[];
  thread: Uint8Array;
}

/**
 * 200,000 unique stacks of depth 20–40 over ~5,000 functions. Stacks share prefixes as real ones
 * do: each new stack keeps a random-length prefix of an earlier one and grows new frames.
 */
export function generateShape(seed: number): Shape {
  const rnd = mulberry32(seed);
  const fns: Uint16Array[] = [];
  const lines: Uint8Array[] = [];
  const thread = new Uint8Array(STACKS);
  const seen = new Set<string>();
  // Fixed roots: _start → main → wordfreq::run, then one of 8 phase functions.
  const maxAttempts = STACKS * 4;
  for (let attempt = 0; fns.length < STACKS && attempt < maxAttempts; attempt++) {
    const depth = 20 + Math.floor(rnd() * 21);
    const f = new Uint16Array(depth);
    const l = new Uint8Array(depth);
    f[0] = 0;
    f[1] = 1;
    f[2] = 2;
    let keep = 3;
    if (fns.length > 0 && rnd() < 0.9) {
      const pi = Math.floor(rnd() * fns.length);
      const parent = fns[pi]!;
      const parentLines = lines[pi]!;
      keep = Math.min(depth - 1, parent.length - 1, 4 + Math.floor(rnd() * (parent.length - 4)));
      for (let i = 3; i < keep; i++) {
        f[i] = parent[i]!;
        l[i] = parentLines[i]!;
      }
    } else {
      f[3] = 3 + Math.floor(rnd() * 8); // phase function
      keep = 4;
    }
    for (let i = keep; i < depth; i++) {
      // Deeper frames drawn from a skewed distribution, so some functions are everywhere.
      const r = rnd();
      f[i] = 11 + Math.floor((FUNCTIONS - 11) * r * r);
    }
    for (let i = 0; i < depth; i++) if (i < 3 || i >= keep) l[i] = Math.floor(rnd() * LINES_PER_FN);
    const t = Math.floor(rnd() * THREADS);
    const key = `${t}:${f.join(',')}:${l.join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    thread[fns.length] = t;
    fns.push(f);
    lines.push(l);
  }
  return { fns, lines, thread };
}

/** Counts for each stack summing to SAMPLES; `variant` shifts part of the weight elsewhere. */
export function generateCounts(n: number, variant: number): Uint32Array {
  const rnd = mulberry32(1000 + variant);
  const counts = new Uint32Array(n).fill(1);
  let left = SAMPLES - n;
  const offset = Math.floor(n * 0.37 * variant) % n;
  while (left > 0) {
    const r = rnd();
    // Mostly the same hot stacks; ~10% of the extra samples land on a variant-specific set.
    const i = rnd() < 0.9 ? Math.floor(n * r * r * r) : (offset + Math.floor(n * 0.02 * r)) % n;
    counts[i]!++;
    left--;
  }
  return counts;
}

export function buildProfile(shape: Shape, counts: Uint32Array): ProfileData {
  const b = new ProfileBuilder();
  b.event = 'cpu-clock:ppp';
  const locIds = new Int32Array(FUNCTIONS * LINES_PER_FN);
  const root = ['_start', 'main', 'wordfreq::run'];
  for (let fi = 0; fi < FUNCTIONS; fi++) {
    const mod = `m${fi % 97}`;
    const name = fi < root.length ? root[fi]! : fi < 11 ? `wordfreq::phase${fi - 3}` : `wordfreq::${mod}::f${fi}`;
    const file = `/src/wordfreq/src/${mod}.rs`;
    const line = 10 + ((fi * 37) % 900);
    const id = b.fn({ name, file, line, dso: 'wordfreq' });
    for (let k = 0; k < LINES_PER_FN; k++)
      locIds[fi * LINES_PER_FN + k] = b.location(id, { file, line: line + 1 + k * 3, inlined: k === LINES_PER_FN - 1 && fi % 5 === 0 });
  }
  const threads: number[] = [];
  for (let t = 0; t < THREADS; t++) threads.push(b.thread({ comm: t === 0 ? 'wordfreq' : `worker-${t}`, pid: 4242, tid: 4242 + t }));
  for (let s = 0; s < shape.fns.length; s++) {
    const f = shape.fns[s]!;
    const l = shape.lines[s]!;
    const locs = new Array<number>(f.length);
    for (let i = 0; i < f.length; i++) locs[i] = locIds[f[i]! * LINES_PER_FN + l[i]!]!;
    const c = counts[s]!;
    b.add(locs, threads[shape.thread[s]!]!, c, c * 1_000_000, { unknown: false, truncated: false });
  }
  return b.finish();
}

const ms = (x: number) => `${x.toFixed(2)} ms`;

function procStatus(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function cpuTicks(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" of comm: state is field 3, utime 14, stime 15.
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

export async function benchDaemon(opts: { runs: number }): Promise<string[][]> {
  const requests = Math.max(1, Math.floor(opts.runs));
  const rows: string[][] = [];
  const row = (...cells: string[]) => {
    rows.push(cells);
  };
  const work = mkdtempSync(path.join(os.tmpdir(), 'flame-bench-daemon-ws-'));
  let daemon: TestDaemon | undefined;
  let c: Connection | undefined;
  try {
    cpSync(path.join(REPO, 'examples', 'wordfreq'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });

    // Generate and store the profiles before the daemon starts (one owner of the store at a time).
    let t0 = performance.now();
    const shape = generateShape(42);
    const store = await ProfileStore.open(path.join(work, 'target', 'flame', 'profiles'));
    const metas: ProfileMeta[] = [];
    let genMs = 0;
    let addMs = 0;
    let first: ProfileData | undefined;
    let hottestPhase = 3;
    for (let v = 0; v < PROFILES; v++) {
      const g = performance.now();
      const counts = generateCounts(shape.fns.length, v);
      if (v === PROFILES - 1) {
        const byPhase = new Map<number, number>();
        for (let s = 0; s < counts.length; s++) byPhase.set(shape.fns[s]![3]!, (byPhase.get(shape.fns[s]![3]!) ?? 0) + counts[s]!);
        hottestPhase = [...byPhase].sort((a, b) => b[1] - a[1])[0]![0];
      }
      const p = buildProfile(shape, counts);
      genMs += performance.now() - g;
      if (!first) first = p;
      const a = performance.now();
      metas.push(await store.add({ target: { kind: 'command', name: `generated ${v}`, command: ['generated'] } }, p));
      addMs += performance.now() - a;
    }
    const fnCount = first!.functions.length;
    const stackCount = first!.stacks.thread.length;
    first = undefined;
    row(
      `setup: ${PROFILES} generated profiles (${SAMPLES.toLocaleString('en')} samples, ${stackCount.toLocaleString('en')} unique stacks, depth 20–40, ${fnCount} functions, ${THREADS} threads; same stacks, counts differ)`,
      `generate ${ms(genMs / PROFILES)} each`,
      `store.add ${ms(addMs / PROFILES)} each`,
      `total ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    // Start the daemon as the tests do.
    t0 = performance.now();
    daemon = await startDaemon({ prefix: 'flame-bench-daemon', workspace: work });
    const pid = daemon.child.pid!;
    row('daemon start → socket accepts', ms(performance.now() - t0), `RSS ${(procStatus(pid, 'VmRSS') / 2 ** 20).toFixed(0)} MiB`);

    c = await daemon.client('bench-daemon');
    const conn = c.conn;
    const latest = metas.at(-1)!.id;
    const previous = metas.at(-2)!.id;

    // A frame path that exists: the root chain plus the hottest phase under it (computed here, so
    // no request warms the daemon before the measured first requests).
    const treePath = ['_start', 'main', 'wordfreq::run', `wordfreq::phase${hottestPhase - 3}`];

    const methods: Array<[string, () => Promise<unknown>]> = [
      ['profile/top', () => send(conn, P.Top.type, { profile: latest })],
      [`profile/tree (path ${treePath.join(' → ')}, maxDepth 3)`, () => send(conn, P.Tree.type, { profile: latest, path: treePath, maxDepth: 3 })],
      // What a flame graph can draw: nodes under 0.1% of the subtree are narrower than a pixel.
      [
        `profile/tree (same path, maxDepth 3, minShare 0.001)`,
        () => send(conn, P.Tree.type, { profile: latest, path: treePath, maxDepth: 3, minShare: 0.001 }),
      ],
      ['profile/lines', () => send(conn, P.Lines.type, { profile: latest })],
      ['profile/diff (previous → latest; cached per pair)', () => send(conn, P.Diff.type, { base: previous, current: latest })],
    ];
    for (const [label, send] of methods) {
      const w = performance.now();
      const answer = await send();
      const warm = performance.now() - w;
      const size = Buffer.byteLength(JSON.stringify(answer));
      const xs: number[] = [];
      const start = performance.now();
      for (let i = 0; i < requests && performance.now() - start < METHOD_BUDGET_MS; i++) {
        const t = performance.now();
        await send();
        xs.push(performance.now() - t);
      }
      xs.sort((a, b) => a - b);
      row(
        `${label}: p50 / p99 of ${xs.length} requests; first request (cold caches${label.startsWith('profile/top') ? ', incl. load from disk' : ''}${label.startsWith('profile/diff') ? ', incl. loading base' : ''})`,
        ms(quantile(xs, 0.5)),
        ms(quantile(xs, 0.99)),
        `first ${ms(warm)}`,
        `answer ${(size / 1024).toFixed(0)} KiB`,
      );
    }
    row('daemon RSS after the latency runs (2 profiles touched)', `${(procStatus(pid, 'VmRSS') / 2 ** 20).toFixed(0)} MiB`);

    // RSS after one profile/top on each of the 10 profiles.
    t0 = performance.now();
    const each: number[] = [];
    for (const m of metas) {
      const t = performance.now();
      await send(conn, P.Top.type, { profile: m.id, limit: 10 });
      each.push(performance.now() - t);
    }
    each.sort((a, b) => a - b);
    row(
      `daemon RSS after profile/top on each of ${PROFILES} profiles (store LRU keeps ${STORE_CACHE_SIZE} parsed; VmRSS / VmHWM peak)`,
      `${(procStatus(pid, 'VmRSS') / 2 ** 20).toFixed(0)} MiB`,
      `peak ${(procStatus(pid, 'VmHWM') / 2 ** 20).toFixed(0)} MiB`,
      `top per profile median ${ms(quantile(each, 0.5))} (max ${ms(each.at(-1)!)})`,
    );

    // Idle CPU: no client, no session.
    c.close();
    c = undefined;
    await new Promise((r) => setTimeout(r, 1000));
    const tick = 100; // CLK_TCK on Linux
    const a = cpuTicks(pid);
    const w = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const b = cpuTicks(pid);
    const wall = performance.now() - w;
    row(
      `daemon idle CPU over ${(wall / 1000).toFixed(0)} s (no client, no session; utime+stime)`,
      `${(((b - a) / tick / (wall / 1000)) * 100).toFixed(2)} % of one core`,
      `${b - a} ticks`,
    );
  } finally {
    c?.close();
    await daemon?.stop();
    rmSync(work, { recursive: true, force: true });
    if (daemon) rmSync(daemon.runtime, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = await benchDaemon({ runs: Number(process.env.FLAME_BENCH_DAEMON_REQUESTS ?? 200) });
  for (const r of rows) console.log(r.join(' | '));
}
