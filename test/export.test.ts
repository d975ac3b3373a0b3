// Exports: folded text, speedscope's file format (checked against its schema's required fields)
// and pprof (decoded back with pprof-format; test/pprof.test.ts has `go tool pprof` read it).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { Profile } from 'pprof-format';
import { chromium } from 'playwright-core';
import { ProfileBuilder, type ProfileData } from '../engine/profile/profile.js';
import { toFolded } from '../engine/export/formats/folded.js';
import { toPprof } from '../engine/export/formats/pprof.js';
import { SPEEDSCOPE_SCHEMA, toSpeedscope, type SpeedscopeFile } from '../engine/export/formats/speedscope.js';
import { analyzePerfData } from '../engine/profile/analyze.js';
import { buildHotspots, perfRecordTo } from './helpers.js';

// The page's document, inside page.evaluate (this file compiles without the DOM library).
declare const document: any;

/**
 * Stacks as [thread comm/tid, 'a;b;c' root first ('*' marks an inlined frame), samples], of a
 * cycles recording (each sample's period 1), or of cpu-clock's with each sample a millisecond
 * and a stack's first sample 0.25 ms more (its periods differ from a multiple of its samples).
 */
function build(rows: Array<[string, string, number]>, event = 'cycles:P'): ProfileData {
  const b = new ProfileBuilder();
  b.event = event;
  const clock = event.startsWith('cpu-clock');
  for (const [thread, stack, n] of rows) {
    const [comm, tid] = thread.split('/');
    const t = b.thread({ comm: comm!, pid: 1, tid: Number(tid) });
    const locs = stack.split(';').map((f, k) => {
      const inlined = f.endsWith('*');
      const name = inlined ? f.slice(0, -1) : f;
      return b.location(b.fn({ name, file: `src/${name}.rs`, line: 1 }), { file: `src/${name}.rs`, line: 10 + k, inlined });
    });
    b.add(locs, t, n, clock ? n * 1_000_000 + 250_000 : n, { unknown: false, truncated: false });
  }
  return b.finish();
}

const P = build([
  ['main/1', 'main;hash_chain;mix*', 6],
  ['main/1', 'main;hash_chain', 1],
  ['main/1', 'main;fib;fib', 4],
  ['primes/2', 'start;count_primes', 7],
  ['primes/2', 'start;main', 2],
]);

const foldedCases: Array<{ name: string; opts: Parameters<typeof toFolded>[1]; want: string }> = [
  { name: 'plain', opts: {}, want: 'main;fib;fib 4\nmain;hash_chain 1\nmain;hash_chain;mix 6\nstart;count_primes 7\nstart;main 2\n' },
  { name: 'one thread', opts: { thread: 'primes' }, want: 'start;count_primes 7\nstart;main 2\n' },
  {
    name: 'thread prefix and inline marks',
    opts: { threads: true, markInlined: true, thread: 1 },
    want: 'main-1;main;fib;fib 4\nmain-1;main;hash_chain 1\nmain-1;main;hash_chain;mix_[i] 6\n',
  },
  { name: 'no samples', opts: { thread: 42 }, want: '' },
];

for (const c of foldedCases) {
  test(`toFolded: ${c.name}`, () => assert.equal(toFolded(P, c.opts), c.want));
}

// speedscope's own schema, as its npm package ships it: a file it accepts is one the app opens.
const require = createRequire(import.meta.url);
const schemaFile = path.join(path.dirname(require.resolve('speedscope/package.json')), 'dist', 'release', 'file-format-schema.json');
const validateSpeedscope = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);

/**
 * Checks a speedscope file against speedscope's schema (after a trip through JSON, as the app
 * reads it), and what the schema cannot say: frame indexes in range, weights adding up.
 */
function checkSpeedscope(file: unknown): void {
  const f = JSON.parse(JSON.stringify(file)) as SpeedscopeFile;
  assert.ok(validateSpeedscope(f), JSON.stringify(validateSpeedscope.errors));
  assert.equal(f.$schema, SPEEDSCOPE_SCHEMA);
  for (const pr of f.profiles) {
    assert.equal(pr.samples.length, pr.weights.length);
    for (const s of pr.samples) for (const i of s) assert.ok(Number.isInteger(i) && i >= 0 && i < f.shared.frames.length);
    assert.equal(
      pr.weights.reduce((a: number, b: number) => a + b, 0),
      pr.endValue - pr.startValue,
    );
  }
}

test("checkSpeedscope: speedscope's schema refuses a unit it does not know and a sampled profile without weights", () => {
  const bad = toSpeedscope(P, 'x') as unknown as { profiles: Array<Record<string, unknown>> };
  bad.profiles[0]!.unit = 'samples';
  assert.throws(() => checkSpeedscope(bad), /must be equal to one of the allowed values/);
  delete bad.profiles[0]!.weights;
  bad.profiles[0]!.unit = 'none';
  assert.throws(() => checkSpeedscope(bad), /must have required property 'weights'/);
});

test('toSpeedscope: one sampled profile per thread, frames per function, stacks root first', () => {
  const s = toSpeedscope(P, 'bench run');
  checkSpeedscope(s);
  const frame = (name: string) => s.shared.frames.findIndex((f) => f.name === name);
  assert.deepEqual(s.shared.frames[frame('mix')], { name: 'mix', file: 'src/mix.rs', line: 1 });
  assert.deepEqual(
    s.profiles.map((pr) => [pr.name, pr.endValue]),
    [
      ['main (tid 1)', 11],
      ['primes (tid 2)', 9],
    ],
  );
  assert.equal(s.activeProfileIndex, 0);
  const main = s.profiles[0]!;
  const stacks = main.samples.map((st, i) => `${st.map((f) => s.shared.frames[f]!.name).join(';')} ${main.weights[i]}`).sort();
  assert.deepEqual(stacks, ['main;fib;fib 4', 'main;hash_chain 1', 'main;hash_chain;mix 6']);
});

test('toSpeedscope: the weights of a time event are its CPU time in nanoseconds', () => {
  const s = toSpeedscope(
    build(
      [
        ['main/1', 'main;fib', 4],
        ['main/1', 'main', 2],
      ],
      'cpu-clock:pppH',
    ),
    'x',
  );
  checkSpeedscope(s);
  assert.deepEqual(
    s.profiles.map((pr) => [pr.unit, pr.endValue, [...pr.weights].sort()]),
    [['nanoseconds', 6_500_000, [2_250_000, 4_250_000]]],
  );
});

test('toSpeedscope: all threads in one profile, or one thread', () => {
  const all = toSpeedscope(P, 'x', { combineThreads: true });
  checkSpeedscope(all);
  assert.deepEqual(
    all.profiles.map((pr) => [pr.name, pr.endValue, pr.samples.length]),
    [['x', 20, 5]],
  );
  const one = toSpeedscope(P, 'x', { thread: 'primes' });
  checkSpeedscope(one);
  assert.deepEqual(
    one.profiles.map((pr) => [pr.name, pr.endValue]),
    [['primes (tid 2)', 9]],
  );
});

interface Decoded {
  total: number;
  sampleType: string[];
  /** Each sample as its locations' lines, leaf first: [['mix', 'hash_chain'], ['main']]. */
  stacks: Array<{ lines: string[][]; value: number; thread: string; tid: number }>;
  functions: string[];
}

function decode(bytes: Uint8Array): Decoded {
  const prof = Profile.decode(gunzipSync(bytes));
  const str = (i: number | bigint) => prof.stringTable.strings[Number(i)]!;
  const fnName = new Map(prof.function.map((f) => [Number(f.id), str(f.name)]));
  const loc = new Map(prof.location.map((l) => [Number(l.id), l.line.map((ln) => fnName.get(Number(ln.functionId))!)]));
  const stacks = prof.sample.map((s) => ({
    lines: s.locationId.map((id) => loc.get(Number(id))!),
    value: Number(s.value[0]),
    thread: str(s.label.find((l) => str(l.key) === 'thread')!.str),
    tid: Number(s.label.find((l) => str(l.key) === 'thread_id')!.num),
  }));
  return {
    total: stacks.reduce((a, s) => a + s.value, 0),
    sampleType: prof.sampleType.flatMap((t) => [str(t.type), str(t.unit)]),
    stacks,
    functions: [...fnName.values()].sort(),
  };
}

test('toPprof: decodes back to the same samples, an inline chain as one Location with Lines innermost first', () => {
  const d = decode(toPprof(P));
  // A hardware event's period counts the event, not time.
  assert.deepEqual(d.sampleType, ['samples', 'count', 'cycles', 'count']);
  assert.equal(d.total, 20);
  assert.deepEqual(d.functions, ['count_primes', 'fib', 'hash_chain', 'main', 'mix', 'start']);
  const byStack = Object.fromEntries(d.stacks.map((s) => [JSON.stringify(s.lines), [s.value, s.thread, s.tid]]));
  assert.deepEqual(byStack, {
    '[["mix","hash_chain"],["main"]]': [6, 'main', 1],
    '[["hash_chain"],["main"]]': [1, 'main', 1],
    '[["fib"],["fib"],["main"]]': [4, 'main', 1],
    '[["count_primes"],["start"]]': [7, 'primes', 2],
    '[["main"],["start"]]': [2, 'primes', 2],
  });
  assert.equal(decode(toPprof(P, { thread: 2 })).total, 9);
});

// ---- a real recording ----------------------------------------------------------------------

let real: ProfileData;
let dir: string;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'flame-export-'));
  await perfRecordTo(path.join(dir, 'perf.data'), [await buildHotspots()], { FLAME_FIXTURE_SCALE: '0.5' });
  real = (await analyzePerfData(path.join(dir, 'perf.data'), { cacheDir: path.join(dir, 'cache') })).profile;
});

test('real recording: pprof keeps totals and names, and mix inlined into hash_chain is one Location of two Lines', () => {
  const d = decode(toPprof(real));
  assert.equal(d.total, real.totalSamples);
  assert.deepEqual(d.functions, real.functions.map((f) => f.name).sort());
  const leaves = d.stacks.map((s) => s.lines[0]!);
  assert.ok(
    leaves.some((l) => l.length === 2 && l[0] === 'hotspots::mix' && l[1] === 'hotspots::hash_chain'),
    'a [mix, hash_chain] location',
  );
  // mix is always inlined: it never is a Location of its own.
  for (const s of d.stacks) for (const l of s.lines) assert.ok(l[l.length - 1] !== 'hotspots::mix');
  const threads = new Set(d.stacks.map((s) => s.thread));
  assert.ok(threads.has('primes'), [...threads].join(','));
});

test('real recording: speedscope is valid and its weights add up per thread', () => {
  const s = toSpeedscope(real, 'hotspots');
  checkSpeedscope(s);
  // perf's cpu-clock: the weights are the samples' periods, in nanoseconds.
  assert.match(real.event, /^cpu-clock/);
  assert.ok(s.profiles.every((pr) => pr.unit === 'nanoseconds'));
  assert.equal(
    s.profiles.reduce((a, pr) => a + pr.endValue, 0),
    Math.round(real.totalPeriod),
  );
  assert.ok(s.profiles.length >= 2, 'main and primes threads');
});

test("real recording: speedscope's own app (its npm package, in Chromium) opens the export and shows CPU times", async () => {
  const release = path.join(path.dirname(require.resolve('speedscope/package.json')), 'dist', 'release');
  const json = JSON.stringify(toSpeedscope(real, 'hotspots export'));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x').pathname;
    if (url === '/profile.speedscope.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(json);
    const file = path.join(release, path.basename(url) || 'index.html');
    try {
      res
        .writeHead(200, { 'content-type': file.endsWith('.html') ? 'text/html' : file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' })
        .end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'], timeout: 30_000 });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const profileURL = encodeURIComponent(`http://127.0.0.1:${port}/profile.speedscope.json`);
    await page.goto(`http://127.0.0.1:${port}/index.html#profileURL=${profileURL}&view=sandwich`);
    await page.waitForFunction(() => document.title.endsWith(' - speedscope'), undefined, { timeout: 30_000 });
    // The sandwich view's table: the busiest thread's functions with their times.
    await page.waitForFunction(() => document.body.innerText.includes('hotspots::hash_chain'), undefined, { timeout: 30_000 });
    const text = await page.evaluate(() => document.body.innerText);
    assert.match(text, /\d+(\.\d+)?ms/, 'times, not bare counts');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
