// The profile store against real files: round trips, ids across restarts, retention, refs,
// crash leftovers, damaged files, and a writer process killed with SIGKILL mid-add.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, copyFile, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ErrorCodes, isFlameError } from '../common/errors.js';
import type { ProfileData } from '../engine/profile/profile.js';
import { ProfileStore, type ProfileMeta } from '../engine/store/store.js';
import { REPO } from './helpers.js';
import { syntheticProfile, type WriterOptions } from './store-writer.js';

const ID_RE = /^\d{8}T\d{6}\.\d{3}-[0-9a-f]{4}$/;
const dirs: string[] = [];

async function tempStore(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'flame-store-'));
  dirs.push(d);
  return path.join(d, 'flame', 'profiles');
}

after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const small = (seed: number): ProfileData => syntheticProfile({ seed, stacks: 300, samples: 1000, minDepth: 3, maxDepth: 12 });

function isCode(code: number): (err: unknown) => boolean {
  return (err) => isFlameError(err) && err.code === code;
}

test('a profile and its meta round-trip, in memory and after reopening', async () => {
  const dir = await tempStore();
  const store = await ProfileStore.open(dir);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.deepEqual(store.list(), []);
  assert.equal(store.latest(), undefined);
  const profile = small(1);
  const meta = await store.add(
    {
      target: { kind: 'bin', name: 'hotspots', package: 'hotspots', executable: '/w/target/release/hotspots', profile: 'release' },
      options: { record: { frequency: 997 }, programArgs: ['--n', '3'] },
      source: { hash: 'abc123', git: { commit: 'deadbeef', dirty: true } },
      durationMs: 1234,
      program: { exitCode: 0, failed: false },
      summary: [{ name: 'hotspots::main', self: 10, total: 1000 }],
      // Contradicting the profile: the store reads these off the profile instead.
      samples: 5,
    },
    profile,
  );
  assert.match(meta.id, ID_RE);
  assert.ok(Math.abs(Date.parse(meta.createdAt) - Date.now()) < 60_000, meta.createdAt);
  assert.equal(meta.samples, 1000);
  assert.equal(meta.unit, 'samples');
  assert.equal(meta.event, 'cpu-clock:uppp');
  assert.deepEqual(meta.quality, profile.quality);
  assert.deepEqual(meta.source, { hash: 'abc123', git: { commit: 'deadbeef', dirty: true } });
  assert.deepEqual(store.list(), [meta]);
  assert.deepEqual(await store.get(meta.id), profile);

  const again = await ProfileStore.open(dir);
  assert.deepEqual(again.list(), [meta]);
  const loaded = await again.get(meta.id);
  assert.notEqual(loaded, profile, 'read from disk, not shared memory');
  assert.deepEqual(loaded, profile);
  assert.deepEqual(JSON.parse(JSON.stringify(again.latest())), meta, 'meta is plain JSON');
});

test('ids are unique and ordered within a run, across reopens, and when the clock is behind the last id', async () => {
  const dir = await tempStore();
  let store = await ProfileStore.open(dir);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await store.add({}, small(i))).id);
  store = await ProfileStore.open(dir);
  for (let i = 3; i < 5; i++) ids.push((await store.add({}, small(i))).id);
  assert.deepEqual(
    store.list().map((m) => m.id),
    ids,
  );
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, 5);
  assert.equal(store.latest()!.id, ids[4]);
  assert.equal(store.previous(ids[4]!)!.id, ids[3]);
  assert.equal(store.previous(ids[0]!), undefined);
  assert.throws(() => store.previous('nope'), isCode(ErrorCodes.ProfileNotFound));

  // A profile from "the future" (a clock that went back since): the next id still sorts after it.
  const future = '20991231T235959.998-abcd';
  const last = ids[4]!;
  const record = JSON.parse(await readFile(path.join(dir, `${last}.meta.json`), 'utf8'));
  record.meta.id = future;
  await rename(path.join(dir, `${last}.profile.gz`), path.join(dir, `${future}.profile.gz`));
  await writeFile(path.join(dir, `${future}.meta.json`), JSON.stringify(record));
  await rm(path.join(dir, `${last}.meta.json`));
  store = await ProfileStore.open(dir);
  assert.equal(store.latest()!.id, future);
  const a = await store.add({}, small(9));
  const b = await store.add({}, small(10));
  assert.ok(a.id > future && b.id > a.id, `${future} < ${a.id} < ${b.id}`);
  assert.deepEqual(await store.get(future), small(4));
});

test('concurrent adds are serialized: all stored, in call order', async () => {
  const dir = await tempStore();
  const store = await ProfileStore.open(dir, { retention: 100 });
  const metas = await Promise.all(Array.from({ length: 12 }, (_, i) => store.add({ summary: [{ name: `n${i}`, self: i, total: i }] }, small(100 + i))));
  assert.deepEqual(
    store.list().map((m) => m.summary![0]!.name),
    metas.map((_, i) => `n${i}`),
  );
  const reopened = await ProfileStore.open(dir, { retention: 100 });
  assert.equal(reopened.list().length, 12);
  for (const [i, m] of metas.entries()) assert.deepEqual(await reopened.get(m.id), small(100 + i));
});

test('retention keeps the newest profiles, on disk too, and applies again on open', async () => {
  const dir = await tempStore();
  const store = await ProfileStore.open(dir, { retention: 3 });
  const metas: ProfileMeta[] = [];
  for (let i = 0; i < 5; i++) metas.push(await store.add({}, small(i)));
  assert.deepEqual(store.list(), metas.slice(2));
  await assert.rejects(store.get(metas[0]!.id), isCode(ErrorCodes.ProfileNotFound));
  const files = (await readdir(dir)).sort();
  assert.deepEqual(
    files,
    metas
      .slice(2)
      .flatMap((m) => [`${m.id}.meta.json`, `${m.id}.profile.gz`])
      .sort(),
  );

  const fewer = await ProfileStore.open(dir, { retention: 2 });
  assert.deepEqual(fewer.list(), metas.slice(3));
  assert.equal((await readdir(dir)).length, 4);
  await assert.rejects(ProfileStore.open(dir, { retention: 0 }), isCode(ErrorCodes.InvalidRequest));
});

test('resolve: ids, prefixes, latest, previous, negative indexes', async () => {
  const dir = await tempStore();
  const store = await ProfileStore.open(dir);
  assert.throws(
    () => store.resolve('latest'),
    (err: unknown) => isFlameError(err, ErrorCodes.ProfileNotFound) && /no profiles yet/.test(err.message),
  );
  const m: ProfileMeta[] = [];
  for (let i = 0; i < 4; i++) m.push(await store.add({}, small(i)));
  const [m0, m1, m2, m3] = m as [ProfileMeta, ProfileMeta, ProfileMeta, ProfileMeta];
  assert.equal(store.resolve('latest'), m3);
  assert.equal(store.resolve('previous'), m2);
  assert.equal(store.resolve('-0'), m3);
  assert.equal(store.resolve('-1'), m2);
  assert.equal(store.resolve('-3'), m0);
  assert.throws(() => store.resolve('-4'), isCode(ErrorCodes.ProfileNotFound));
  assert.equal(store.resolve(m1.id), m1);
  // The random tail makes the last 4 hex digits distinct enough to tell apart by prefix.
  const unique = m1.id.slice(0, -2);
  if (m.filter((x) => x.id.startsWith(unique)).length === 1) assert.equal(store.resolve(unique), m1);
  assert.throws(
    () => store.resolve(m0.id.slice(0, 4)),
    (err: unknown) =>
      isFlameError(err, ErrorCodes.InvalidRequest) && /matches 4 profiles/.test(err.message) && (err.data as { candidates: string[] }).candidates.length === 4,
  );
  assert.throws(() => store.resolve('19990101'), isCode(ErrorCodes.ProfileNotFound));
  assert.throws(() => store.resolve(''), isCode(ErrorCodes.ProfileNotFound));
});

test('an unknown id is a ProfileNotFound error that says what to do', async () => {
  const store = await ProfileStore.open(await tempStore());
  await assert.rejects(store.get('20260101T000000.000-0000'), (err: unknown) => {
    assert.ok(isFlameError(err, ErrorCodes.ProfileNotFound));
    assert.equal(err.message, "no profile '20260101T000000.000-0000'; `flame profiles` lists them");
    return true;
  });
  assert.throws(() => store.resolve('nope'), /no profile 'nope'; `flame profiles` lists them/);
});

test('repeated gets share one parsed profile until it falls out of the cache', async () => {
  const dir = await tempStore();
  await (async () => {
    const writer = await ProfileStore.open(dir);
    for (let i = 0; i < 4; i++) await writer.add({}, small(i));
  })();
  const store = await ProfileStore.open(dir, { cacheSize: 2 });
  const [a, b, c] = store.list() as [ProfileMeta, ProfileMeta, ProfileMeta];
  const first = await store.get(a.id);
  assert.equal(await store.get(a.id), first);
  await store.get(b.id);
  assert.equal(await store.get(a.id), first, 'a was used more recently than b');
  await store.get(c.id);
  await store.get(b.id);
  const reread = await store.get(a.id);
  assert.notEqual(reread, first, 'evicted, so read again');
  assert.deepEqual(reread, first);
});

test('open removes temp files and data without meta, and leaves listed profiles alone', async () => {
  const dir = await tempStore();
  const store = await ProfileStore.open(dir);
  const kept = await store.add({}, small(1));
  const orphan = '20260101T000000.000-0001';
  await copyFile(path.join(dir, `${kept.id}.profile.gz`), path.join(dir, `${orphan}.profile.gz`));
  await writeFile(path.join(dir, `${orphan}.meta.json.tmp-123-abcdef`), '{"format":"flame-st');
  await writeFile(path.join(dir, `${orphan}.profile.gz.tmp-123-fedcba`), 'partial');
  await writeFile(path.join(dir, 'README'), 'not ours');
  const reopened = await ProfileStore.open(dir);
  assert.deepEqual(reopened.list(), [kept]);
  assert.deepEqual((await readdir(dir)).sort(), [`${kept.id}.meta.json`, `${kept.id}.profile.gz`, 'README'].sort());
  assert.deepEqual(await reopened.get(kept.id), small(1));
});

test('a store directory removed under the daemon (cargo clean) drops what it lost and takes new profiles', async () => {
  const dir = await tempStore();
  const writer = await ProfileStore.open(dir);
  const [a, b] = [await writer.add({}, small(1)), await writer.add({}, small(2))];
  // A fresh store, so nothing is served from the in-memory cache.
  const store = await ProfileStore.open(dir);
  await rm(dir, { recursive: true });
  await assert.rejects(store.get(a.id), isCode(ErrorCodes.ProfileNotFound));
  assert.deepEqual(store.list(), [b], 'a is gone from the list once found missing');
  const c = await store.add({}, small(3));
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.deepEqual(await (await ProfileStore.open(dir)).get(c.id), small(3));
  assert.deepEqual((await ProfileStore.open(dir)).list(), [c]);
});

test('unreadable metas and truncated data are quarantined, not listed and not fatal', async () => {
  const dir = await tempStore();
  const store = await ProfileStore.open(dir);
  const [good, garbled, truncated, otherId] = [
    await store.add({}, small(1)),
    await store.add({}, small(2)),
    await store.add({}, small(3)),
    await store.add({}, small(4)),
  ];
  await writeFile(path.join(dir, `${garbled.id}.meta.json`), '{"format": "flame-store-meta/1", "me');
  const data = await readFile(path.join(dir, `${truncated.id}.profile.gz`));
  await writeFile(path.join(dir, `${truncated.id}.profile.gz`), data.subarray(0, data.length >> 1));
  // A meta that names another profile's id.
  const rec = JSON.parse(await readFile(path.join(dir, `${otherId.id}.meta.json`), 'utf8'));
  rec.meta.id = good.id;
  await writeFile(path.join(dir, `${otherId.id}.meta.json`), JSON.stringify(rec));

  const reopened = await ProfileStore.open(dir);
  assert.deepEqual(reopened.list(), [good]);
  assert.deepEqual(await reopened.get(good.id), small(1));
  const q = (await readdir(path.join(dir, 'quarantine'))).sort();
  assert.deepEqual(q, [garbled, truncated, otherId].flatMap((m) => [`${m.id}.meta.json`, `${m.id}.profile.gz`]).sort());
});

test('damaged data of the right size is reported when read, as BadInput', async () => {
  const dir = await tempStore();
  const store = await ProfileStore.open(dir);
  const m = await store.add({}, syntheticProfile({ seed: 5, stacks: 3000, samples: 9000 }));
  const file = path.join(dir, `${m.id}.profile.gz`);
  const data = await readFile(file);
  data[data.length >> 1] ^= 0xff;
  await writeFile(file, data);
  const reopened = await ProfileStore.open(dir);
  assert.equal(reopened.list().length, 1, 'same size, so listed; the gzip CRC catches it on read');
  await assert.rejects(reopened.get(m.id), (err: unknown) => isFlameError(err, ErrorCodes.BadInput) && /damaged on disk/.test(err.message));
});

test('a store written in format 1 (gzipped JSON, before format 2) is still read, and retired as usual', async () => {
  const dir = await tempStore();
  await ProfileStore.open(dir, { retention: 2 });
  const profile = small(7);
  const s = profile.stacks;
  const records = Array.from(s.thread, (thread, i) => ({
    locs: Array.from(s.locs.subarray(s.start[i]!, s.start[i + 1]!)),
    thread,
    samples: s.samples[i]!,
    period: s.period[i]!,
  }));
  const old = { ...profile, format: 'flame-profile/1', stacks: records };
  const id = '20250101T000000.000-abcd';
  const data = gzipSync(JSON.stringify(old));
  await writeFile(path.join(dir, `${id}.profile.json.gz`), data);
  const meta = {
    id,
    createdAt: '2025-01-01T00:00:00.000Z',
    target: {},
    samples: profile.totalSamples,
    unit: profile.unit,
    event: profile.event,
    quality: profile.quality,
  };
  await writeFile(path.join(dir, `${id}.meta.json`), JSON.stringify({ format: 'flame-store-meta/1', data: { bytes: data.length }, meta }));
  const store = await ProfileStore.open(dir, { retention: 2 });
  assert.deepEqual(
    store.list().map((m) => m.id),
    [id],
  );
  assert.deepEqual(await store.get(id), profile, 'upgraded in memory to the same profile');
  await store.add({}, small(8));
  await store.add({}, small(9));
  const files = await readdir(dir);
  assert.ok(!files.some((f) => f.startsWith(id)), `the old profile's files were retired: ${files.join(', ')}`);
});

interface WriterRun {
  acked: string[];
  stderr: string;
}

/** Run the writer until `delayMs` after it is ready, then SIGKILL it. */
function runAndKill(dir: string, round: number, retention: number, delayMs: number): Promise<WriterRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'dist', 'test', 'store-writer.js'), dir, String(round), String(retention)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      if (!armed && out.startsWith('ready\n')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited ${code} ${signal} before the kill:\n${err}`));
      const acked = out
        .split('\n')
        .filter((l) => l.startsWith('added '))
        .map((l) => l.slice(6));
      resolve({ acked, stderr: err });
    });
  });
}

const ROUNDS = Number(process.env.FLAME_STORE_CRASH_ROUNDS ?? 20);

test('kill -9 at random moments never leaves a listed profile incomplete', async (t) => {
  const dir = await tempStore();
  const retention = 3;
  const expected = new Map<number, ProfileData>();
  const expect = (o: WriterOptions): ProfileData => {
    let p = expected.get(o.seed);
    if (!p) expected.set(o.seed, (p = syntheticProfile(o)));
    return p;
  };
  const everListed = new Set<string>();
  let leftovers = 0;
  let orphans = 0;
  let totalAcked = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const delay = 5 + Math.floor(Math.random() * 196);
    const run = await runAndKill(dir, round, retention, delay);
    totalAcked += run.acked.length;
    const before = await readdir(dir);
    leftovers += before.filter((n) => n.includes('.tmp-')).length;
    orphans += before.filter((n) => n.endsWith('.profile.gz') && !before.includes(n.replace('.profile.gz', '.meta.json'))).length;

    // At every instant, before any cleanup: each meta on disk has its whole data file beside it.
    for (const n of before.filter((n) => n.endsWith('.meta.json'))) {
      const rec = JSON.parse(await readFile(path.join(dir, n), 'utf8')) as { data: { bytes: number } };
      const data = path.join(dir, n.replace('.meta.json', '.profile.gz'));
      assert.equal((await stat(data).catch(() => ({ size: -1 }))).size, rec.data.bytes, `${n} has its data (round ${round}, delay ${delay})`);
    }
    const store = await ProfileStore.open(dir, { retention });
    const listed = store.list();
    assert.ok(listed.length <= retention, `${listed.length} listed`);
    assert.deepEqual(
      listed.map((m) => m.id),
      listed.map((m) => m.id).sort(),
    );
    // Acknowledged adds are durable: the newest of them are still listed (older ones may be retired).
    for (const id of run.acked.slice(-(retention - 1)))
      assert.ok(
        listed.some((m) => m.id === id),
        `acked ${id} is listed (round ${round}, delay ${delay})`,
      );
    for (const m of listed) {
      const opts = m.options as WriterOptions;
      const profile = await store.get(m.id);
      assert.equal(profile.totalSamples, m.samples);
      assert.deepEqual(profile, expect(opts), `profile ${m.id} (seed ${opts.seed}) equals what was written`);
    }
    const after = await readdir(dir);
    assert.deepEqual(
      after.filter((n) => n.includes('.tmp-')),
      [],
    );
    assert.deepEqual(after.filter((n) => n !== 'quarantine').sort(), listed.flatMap((m) => [`${m.id}.meta.json`, `${m.id}.profile.gz`]).sort());
    assert.ok(!after.includes('quarantine'), 'nothing was unreadable');
    // Each round's new profiles sort after everything listed before: ids stay ordered across restarts.
    const newest = [...everListed].sort().at(-1) ?? '';
    for (const m of listed) if (!everListed.has(m.id)) assert.ok(m.id > newest, `${m.id} > ${newest}`);
    for (const m of listed) everListed.add(m.id);
  }
  t.diagnostic(
    `${totalAcked} adds acknowledged over ${ROUNDS} kills; ${leftovers} temp files and ${orphans} data files without meta found after kills; ${everListed.size} distinct profiles listed`,
  );
});

test('a large profile: 1,000,000 samples over 200,000 stacks of depth 20-40', async (t) => {
  const dir = await tempStore();
  const profile = syntheticProfile({ seed: 42, stacks: 200_000, samples: 1_000_000, minDepth: 20, maxDepth: 40 });
  assert.equal(profile.stacks.thread.length, 200_000);
  assert.equal(profile.totalSamples, 1_000_000);
  const store = await ProfileStore.open(dir);
  let t0 = performance.now();
  const meta = await store.add({}, profile);
  const addMs = performance.now() - t0;
  const bytes = (await stat(path.join(dir, `${meta.id}.profile.gz`))).size;
  const s = profile.stacks;
  const rawBytes = s.start.byteLength + s.locs.byteLength + s.thread.byteLength + s.samples.byteLength + s.period.byteLength;
  const reopened = await ProfileStore.open(dir);
  t0 = performance.now();
  const loaded = await reopened.get(meta.id);
  const loadMs = performance.now() - t0;
  t0 = performance.now();
  await reopened.get(meta.id);
  const cachedMs = performance.now() - t0;
  assert.deepEqual(loaded, profile);
  t.diagnostic(
    `stack columns ${(rawBytes / 1e6).toFixed(1)} MB, on disk ${(bytes / 1e6).toFixed(1)} MB (gzip level 1); add ${addMs.toFixed(0)} ms, load ${loadMs.toFixed(0)} ms, cached ${cachedMs.toFixed(2)} ms`,
  );
});

test('several processes add to one store at once while others open and refresh it: nothing lost, nothing damaged', async (t) => {
  const dir = await tempStore();
  const WRITERS = 3;
  const EACH = 12;
  const watcher = await ProfileStore.open(dir, { retention: 1000 });
  const writers = Array.from(
    { length: WRITERS },
    (_, w) =>
      new Promise<{ acked: string[]; code: number | null; stderr: string }>((resolve, reject) => {
        // Distinct rounds: each writer's profiles differ, so a mix-up of data between ids shows.
        const child = spawn(process.execPath, [path.join(REPO, 'dist', 'test', 'store-writer.js'), dir, String(100 + w), '1000', String(EACH)], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
        child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
        child.on('error', reject);
        child.on('close', (code) =>
          resolve({
            code,
            stderr: err,
            acked: out
              .split('\n')
              .filter((l) => l.startsWith('added '))
              .map((l) => l.slice(6)),
          }),
        );
      }),
  );
  let done = false;
  const all = Promise.all(writers).finally(() => (done = true));
  // Meanwhile: processes starting (open() cleans up after crashes) and a daemon taking in adds.
  let opens = 0;
  const seenByWatcher = new Set<string>();
  while (!done) {
    await ProfileStore.open(dir, { retention: 1000 });
    opens++;
    for (const m of await watcher.refresh()) seenByWatcher.add(m.id);
  }
  const results = await all;
  for (const r of results) assert.equal(r.code, 0, `a writer failed: ${r.stderr}`);
  const acked = results.flatMap((r) => r.acked);
  assert.equal(acked.length, WRITERS * EACH);
  assert.equal(new Set(acked).size, acked.length, 'ids are unique across processes');
  for (const m of await watcher.refresh()) seenByWatcher.add(m.id);
  const store = await ProfileStore.open(dir, { retention: 1000 });
  assert.deepEqual(
    store.list().map((m) => m.id),
    [...acked].sort(),
  );
  assert.deepEqual([...seenByWatcher].sort(), [...acked].sort(), 'refresh() took in every add of the other processes');
  for (const m of store.list()) assert.deepEqual(await store.get(m.id), syntheticProfile(m.options as WriterOptions), `${m.id} holds what its writer wrote`);
  const left = await readdir(dir);
  assert.deepEqual(
    left.filter((n) => n.includes('.tmp-') || n.includes('.adding-')),
    [],
  );
  t.diagnostic(`${acked.length} adds by ${WRITERS} processes, ${opens} opens meanwhile`);
});

test("older flames' target shapes read as the one typed ProfileTarget", async () => {
  const dir = await tempStore();
  const store = await ProfileStore.open(dir);
  // What `profile/import` stored before targets were typed: the client's TargetSpec as it came.
  const spec = await store.add({ target: { bin: 'app', features: ['x'] } as never }, small(7));
  const cargo = await store.add({ target: { kind: 'example', name: 'demo', package: 'p', executable: '/t/demo', profile: 'release' } }, small(8));
  const junk = await store.add({ target: 'a string' as never }, small(9));
  const again = await ProfileStore.open(dir);
  const byId = new Map(again.list().map((m) => [m.id, m.target]));
  assert.deepEqual(byId.get(spec.id), { kind: 'requested', name: 'bin app', spec: { bin: 'app', features: ['x'] } });
  assert.deepEqual(byId.get(cargo.id), { kind: 'example', name: 'demo', package: 'p', executable: '/t/demo', profile: 'release' });
  assert.equal(byId.get(junk.id), undefined);
});
