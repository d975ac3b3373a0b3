// flame push against a real Grafana Pyroscope server (`npm run test:pyroscope`, not part of
// `npm test`: the server takes ~10 minutes and 2.6 GB of Go caches to build; see
// build-pyroscope.sh). Real profiles of the hotspots fixture (cargo, perf) go to the server four
// ways: queued while the server is down (and removed from the history meanwhile) and pushed by the
// next `flame push`, pushed by `flame push`, in pieces, and by the daemon when `flame record`
// stores one. Each is read back through
// Pyroscope's query API (querier.v1.QuerierService/SelectMergeProfile, a pprof profile) and every
// function's self and total must be flame's own `flame top` counts, as CPU nanoseconds.
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openHistory } from '../../engine/store/history.js';
import { PushQueue, queueDir } from '../../engine/push/queue.js';
import { pushProfile, type PushOutcome } from '../../engine/push/pusher.js';
import { FIXTURES, runFlame, scratch } from '../helpers.js';
import { freePort, pyroscopeBinary, startPyroscope, type Pyroscope } from './pyroscope-server.js';

const RUN = `r${process.pid}x${Date.now().toString(36)}`;
const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';

let server: Pyroscope | undefined;
let port = 0;
const ws = scratch('flame-pyro-ws-');
const runtime = scratch('flame-pyro-rt-');
const env = { FLAME_RUNTIME_DIR: runtime, FLAME_CACHE_DIR: path.join(runtime, 'cache'), FLAME_PUSH_ATTEMPTS: '2', FLAME_PUSH_BACKOFF_MS: '50' };

type Outcome = PushOutcome;

function setting(labels: string): void {
  const manifest = path.join(ws, 'Cargo.toml');
  const base = readFileSync(manifest, 'utf8').split('\n[package.metadata.flame.push]')[0]!;
  writeFileSync(manifest, `${base}\n[package.metadata.flame.push]\nurl = "http://127.0.0.1:${port}"\nlabels = { ${labels} }\n`);
}

/** The stderr of the last `flame record`. */
let recordStderr = '';

async function record(args: string[] = []): Promise<string> {
  const r = await runFlame(['record', '--json', '-o', path.join(ws, 'out.svg'), ...args], { cwd: ws, env });
  assert.equal(r.exitCode, 0, r.stderr);
  recordStderr = r.stderr;
  return (JSON.parse(r.stdout) as { profile: string }).profile;
}

/** Wait until the queue's entry of `id` is no longer queued. */
async function pushedEntry(id: string) {
  const queue = new PushQueue(queueDir(path.join(ws, 'target')));
  for (const end = Date.now() + 120_000; ;) {
    const entry = (await queue.list()).find((e) => e.id === id && e.state !== 'queued');
    if (entry || Date.now() > end) return entry;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A stored profile's pushed time range (ms), its CPU nanoseconds per sample, and flame's counts. */
async function stored(id: string) {
  const store = await openHistory(path.join(ws, 'target'));
  const meta = store.resolve(id);
  const data = await store.get(id);
  const end = Date.parse(meta.createdAt);
  return {
    range: { start: end - (meta.durationMs ?? 0), end },
    nanos: Math.floor(1e9 / Math.round((data.totalSamples * 1e9) / data.totalPeriod)),
    top: await flameTop(id),
  };
}

async function push(args: string[]): Promise<{ exitCode: number; pushed: Outcome[]; stderr: string }> {
  const r = await runFlame(['push', '--json', ...args], { cwd: ws, env });
  return { exitCode: r.exitCode, pushed: (JSON.parse(r.stdout || '{"pushed":[]}') as { pushed: Outcome[] }).pushed, stderr: r.stderr };
}

/** flame's own counts of a profile: every function's self and total, in samples, by name. */
async function flameTop(id: string): Promise<Map<string, { self: number; total: number }>> {
  const r = await runFlame(['top', '--profile', id, '--limit', '0', '--json'], { cwd: ws, env });
  assert.equal(r.exitCode, 0, r.stderr);
  const rows = (JSON.parse(r.stdout) as { functions: Array<{ name: string; self: number; total: number }> }).functions;
  const out = new Map<string, { self: number; total: number }>();
  for (const f of rows) {
    // Folded text has no ';' in a name: flame's folded export writes it as ':'.
    const name = f.name.replace(/;/g, ':');
    assert.ok(!out.has(name), `two functions named ${name}: totals by name would not be flame's`);
    out.set(name, { self: f.self, total: f.total });
  }
  return out;
}

/** Pyroscope's merged pprof profile of the series matching `selector`: every function's self and total. */
async function pyroscopeTotals(selector: string, range?: { start: number; end: number }): Promise<Map<string, { self: number; total: number }>> {
  const now = Date.now();
  const { start, end } = range ?? { start: now - 3_600_000, end: now + 600_000 };
  const res = await fetch(`${server!.url}/querier.v1.QuerierService/SelectMergeProfile`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ profileTypeID: CPU, labelSelector: selector, start, end }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const p = JSON.parse(text) as {
    sample?: Array<{ locationId: string[]; value: string[] }>;
    location?: Array<{ id: string; line: Array<{ functionId: string }> }>;
    function?: Array<{ id: string; name: string }>;
    stringTable: string[];
  };
  const fnName = new Map((p.function ?? []).map((f) => [f.id, p.stringTable[Number(f.name ?? 0)]!]));
  const locFns = new Map((p.location ?? []).map((l) => [l.id, l.line.map((x) => fnName.get(x.functionId)!)]));
  const out = new Map<string, { self: number; total: number }>();
  const row = (n: string) => out.get(n) ?? out.set(n, { self: 0, total: 0 }).get(n)!;
  for (const s of p.sample ?? []) {
    const v = Number(s.value[0]);
    // pprof lists the leaf first; a location's lines are innermost first.
    const frames = s.locationId.flatMap((l) => locFns.get(l)!);
    row(frames[0]!).self += v;
    for (const n of new Set(frames)) row(n).total += v;
  }
  return out;
}

/** Every function of flame's profile is in Pyroscope's with self and total × ns per sample, and nothing else is. */
function assertSameTotals(
  flame: Map<string, { self: number; total: number }>,
  pyro: Map<string, { self: number; total: number }>,
  nanos: number,
  what: string,
): void {
  assert.ok(flame.size > 10, `${what}: ${flame.size} functions`);
  const wrong: string[] = [];
  for (const [name, f] of flame) {
    const p = pyro.get(name);
    if (!p || p.self !== f.self * nanos || p.total !== f.total * nanos)
      wrong.push(`${name}: flame ${f.self}/${f.total} × ${nanos} ns, pyroscope ${p ? `${p.self}/${p.total}` : 'absent'}`);
  }
  for (const name of pyro.keys()) if (!flame.has(name)) wrong.push(`${name}: only in pyroscope`);
  assert.deepEqual(wrong, [], `${what}: ${wrong.length} of ${flame.size} functions differ`);
}

before(async () => {
  pyroscopeBinary(); // fails at once, with how to build it, when there is none
  cpSync(path.join(FIXTURES, 'hotspots'), ws, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  port = await freePort();
  setting(`run = "${RUN}"`);
});

after(async () => {
  await runFlame(['daemon', 'stop'], { cwd: ws, env });
  await server?.stop();
});

test('a profile pushed while the server is down stays queued, and the next flame push delivers it once the server is up', async () => {
  const first = await record();
  const down = await push([first, '--label', 'case=queued']);
  assert.equal(down.exitCode, 1);
  assert.deepEqual(
    down.pushed.map((o) => [o.id, o.state]),
    [[first, 'queued']],
  );
  assert.match(down.stderr, /did not take the profile after 2 attempts: ECONNREFUSED/);
  // The history's retention takes the profile while the server is down: the queue keeps what it posts.
  const firstTop = await flameTop(first);
  const hist = path.join(ws, 'target', 'flame', 'profiles');
  for (const n of readdirSync(hist).filter((x) => x.startsWith(`${first}.`))) rmSync(path.join(hist, n));

  server = await startPyroscope(port);
  const second = await record(['-F', '499']);
  const up = await push([second, '--label', 'case=second']);
  assert.equal(up.exitCode, 0, up.stderr);
  assert.deepEqual(
    up.pushed.map((o) => [o.id, o.state]),
    [
      [second, 'pushed'],
      [first, 'pushed'],
    ],
  );
  const [mine, queued] = up.pushed as [Outcome, Outcome];
  // Pushed: the queue keeps their entries (the status) and no longer their bodies.
  assert.deepEqual(
    readdirSync(queueDir(path.join(ws, 'target'))).filter((n) => n.endsWith('.payload.gz')),
    [],
  );
  assert.equal(mine.profileType, CPU);
  assert.equal(mine.app, 'hotspots');
  // -F 499 and -F 997: the rate is perf's own, and a sample is worth that many nanoseconds.
  assert.ok(Math.abs(mine.sampleRate - 499) <= 15, `${mine.sampleRate}`);
  assert.ok(Math.abs(queued.sampleRate - 997) <= 30, `${queued.sampleRate}`);
  assert.equal(mine.nanosPerSample, Math.floor(1e9 / mine.sampleRate));

  assertSameTotals(firstTop, await pyroscopeTotals(`{service_name="hotspots", run="${RUN}", case="queued"}`), queued.nanosPerSample, 'the queued profile');
  assertSameTotals(
    await flameTop(second),
    await pyroscopeTotals(`{service_name="hotspots", run="${RUN}", case="second"}`),
    mine.nanosPerSample,
    'the pushed profile',
  );

  // The series carries flame's labels.
  const now = Date.now();
  const series = (await (
    await fetch(`${server.url}/querier.v1.QuerierService/Series`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ matchers: [`{service_name="hotspots", run="${RUN}", case="second"}`], start: now - 3_600_000, end: now + 600_000 }),
    })
  ).json()) as { labelsSet: Array<{ labels: Array<{ name: string; value: string }> }> };
  assert.equal(series.labelsSet.length, 1);
  const labels = Object.fromEntries(series.labelsSet[0]!.labels.map((l) => [l.name, l.value]));
  for (const k of ['target', 'target_kind', 'host', 'flame_version', 'event']) assert.equal(labels[k], mine.labels[k], k);
  assert.equal(labels.__profile_type__, CPU);
  assert.equal(labels.target, 'hotspots');

  // Pushed once: pushing it again is refused unless forced.
  const again = await push([second]);
  assert.equal(again.exitCode, 0);
  assert.equal(again.pushed[0]?.state, 'pushed');
  assertSameTotals(
    await flameTop(second),
    await pyroscopeTotals(`{service_name="hotspots", run="${RUN}", case="second"}`),
    mine.nanosPerSample,
    'not counted twice',
  );
});

test('a profile in pieces sums to the same totals on the server', async () => {
  const store = await openHistory(path.join(ws, 'target'));
  const meta = store.resolve('latest');
  const o = await pushProfile(
    store,
    new PushQueue(queueDir(path.join(ws, 'target'))),
    meta,
    { url: server!.url, tenant: 'pieces' },
    {
      labels: { run: RUN, case: 'pieces' },
      limits: { maxLines: 2, maxBytes: 1 << 20 },
    },
  );
  assert.equal(o.state, 'pushed', o.error);
  assert.ok(o.pieces > 3, `${o.pieces} pieces`);
  assertSameTotals(
    await flameTop(meta.id),
    await pyroscopeTotals(`{service_name="hotspots", run="${RUN}", case="pieces"}`),
    o.nanosPerSample,
    'the profile in pieces',
  );
});

test('with the setting on: flame record queues its profile, the daemon pushes it when it starts, and pushes each new one', async () => {
  setting(`run = "${RUN}", case = "daemon"`);
  // No daemon runs: the profile is queued, and waits.
  const early = await record();
  assert.match(recordStderr, /flame: queued for http:\/\/127\.0\.0\.1:\d+ by the push setting; no daemon runs/);
  assert.equal((await new PushQueue(queueDir(path.join(ws, 'target'))).list()).find((e) => e.id === early)?.state, 'queued');
  const start = await runFlame(['daemon', 'start'], { cwd: ws, env });
  assert.equal(start.exitCode, 0, start.stderr);
  const atStart = await pushedEntry(early);
  assert.equal(atStart?.state, 'pushed', atStart?.error ?? 'the daemon did not push the queued profile when it started');
  // With the daemon running, flame record tells it, and it pushes.
  const id = await record();
  assert.match(recordStderr, /flame: queued for http:\/\/127\.0\.0\.1:\d+ by the push setting; the daemon pushes it/);
  // `flame push` of it at once, while the daemon pushes it: one waits for the other, and the
  // profile is counted once (the totals below).
  const meanwhile = await push([id]);
  assert.equal(meanwhile.exitCode, 0, meanwhile.stderr);
  assert.equal(meanwhile.pushed[0]?.state, 'pushed');
  const entry = await pushedEntry(id);
  assert.equal(entry?.state, 'pushed', entry?.error ?? 'the daemon did not push it');
  assert.equal(entry.labels.case, 'daemon');
  const listed = await runFlame(['profiles'], { cwd: ws, env });
  assert.match(listed.stdout, new RegExp(`${id}.*push: pushed \\(http://127\\.0\\.0\\.1:${port}\\)`));
  // Same labels, one after the other: each read back by its own time range.
  for (const [pid, what] of [
    [early, 'the push at daemon start'],
    [id, "the daemon's push"],
  ] as const) {
    const p = await stored(pid);
    assertSameTotals(p.top, await pyroscopeTotals(`{service_name="hotspots", run="${RUN}", case="daemon"}`, p.range), p.nanos, what);
  }
  assert.equal((await runFlame(['daemon', 'stop'], { cwd: ws, env })).exitCode, 0);
});

test("a profile older than the server's ingestion window is refused: failed, with the server's message, not retried", async () => {
  const targetDir = path.join(ws, 'target');
  cpSync(path.join(FIXTURES, 'store-format2'), path.join(targetDir, 'flame', 'profiles'), { recursive: true });
  const old = await push(['20261202T033148.285-5f10', '--to', server!.url]);
  assert.equal(old.exitCode, 1);
  assert.equal(old.pushed[0]?.state, 'failed');
  assert.match(old.stderr, /^error: http:\/\/127\.0\.0\.1:\d+ refused the profile: HTTP 4\d\d: .*ingestion window/m);
  const entry = (await new PushQueue(queueDir(targetDir)).list()).find((e) => e.id === '20261202T033148.285-5f10');
  assert.equal(entry?.attempts, 1, 'one round');
  assert.equal(entry?.state, 'failed');
  assert.match(entry!.error!, /ingestion window/);
});
