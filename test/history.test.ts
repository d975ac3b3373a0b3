// One history for every client, walked as a user does: `flame record` with no daemon running,
// then `flame profiles`, `flame top`, `flame export` and `flame diff` with none started; then
// the editor (real Neovim running `flame lsp`) and the web page (Debian's Chromium) show that
// same profile; then a `flame record` made while they are open reaches them live. Real cargo,
// real perf, a temp copy of the hotspots fixture, a private runtime directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { connect, type Connection, send, listen } from '../clients/connect.js';
import { pct } from '../clients/lsp/convert.js';
import * as P from '../protocol/methods.js';
import type { ProfileMeta } from '../protocol/types.js';
import { FIXTURES, FLAME_BIN, runCmd, runFlame, scratch } from './helpers.js';
import { runNvim } from './nvim-harness.js';
import { ProfileStore } from '../engine/store/store.js';

// Page-side callbacks run in Chromium; the tests' own lib has no DOM types.
declare const document: { getElementById(id: string): { textContent: string | null } | null };

let work: string;
let runtime: string;
let env: Record<string, string>;
const records: Array<{ profile: string; perfData: string; samples: number; top: Array<{ name: string; self: number; line?: number }> }> = [];

before(() => {
  work = scratch('flame-history-ws-');
  cpSync(path.join(FIXTURES, 'hotspots'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  runtime = scratch('flame-history-rt-');
  // No FLAME_SOCKET: clients find the daemon where they would on a user's machine.
  env = { FLAME_RUNTIME_DIR: runtime, FLAME_CACHE_DIR: path.join(runtime, 'cache'), FLAME_FIXTURE_SCALE: '0.3' };
});

after(async () => {
  await runFlame(['daemon', 'stop'], { cwd: work, env });
});

async function record(...extra: string[]): Promise<(typeof records)[number]> {
  const r = await runFlame(['record', '-F', '499', '--json', ...extra], { cwd: work, env });
  assert.equal(r.exitCode, 0, r.stderr);
  const j = JSON.parse(r.stdout) as (typeof records)[number];
  assert.equal(typeof j.profile, 'string', `flame record names the stored profile: ${r.stdout.slice(0, 300)}`);
  records.push(j);
  return j;
}

function daemonRuns(): boolean {
  return readdirSync(runtime).some((n) => n.endsWith('.sock'));
}

async function flameJson<T>(args: string[]): Promise<T> {
  const r = await runFlame(args, { cwd: work, env });
  assert.equal(r.exitCode, 0, `flame ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

test('flame record with no daemon keeps its profile: profiles, top, lines, export and diff read it, and start no daemon', { timeout: 180_000 }, async () => {
  const folded = path.join(work, '..', `${path.basename(work)}.folded`);
  const first = await record('--folded', folded);
  assert.ok(!daemonRuns(), 'flame record started no daemon');

  const list = await flameJson<P.ProfileList.Result>(['profiles', '--json']);
  assert.deepEqual(
    list.profiles.map((m) => m.id),
    [first.profile],
  );
  const meta = list.profiles[0]!;
  assert.equal(meta.samples, first.samples);
  assert.deepEqual(meta.target && { kind: (meta.target as { kind: string }).kind, name: (meta.target as { name: string }).name }, {
    kind: 'bin',
    name: 'hotspots',
  });
  assert.match(meta.source?.hash ?? '', /^[0-9a-f]{64}$/, 'the source state is recorded');
  assert.equal(meta.summary?.[0]?.name, first.top[0]!.name);

  // `flame top` with no argument reads the latest stored profile, not a recording.
  const top = await flameJson<P.Top.Result>(['top', '--json', '--limit', '5']);
  assert.equal(top.profile, first.profile);
  assert.deepEqual(
    top.functions.map((f) => [f.name, f.self]),
    first.top.slice(0, 5).map((f) => [f.name, f.self]),
  );
  const lines = await flameJson<P.Lines.Result>(['lines', 'src/lib.rs', '--json']);
  assert.equal(lines.profile, first.profile);
  assert.ok(lines.lines.length > 0);

  const exported = await runFlame(['export', '--format', 'folded'], { cwd: work, env });
  assert.equal(exported.exitCode, 0, exported.stderr);
  assert.equal(exported.stdout, readFileSync(folded, 'utf8'), 'the export is the folded file flame record wrote');
  // Straight from the recording, with no history involved: the same stacks.
  const fromRecording = await runFlame(['export', '--format', 'folded', '--perf-data', first.perfData], { cwd: work, env });
  assert.equal(fromRecording.exitCode, 0, fromRecording.stderr);
  assert.equal(fromRecording.stdout, exported.stdout);
  // pprof is binary: fine into a pipe (stdout here is not a terminal); it is gzipped protobuf.
  const pprof = await runFlame(['export', '--format', 'pprof'], { cwd: work, env });
  assert.equal(pprof.exitCode, 0, pprof.stderr);
  assert.ok(Buffer.from(pprof.stdout, 'latin1').length > 0);

  // On a terminal it is refused with the fix (script(1) gives the command a pty).
  const tty = await runCmd('script', ['-qec', `${process.execPath} ${FLAME_BIN} export --format pprof`, '/dev/null'], { cwd: work, env });
  assert.match(tty.stdout, /pprof is binary: pass -o FILE, or redirect stdout to a file/);

  const second = await record();
  const diff = await flameJson<P.Diff.Result>(['diff', '--json']);
  assert.equal(diff.base.id, first.profile);
  assert.equal(diff.current.id, second.profile);
  // Profile references that look like flags: -1 is the one before the latest.
  const byRef = await flameJson<P.Diff.Result>(['diff', '-1', 'latest', '--json']);
  assert.deepEqual([byRef.base.id, byRef.current.id], [first.profile, second.profile]);
  const older = await flameJson<P.Top.Result>(['top', '--profile', '-1', '--json', '--limit', '1']);
  assert.equal(older.profile, first.profile);
  assert.ok(!daemonRuns(), 'no query verb started a daemon');
});

test('the editor shows the profile flame record made: Neovim running flame lsp', { timeout: 150_000 }, async () => {
  const latest = records.at(-1)!;
  const mix = latest.top.find((f) => f.name === 'hotspots::mix')!;
  assert.ok(mix, JSON.stringify(latest.top));
  const r = await runNvim({ root: work, file: path.join(work, 'src', 'lib.rs'), runtime, env: { ...process.env, ...env } });
  assert.equal(r.error, undefined);
  assert.equal(r.arrived, true, 'diagnostics arrived');
  const decl = r.diagnostics.find((d) => d.message.startsWith('hotspots::mix:'));
  assert.ok(decl, JSON.stringify(r.diagnostics));
  assert.ok(
    decl.message.startsWith(`hotspots::mix: ${pct(mix.self / latest.samples)} self (${mix.self} samples)`),
    `${decl.message} is the recorded profile's`,
  );
  const lens = r.lenses.find((l) => l.title.includes('hotspots::mix'));
  // The share with its band (sampling only: the recording is one run).
  assert.ok(lens?.title.includes(`${pct(mix.self / latest.samples)} ±`) && lens.title.includes('± at 95%, sampling only'), JSON.stringify(r.lenses));
});

test('the web page shows it, and a flame record made while page and client are open reaches both live', { timeout: 180_000 }, async () => {
  const web = await flameJson<P.WebUrl.Result>(['web', '--json']);
  let browser: Browser | undefined;
  let client: Connection | undefined;
  const saved = { ...process.env };
  try {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      timeout: 30_000,
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(30_000);
    await page.goto(web.url);
    await page.waitForFunction((id) => document.getElementById('profile-id')?.textContent === id, records.at(-1)!.profile);

    Object.assign(process.env, env);
    client = await connect({ cwd: work, spawn: false, clientName: 'history-test' });
    const ready: P.ProfileReady.Params[] = [];
    listen(client.conn, P.ProfileReady.type, (p) => void ready.push(p));

    const third = await record();
    await page.waitForFunction((id) => document.getElementById('profile-id')?.textContent === id, third.profile);
    const deadline = Date.now() + 10_000;
    while (!ready.some((p) => p.id === third.profile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      ready.map((p) => p.id),
      [third.profile],
      'one profile/ready, for the recording',
    );
    // The daemon took the CLI's own profile as stored, not a second analysis of the recording.
    const onDisk = JSON.parse(readFileSync(path.join(work, 'target', 'flame', 'profiles', `${third.profile}.meta.json`), 'utf8')) as { meta: ProfileMeta };
    assert.deepEqual(ready[0]!.meta, onDisk.meta);
    const list = await send(client.conn, P.ProfileList.type, {});
    assert.deepEqual(
      list.profiles.map((m) => m.id),
      records.map((r) => r.profile),
    );
  } finally {
    process.env = saved;
    client?.close();
    await browser?.close();
  }
  assert.ok(existsSync(path.join(work, 'target', 'flame', 'profiles')));
});

test('flame exec inside the workspace and flame record --perf-data join the same history', { timeout: 120_000 }, async () => {
  const exe = (records[0] as unknown as { executable: string }).executable;
  // With the size warning's threshold lowered, as a long run at the defaults would cross it.
  const exec = await runFlame(['exec', '-F', '499', '--json', '--', exe], { cwd: work, env: { ...env, FLAME_RECORDING_WARN_BYTES: '1000' } });
  assert.equal(exec.exitCode, 0, exec.stderr);
  const e = JSON.parse(exec.stdout) as { profile: string; warnings: string[] };
  assert.ok(
    e.warnings.some((w) => /the recording .*perf\.data takes [\d.]+ MB: only the latest one is kept/.test(w)),
    JSON.stringify(e.warnings),
  );
  const again = await runFlame(['record', '--perf-data', records[0]!.perfData, '--json'], { cwd: work, env });
  assert.equal(again.exitCode, 0, again.stderr);
  const a = JSON.parse(again.stdout) as { profile: string; samples: number };
  const list = await flameJson<P.ProfileList.Result>(['profiles', '--json']);
  const byId = new Map(list.profiles.map((m) => [m.id, m]));
  assert.deepEqual((byId.get(e.profile)?.target as { kind?: string })?.kind, 'command');
  assert.deepEqual((byId.get(a.profile)?.target as { kind?: string })?.kind, 'recording');
  assert.equal(list.profiles.at(-1)?.id, a.profile);
});

test('the daemon and flame record in other processes store at the same time: every profile listed and whole', { timeout: 180_000 }, async () => {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let client: Connection | undefined;
  try {
    // The editor and page tests left the daemon running.
    client = await connect({ cwd: work, spawn: false, clientName: 'history-race' });
    const c = client;
    const before = (await send(c.conn, P.ProfileList.type, {})).profiles.length;
    const [daemonMade, ...cliMade] = await Promise.all([
      Promise.all([send(c.conn, P.ProfileOnce.type, { record: { frequency: 499 } }), send(c.conn, P.ProfileOnce.type, { record: { frequency: 299 } })]),
      record(),
      record(),
    ]);
    const ids = [...daemonMade!.map((m) => m.id), ...cliMade.map((r) => r.profile)];
    assert.equal(new Set(ids).size, 4);
    const list = await send(c.conn, P.ProfileList.type, {});
    assert.equal(list.profiles.length, before + 4);
    for (const id of ids) {
      assert.ok(
        list.profiles.some((m) => m.id === id),
        `${id} is listed`,
      );
      const top = await send(c.conn, P.Top.type, { profile: id, limit: 1 });
      assert.equal(top.profile, id);
      assert.equal(top.samples, list.profiles.find((m) => m.id === id)!.samples, `${id} reads back whole`);
    }
    // And a store opened afresh, as the next process would, agrees.
    const fresh = await ProfileStore.open(path.join(work, 'target', 'flame', 'profiles'));
    assert.deepEqual(
      fresh.list().map((m) => m.id),
      list.profiles.map((m) => m.id),
    );
  } finally {
    process.env = saved;
    client?.close();
  }
});
