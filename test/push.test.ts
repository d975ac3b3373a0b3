// engine/push: the labels and names a profile gets on Grafana Pyroscope, the folded bodies it is
// posted as, the push setting from Cargo.toml (real cargo metadata), and the durable queue against
// a server that refuses connections. The real server is test/integration/pyroscope.test.ts's.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { readMetadata } from '../engine/cargo/target.js';
import { foldedBodies } from '../engine/push/body.js';
import { authHeaders, checkUrl, pushSetting } from '../engine/push/config.js';
import { appName, ingestName, ingestQuery, labelValue, nanosPerSample, pushIdentity, sampleRateOf } from '../engine/push/labels.js';
import { backoffDelay, retryable } from '../engine/push/push.js';
import { drainQueue, pushProfile } from '../engine/push/pusher.js';
import { PushQueue, pushStatuses, queueDir } from '../engine/push/queue.js';
import { toFolded } from '../engine/export/formats/folded.js';
import { historyDir } from '../engine/store/history.js';
import { ProfileStore } from '../engine/store/store.js';
import { topFunctions } from '../engine/query/query.js';
import type { ProfileMeta } from '../protocol/types.js';
import { ErrorCodes, FlameError } from '../protocol/errors.js';
import { evaluate } from '../engine/doctor/checks.js';
import { gatherFacts } from '../engine/doctor/doctor.js';
import { startDaemon } from './daemon-fixture.js';
import { FIXTURES, runCmd, runFlame, scratch } from './helpers.js';

const FACTS = { host: 'ci-runner-7', flameVersion: '0.1.0' };

function meta(over: Partial<ProfileMeta> = {}): ProfileMeta {
  return {
    id: '20261202T120000.000-abcd',
    createdAt: '2026-12-02T12:00:10.500Z',
    samples: 997,
    unit: 'samples',
    event: 'cpu-clock:ppp',
    quality: { samples: 997, unknownShare: 0, truncatedShare: 0, lost: 0 },
    target: { kind: 'bin', name: 'server', package: 'my-app', executable: '/x/server', profile: 'release' },
    source: { hash: 'ab', git: { commit: '4f2d9c', dirty: true, branch: 'feature/fast' } },
    durationMs: 2500,
    ...over,
  };
}

test('labels: target, git commit, branch and dirty flag, host, flame version, event; the package is the application', () => {
  const id = pushIdentity(meta(), 1e9, FACTS);
  assert.equal(id.app, 'my-app');
  assert.deepEqual(id.labels, {
    target: 'server',
    target_kind: 'bin',
    git_commit: '4f2d9c',
    git_branch: 'feature/fast',
    git_dirty: 'true',
    host: 'ci-runner-7',
    flame_version: '0.1.0',
    event: 'cpu-clock',
  });
  assert.equal(
    ingestName(id),
    'my-app.cpu{event=cpu-clock,flame_version=0.1.0,git_branch=feature/fast,git_commit=4f2d9c,git_dirty=true,host=ci-runner-7,target=server,target_kind=bin}',
  );
  // The setting's labels and app override flame's; CI's branch stands in for a detached HEAD.
  const detached = meta({ source: { hash: 'ab', git: { commit: 'c0ffee', dirty: false } } });
  const custom = pushIdentity(detached, 1e9, { ...FACTS, branch: 'main' }, { app: 'payments api', labels: { team: 'perf', host: 'pool-a' } });
  assert.equal(custom.app, 'payments_api');
  assert.equal(custom.labels.git_branch, 'main');
  assert.equal(custom.labels.git_dirty, 'false');
  assert.equal(custom.labels.host, 'pool-a');
  assert.equal(custom.labels.team, 'perf');
  // A command's profile is named by its command; one without a source state has no git labels.
  const cmd = pushIdentity(meta({ target: { kind: 'command', name: 'ripgrep', command: ['ripgrep', 'x'] }, source: undefined }), 1e9, FACTS);
  assert.equal(cmd.app, 'ripgrep');
  assert.equal('git_commit' in cmd.labels, false);
  assert.throws(
    () => pushIdentity(meta(), 1e9, FACTS, { labels: { 'bad-name': 'x' } }),
    (e: FlameError) => e.code === ErrorCodes.BadInput && /bad-name/.test(e.message),
  );
  assert.throws(() => pushIdentity(meta(), 1e9, FACTS, { labels: { service_name: 'x' } }), /set by Pyroscope/);
});

test("label values and app names are what Pyroscope's ingest parses back: no , { } =, trimmed", () => {
  assert.equal(labelValue(' a,b{c}=d '), 'a_b_c__d');
  assert.equal(labelValue('line\nbreak'), 'line_break');
  assert.equal(labelValue('x'.repeat(3000)).length, 2048);
  assert.equal(appName('my crate!'), 'my_crate_');
  assert.equal(appName('...'), 'flame');
  assert.equal(appName('team/svc-1.2'), 'team/svc-1.2');
});

test("sample rate: from perf's periods for time events, so the server reads CPU nanoseconds; none for other events", () => {
  // 997 samples over 0.994 s of cpu-clock periods: 1003 per second.
  assert.equal(sampleRateOf('cpu-clock:ppp', 997, 994e6), 1003);
  assert.equal(sampleRateOf('task-clock', 4999, 1e9), 4999);
  assert.equal(sampleRateOf('cycles:P', 997, 1e12), 0);
  assert.equal(sampleRateOf('cpu-clock', 10, 0), 0);
  assert.equal(nanosPerSample(997), 1003009);
  assert.equal(nanosPerSample(0), 0);
  const q = new URLSearchParams(ingestQuery(pushIdentity(meta(), 1e9 * (997 / 997), FACTS), meta()));
  // The run's time range in milliseconds: it ended when stored and lasted durationMs; each piece
  // starts a millisecond after the one before.
  assert.equal(q.get('from'), String(Date.parse('2026-12-02T12:00:08.000Z')));
  assert.equal(q.get('until'), String(Date.parse('2026-12-02T12:00:10.500Z')));
  assert.equal(new URLSearchParams(ingestQuery(pushIdentity(meta(), 1e9, FACTS), meta(), 3)).get('from'), String(Date.parse('2026-12-02T12:00:08.003Z')));
  assert.equal(q.get('sampleRate'), '997');
  assert.equal(q.get('format'), 'folded');
});

test('retries: network errors, 408, 425, 429 and 5xx are retried with doubling waits; other refusals are final', () => {
  assert.deepEqual([400, 401, 403, 404, 413, 422].map(retryable), [false, false, false, false, false, false]);
  assert.deepEqual([408, 425, 429, 500, 502, 503].map(retryable), [true, true, true, true, true, true]);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 500, 8000)),
    [500, 1000, 2000, 4000, 8000, 8000],
  );
});

async function fixtureHistory(): Promise<{ targetDir: string; store: ProfileStore; meta: ProfileMeta }> {
  const targetDir = path.join(scratch('flame-push-'), 'target');
  mkdirSync(historyDir(targetDir), { recursive: true });
  cpSync(path.join(FIXTURES, 'store-format2'), historyDir(targetDir), { recursive: true });
  const store = await ProfileStore.open(historyDir(targetDir));
  return { targetDir, store, meta: store.list()[0]! };
}

test("folded bodies: the profile's folded export, cut into whole lines within the limits, summing to the profile", async () => {
  const { store, meta: m } = await fixtureHistory();
  const p = await store.get(m.id);
  const whole = toFolded(p);
  assert.deepEqual(foldedBodies(p), [whole]);
  const lines = whole.split('\n').filter(Boolean);
  const pieces = foldedBodies(p, { maxLines: 7, maxBytes: 1 << 20 });
  assert.equal(pieces.length, Math.ceil(lines.length / 7));
  assert.equal(pieces.join(''), whole);
  for (const b of pieces) assert.ok(b.endsWith('\n') && b.split('\n').length - 1 <= 7);
  const small = foldedBodies(p, { maxLines: 8000, maxBytes: 600 });
  assert.equal(small.join(''), whole);
  // A line longer than the limit still goes, alone.
  for (const b of small) assert.ok(Buffer.byteLength(b) <= 600 || b.split('\n').length === 2, `${Buffer.byteLength(b)} bytes`);
  assert.deepEqual(foldedBodies(p, { maxLines: 7, maxBytes: 1 << 20 }), pieces, 'the same pieces every time: a push resumes after the last one taken');
  // The format-2 profile kept perf's periods: its rate is cpu-clock's own.
  assert.ok(p.totalPeriod > 0);
  assert.equal(sampleRateOf(p.event, p.totalSamples, p.totalPeriod), Math.round((p.totalSamples * 1e9) / p.totalPeriod));
  assert.ok(Math.abs(sampleRateOf(p.event, p.totalSamples, p.totalPeriod) - 997) < 30, `${sampleRateOf(p.event, p.totalSamples, p.totalPeriod)} per second`);
});

/** A loopback port nothing listens on: connections to it are refused. */
async function refusingPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

test('the queue: a push to a server that refuses connections is kept on disk, retried, and never lost', async () => {
  const { targetDir, store, meta: m } = await fixtureHistory();
  const url = `http://127.0.0.1:${await refusingPort()}`;
  const queue = new PushQueue(queueDir(targetDir));
  const retries: number[] = [];
  const send = { attempts: 3, baseDelayMs: 1, onRetry: (r: { attempt: number }) => retries.push(r.attempt) };
  const first = await pushProfile(store, queue, m, { url }, { send });
  assert.equal(first.state, 'queued');
  assert.match(first.error!, /did not take the profile after 3 attempts: ECONNREFUSED/);
  assert.deepEqual(retries, [2, 3]);
  assert.equal(first.profileType, 'process_cpu:cpu:nanoseconds:cpu:nanoseconds');

  // Another process's view of the same directory (the daemon after a restart) finds it queued.
  const again = new PushQueue(queueDir(targetDir));
  const [entry] = await again.list();
  assert.equal(entry?.id, m.id);
  assert.equal(entry?.state, 'queued');
  assert.equal(entry?.attempts, 1);
  assert.equal(entry?.piecesDone, 0);
  assert.equal(entry?.labels.target, 'hotspots');
  assert.deepEqual(Object.keys(await pushStatuses(again)), [m.id]);

  const drained = await drainQueue(store, again, { send: { attempts: 1 } });
  assert.deepEqual(
    drained.map((o) => [o.id, o.state]),
    [[m.id, 'queued']],
  );
  assert.equal((await again.list())[0]?.attempts, 2);
  // No lock is left behind: the entry and the bodies it will post are all there is.
  const [file] = readdirSync(queueDir(targetDir)).filter((n) => n.endsWith('.json'));
  assert.deepEqual(readdirSync(queueDir(targetDir)).sort(), [file, `${file}.payload.gz`]);
  // The profile itself is still in the history.
  assert.deepEqual(
    topFunctions(await store.get(m.id), { limit: 1 }).map((f) => f.name),
    ['hotspots::mix'],
  );
  // The history's retention removes the profile: the queued push keeps its own bodies, so it is
  // still queued, and still tried.
  for (const n of readdirSync(historyDir(targetDir))) rmSync(path.join(historyDir(targetDir), n));
  const afterRetention = await drainQueue(await ProfileStore.open(historyDir(targetDir)), again, { send: { attempts: 1 } });
  assert.deepEqual(
    afterRetention.map((o) => [o.id, o.state, o.pieces]),
    [[m.id, 'queued', 1]],
  );
  const payload = await again.readPayload((await again.list())[0]!);
  assert.equal(payload?.bodies.join(''), toFolded(await store.get(m.id)), 'the bodies queued are the profile as it was');
});

test("the queue's lock: held by a live process it is left alone; left by a dead one it is taken over", async () => {
  const { targetDir, store, meta: m } = await fixtureHistory();
  const queue = new PushQueue(queueDir(targetDir));
  const entry = await queue.enqueue(m.id, { url: 'http://127.0.0.1:1' }, { app: 'hotspots', labels: {}, sampleRate: 997 }, () => ({
    createdAt: m.createdAt,
    bodies: ['main 1\n'],
  }));
  const release = await queue.claim(entry);
  assert.ok(release);
  assert.equal(await queue.claim(entry), undefined, 'this process holds it');
  const busy = await pushProfile(store, queue, m, { url: 'http://127.0.0.1:1' });
  assert.equal(busy.state, 'busy');
  await release();
  // A lock whose writer died (a killed daemon) is stale.
  const dead = await runCmd('sh', ['-c', 'echo $$']);
  const lockFile = path.join(queueDir(targetDir), readdirSync(queueDir(targetDir)).find((n) => n.endsWith('.json'))! + '.lock');
  writeFileSync(lockFile, dead.stdout.trim());
  const taken = await queue.claim(entry);
  assert.ok(taken, 'taken over from a dead process');
  await taken();
});

test('the setting: [workspace.metadata.flame.push] under [package.metadata.flame.push], read through cargo metadata', async () => {
  const dir = scratch('flame-push-ws-');
  writeFileSync(
    path.join(dir, 'Cargo.toml'),
    `[workspace]
members = ["a", "b"]
resolver = "2"

[workspace.metadata.flame.push]
url = "http://pyroscope.internal:4040/"
tenant = "team-a"
user-env = "PYRO_USER"
password-env = "PYRO_PASSWORD"
labels = { team = "perf", region = "eu" }
`,
  );
  for (const [name, extra] of [
    ['a', '[package.metadata.flame.push]\napp = "alpha"\nlabels = { region = "us" }\n'],
    ['b', '[package.metadata.flame.push]\nenabled = false\n'],
  ] as const) {
    mkdirSync(path.join(dir, name, 'src'), { recursive: true });
    writeFileSync(path.join(dir, name, 'Cargo.toml'), `[package]\nname = "${name}"\nversion = "0.1.0"\nedition = "2021"\n\n${extra}`);
    writeFileSync(path.join(dir, name, 'src', 'main.rs'), 'fn main() {}\n');
  }
  const md = await readMetadata({ cwd: dir });
  const a = pushSetting(md, 'a');
  assert.deepEqual(a, {
    enabled: true,
    url: 'http://pyroscope.internal:4040/',
    app: 'alpha',
    tenant: 'team-a',
    userEnv: 'PYRO_USER',
    passwordEnv: 'PYRO_PASSWORD',
    labels: { team: 'perf', region: 'us' },
  });
  assert.equal(pushSetting(md, 'b').enabled, false);
  assert.equal(pushSetting(md).app, undefined);
  assert.equal(checkUrl(a.url!, 'x'), 'http://pyroscope.internal:4040');
  // Credentials come from the environment, at push time.
  const dest = { url: 'http://p:4040', tenant: 'team-a', userEnv: 'PYRO_USER', passwordEnv: 'PYRO_PASSWORD' };
  assert.deepEqual(authHeaders(dest, { PYRO_USER: '123', PYRO_PASSWORD: 'glc_x' }), {
    'X-Scope-OrgID': 'team-a',
    Authorization: `Basic ${Buffer.from('123:glc_x').toString('base64')}`,
  });
  assert.throws(
    () => authHeaders(dest, { PYRO_USER: '123' }),
    (e: FlameError) => e.code === ErrorCodes.PushFailed && /PYRO_PASSWORD is not set/.test(e.message),
  );
  assert.deepEqual(authHeaders({ url: 'http://p', tokenEnv: 'T' }, { T: 'tok' }), { Authorization: 'Bearer tok' });

  // Mistakes name the table, its file and what to write.
  const cases: Array<[string, RegExp]> = [
    ['url = 4040', /url must be a string/],
    ['url = "ftp://x"', /not an http or https URL/],
    ['url = "http://me:secret@host:4040"', /carries credentials; put them in environment variables/],
    ['url = "http://h"\nlabelz = {}', /unknown key 'labelz'; the keys are url, enabled/],
    ['url = "http://h"\nlabels = { "my-team" = "x" }', /'my-team' is not a label name/],
    ['url = "http://h"\npassword-env = "hunter2!"', /names an environment variable/],
  ];
  for (const [body, expected] of cases) {
    writeFileSync(path.join(dir, 'b', 'Cargo.toml'), `[package]\nname = "b"\nversion = "0.1.0"\nedition = "2021"\n\n[package.metadata.flame.push]\n${body}\n`);
    const md2 = await readMetadata({ cwd: dir });
    assert.throws(
      () => pushSetting(md2, 'b'),
      (e: FlameError) => e.code === ErrorCodes.BadInput && expected.test(e.message) && e.message.includes(path.join(dir, 'b', 'Cargo.toml')),
      body,
    );
  }
});

test("flame push without a running server: exit 1 with PushFailed's message; flame profiles shows it queued", async () => {
  const { targetDir, meta: m } = await fixtureHistory();
  const ws = path.dirname(targetDir);
  writeFileSync(path.join(ws, 'Cargo.toml'), '[package]\nname = "hotspots"\nversion = "0.1.0"\nedition = "2021"\n');
  mkdirSync(path.join(ws, 'src'), { recursive: true });
  writeFileSync(path.join(ws, 'src', 'main.rs'), 'fn main() {}\n');
  const url = `http://127.0.0.1:${await refusingPort()}`;
  const env = { FLAME_PUSH_ATTEMPTS: '2', FLAME_PUSH_BACKOFF_MS: '1', FLAME_RUNTIME_DIR: scratch('flame-push-rt-') };
  const r = await runFlame(['push', '--to', url, '--json'], { cwd: ws, env });
  assert.equal(r.exitCode, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { pushed: Array<{ id: string; state: string; error: string }> };
  assert.deepEqual(
    out.pushed.map((o) => [o.id, o.state]),
    [[m.id, 'queued']],
  );
  assert.match(r.stderr, /^error: http:\/\/127\.0\.0\.1:\d+ did not take the profile after 2 attempts: ECONNREFUSED/m);
  const list = await runFlame(['profiles'], { cwd: ws, env });
  assert.equal(list.exitCode, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`${m.id}.*push: queued \\(${url.replace(/[.]/g, '\\.')}\\)`));
  const bad = await runFlame(['push', '--to', 'localhost:4040'], { cwd: ws, env });
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /--to: 'localhost:4040' is not an http or https URL|is not a URL/);
});

/** Resolve with `probe()`'s value once it is defined; poll every 100 ms for at most `ms`. */
async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  for (const end = Date.now() + ms; ;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the daemon pushes a profile another process stored (the setting on), keeps it queued while the server refuses, and retries it when it starts', async () => {
  const ws = scratch('flame-push-daemon-');
  cpSync(path.join(FIXTURES, 'hotspots'), ws, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  const url = `http://127.0.0.1:${await refusingPort()}`;
  const manifest = path.join(ws, 'Cargo.toml');
  writeFileSync(manifest, `${readFileSync(manifest, 'utf8')}\n[package.metadata.flame.push]\nurl = "${url}"\nlabels = { team = "perf" }\n`);
  const d = await startDaemon({ prefix: 'flame-push', workspace: ws, env: { FLAME_PUSH_ATTEMPTS: '1' } });
  try {
    // A profile arrives as another process's add does: its data, then its meta, renamed into place.
    const hist = historyDir(path.join(ws, 'target'));
    mkdirSync(hist, { recursive: true });
    const [data, metaFile] = readdirSync(path.join(FIXTURES, 'store-format2')).sort((a, b) => (a.endsWith('.gz') ? -1 : b.endsWith('.gz') ? 1 : 0));
    cpSync(path.join(FIXTURES, 'store-format2', data!), path.join(hist, data!));
    cpSync(path.join(FIXTURES, 'store-format2', metaFile!), path.join(hist, `${metaFile}.tmp-1-x`));
    renameSync(path.join(hist, `${metaFile}.tmp-1-x`), path.join(hist, metaFile!));
    const id = metaFile!.replace(/\.meta\.json$/, '');
    const queue = new PushQueue(queueDir(path.join(ws, 'target')));
    const entry = await until(
      async () => (await queue.list()).find((e) => e.id === id && e.state === 'queued' && e.error !== undefined),
      'the daemon to try the push',
    );
    assert.equal(entry.dest.url, url);
    assert.equal(entry.labels.team, 'perf');
    assert.match(entry.error!, /ECONNREFUSED/);
    const list = await runFlame(['profiles', '--json'], { cwd: ws, env: d.env });
    const r = JSON.parse(list.stdout) as { push: Record<string, Array<{ url: string; state: string }>> };
    assert.deepEqual(
      r.push[id]?.map((p) => [p.url, p.state]),
      [[url, 'queued']],
    );
    // A new daemon retries what is queued when it starts.
    await d.stop();
    await d.restart();
    await until(async () => ((await queue.list()).find((e) => e.id === id)?.attempts ?? 0) >= 2 || undefined, 'the restarted daemon to retry the push');
  } finally {
    await d.stop();
  }
});

test('flame doctor: the push server check warns, with the fix, when the configured server does not answer', async () => {
  const ws = scratch('flame-push-doctor-');
  const url = `http://127.0.0.1:${await refusingPort()}`;
  writeFileSync(path.join(ws, 'Cargo.toml'), `[package]\nname = "d"\nversion = "0.1.0"\nedition = "2021"\n\n[package.metadata.flame.push]\nurl = "${url}"\n`);
  mkdirSync(path.join(ws, 'src'));
  writeFileSync(path.join(ws, 'src', 'main.rs'), 'fn main() {}\n');
  const facts = await gatherFacts({ cwd: ws });
  assert.deepEqual(
    facts.push?.servers.map((s) => [s.url, s.ok]),
    [[url, false]],
  );
  const c = evaluate(facts).find((x) => x.name === 'push server')!;
  assert.equal(c.essential, false);
  assert.match(c.detail, /cannot reach it: ECONNREFUSED/);
  assert.match(c.fix!, /profiles stay queued/);
  // A setting flame cannot use is the same warning, naming the key.
  const bad = evaluate({ ...facts, push: { servers: [], problem: "[package.metadata.flame.push] in /x/Cargo.toml: unknown key 'urll'" } }).find(
    (x) => x.name === 'push server',
  )!;
  assert.deepEqual([bad.ok, bad.essential], [false, false]);
  assert.match(bad.fix!, /correct \[workspace.metadata.flame.push\]/);
  assert.equal(
    evaluate({ ...facts, push: undefined }).some((x) => x.name === 'push server'),
    false,
    'no setting, no check',
  );
});
