// The terminal clients over a real daemon: `flame watch --json` (JSON lines when stdout is not a
// terminal) through an edit, then the query verbs (profiles, top --profile, diff, export, query,
// daemon status/stop) on what it stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, FLAME_BIN, runFlame, scratch } from './helpers.js';
import type { MovedRow } from '../protocol/types.js';
import * as P from '../protocol/methods.js';
import { connect, onNotification, request } from '../clients/connect.js';
import { canonicalSpec, watchRuns } from '../daemon/sessions/spec.js';

let work: string;
let env: NodeJS.ProcessEnv;

before(() => {
  work = scratch('flame-watch-cli-');
  const runtime = scratch('flame-watch-rt-');
  cpSync(path.join(FIXTURES, 'hotspots'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  env = { FLAME_RUNTIME_DIR: runtime, FLAME_CACHE_DIR: path.join(runtime, 'cache'), FLAME_FIXTURE_SCALE: '0.3', FLAME_DEBOUNCE_MS: '300' };
});

after(async () => {
  await runFlame(['daemon', 'stop'], { cwd: work, env });
});

interface Event {
  event: string;
  [k: string]: unknown;
}

/** Events of a running `flame watch --json`, awaited one predicate at a time. */
class Watch {
  readonly events: Event[] = [];
  private waiters: Array<{ pred: (e: Event) => boolean; resolve: (e: Event) => void }> = [];
  readonly child: ChildProcess;
  stderr = '';
  constructor(args: string[]) {
    this.child = spawn(process.execPath, [FLAME_BIN, 'watch', '--json', ...args], {
      cwd: work,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const e = JSON.parse(buf.slice(0, nl)) as Event;
        buf = buf.slice(nl + 1);
        this.events.push(e);
        this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }
  next(pred: (e: Event) => boolean, timeoutMs = 120000): Promise<Event> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => e.event))}; stderr: ${this.stderr}`)),
        timeoutMs,
      );
      this.waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
    });
  }
}

test('flame watch --json: events per step, a profile per change, and the query verbs after it', async () => {
  const w = new Watch([]);
  const first = await w.next((e) => e.event === 'profile');
  // Before the profile: the session, a build and a record, as JSON lines.
  const kinds = w.events.map((e) => e.event);
  assert.equal(kinds[0], 'watch');
  assert.ok(kinds.includes('build') && kinds.includes('record'), kinds.join(','));
  const top = first.top as { samples: number; unit: string; functions: Array<{ name: string; self: number; total: number }> };
  assert.equal(top.unit, 'samples');
  assert.equal(first.samples, top.samples);
  assert.equal(top.functions[0]!.name, 'hotspots::mix');

  // An edit: the hash loop shrinks, the prime search grows; the next profile says so.
  const main = path.join(work, 'src', 'main.rs');
  writeFileSync(main, readFileSync(main, 'utf8').replace('150_000_000.0 * s', '1_000.0 * s').replace('400_000.0 * s', '1_500_000.0 * s'));
  const second = await w.next((e) => e.event === 'profile' && e.id !== first.id);
  assert.equal((second.top as typeof top).functions[0]!.name, 'hotspots::count_primes');
  // What moved, decided in the daemon by flame diff's rule: the session's first profile has no
  // previous one; the second lists every large change, each with its interval and verdict.
  assert.equal(first.moved, undefined);
  assert.equal(second.movedSince, first.id);
  const moved = second.moved as MovedRow[];
  assert.ok(moved.length > 0 && moved.length <= 50, String(moved.length));
  for (const m of moved) {
    assert.equal(typeof m.significant, 'boolean');
    assert.ok(m.low <= m.delta && m.delta <= m.high, JSON.stringify(m));
    assert.ok(Math.abs(m.after - m.before - m.delta) < 1e-9, JSON.stringify(m));
  }
  const primes = moved.find((m) => m.name === 'hotspots::count_primes')!;
  assert.ok(primes.significant && primes.delta > 0.3 && primes.low > 0, JSON.stringify(primes));
  const mix = moved.find((m) => m.name === 'hotspots::mix')!;
  assert.ok(mix.significant && mix.delta < -0.3 && mix.high < 0, JSON.stringify(mix));
  // Watch's default runs: one for a session with nothing to time, then as many as fit the budget
  // at the previous profile's time per run (whatever this machine took).
  const metas = JSON.parse((await runFlame(['profiles', '--json'], { cwd: work, env })).stdout) as {
    profiles: Array<{ id: string; durationMs?: number; runs?: number[] }>;
  };
  const firstMeta = metas.profiles.find((m) => m.id === first.id)!;
  assert.equal(first.runs, undefined);
  assert.equal((second.runs as number[] | undefined)?.length ?? 1, watchRuns(firstMeta));
  // The same verdicts as flame diff's own rows.
  const byDiff = JSON.parse((await runFlame(['diff', first.id as string, second.id as string, '--json', '--limit', '50'], { cwd: work, env })).stdout) as {
    functions: Array<{ name: string; significant: boolean; deltaSelfShare: number }>;
  };
  assert.deepEqual(
    moved.map((m) => [m.name, m.significant]),
    byDiff.functions.map((f) => [f.name, f.significant]),
  );

  // Leaving: SIGINT ends the client cleanly and its session with it.
  w.child.kill('SIGINT');
  const code = await new Promise((r) => w.child.once('close', r));
  assert.equal(code, 0, w.stderr);
  const status = await runFlame(['daemon', 'status', '--json'], { cwd: work, env });
  assert.equal(status.exitCode, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout) as { sessions: unknown[] }).sessions.length, 0);

  const profiles = JSON.parse((await runFlame(['profiles', '--json'], { cwd: work, env })).stdout) as { profiles: Array<{ id: string }> };
  assert.deepEqual(profiles.profiles.map((p) => p.id).slice(-2), [first.id, second.id]);

  const latest = await runFlame(['top', '--profile', 'latest', '--json', '--limit', '3'], { cwd: work, env });
  assert.equal(latest.exitCode, 0, latest.stderr);
  assert.equal((JSON.parse(latest.stdout) as { profile: string }).profile, second.id);

  const diff = await runFlame(['diff', '--json'], { cwd: work, env });
  assert.equal(diff.exitCode, 0, diff.stderr);
  const d = JSON.parse(diff.stdout) as { base: { id: string }; current: { id: string }; functions: Array<{ name: string; deltaSelfShare: number }> };
  assert.equal(d.base.id, first.id);
  assert.equal(d.current.id, second.id);
  assert.ok(d.functions.find((f) => f.name === 'hotspots::count_primes')!.deltaSelfShare > 0.3);
  const text = await runFlame(['diff'], { cwd: work, env });
  assert.match(text.stdout, /hotspots::count_primes/);

  const folded = await runFlame(['export', '--format', 'folded', first.id as string], { cwd: work, env });
  assert.equal(folded.exitCode, 0, folded.stderr);
  const sum = folded.stdout
    .trim()
    .split('\n')
    .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  assert.equal(sum, first.samples);
  // pprof into a pipe is fine (a terminal is refused: test/history.test.ts); it is gzipped protobuf.
  const pprof = await runFlame(['export', '--format', 'pprof', '-o', path.join(work, 'p.pb.gz')], { cwd: work, env });
  assert.equal(pprof.exitCode, 0, pprof.stderr);
  assert.deepEqual([...readFileSync(path.join(work, 'p.pb.gz')).subarray(0, 2)], [0x1f, 0x8b]);

  const q = await runFlame(['query', 'profile/callers', JSON.stringify({ function: 'hotspots::count_primes' })], { cwd: work, env });
  assert.equal(q.exitCode, 0, q.stderr);
  assert.ok((JSON.parse(q.stdout) as { callers: unknown[] }).callers.length > 0);
  const bad = await runFlame(['query', 'profile/top', '{"limit": "many"}'], { cwd: work, env });
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /^error: 'limit' must be a number/m);
});

test('canonicalSpec: specs that run alike are spelled alike', () => {
  const root = '/ws';
  const same = [
    {},
    { target: {}, record: {}, programArgs: [] },
    { target: { cwd: '/ws', manifestPath: 'Cargo.toml' } },
    { target: { manifestPath: '/ws/Cargo.toml', features: [] } },
  ];
  for (const spec of same) assert.deepEqual(canonicalSpec(spec, root), {}, JSON.stringify(spec));
  assert.deepEqual(canonicalSpec({ target: { cwd: '/ws/member', bin: 'a' }, record: { runs: 3 }, programArgs: ['-x'] }, root), {
    target: { cwd: '/ws/member', bin: 'a' },
    record: { runs: 3 },
    programArgs: ['-x'],
  });
  assert.deepEqual(canonicalSpec({ target: { manifestPath: 'member/Cargo.toml' } }, root), { target: { manifestPath: 'member/Cargo.toml' } });
});

test('watchRuns: as many runs as fit 2 s at the previous time per run, 1 to 5', () => {
  const cases: Array<[{ durationMs?: number; runs?: number[] } | undefined, number]> = [
    [undefined, 1],
    [{}, 1],
    [{ durationMs: 0 }, 1],
    [{ durationMs: 100 }, 5],
    [{ durationMs: 500 }, 4],
    [{ durationMs: 700 }, 2],
    [{ durationMs: 1999 }, 1],
    [{ durationMs: 8000 }, 1],
    [{ durationMs: 1500, runs: [1, 1, 1] }, 4],
    [{ durationMs: 3000, runs: [1, 1, 1, 1, 1] }, 3],
  ];
  for (const [prev, want] of cases) assert.equal(watchRuns(prev), want, JSON.stringify(prev));
});

test("flame watch joining a running session (an editor's, its spec spelled the editor's way) shows the latest profile at once", async () => {
  // The editor: a protocol client that starts watching with the LSP's empty settings.
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const editor = await connect({ cwd: work, clientName: 'flame-lsp' }).finally(() => (process.env = saved));
  try {
    const ready: P.ProfileReady.Params[] = [];
    onNotification(editor, P.ProfileReady.type, (p) => ready.push(p));
    const started = await request(editor, P.WatchStart.type, { target: {}, record: {}, programArgs: [] });
    assert.equal(started.joined, false);
    const first = await new Promise<P.ProfileReady.Params>((resolve) => {
      const poll = () => {
        const p = ready.find((r) => r.sessionId === started.sessionId);
        if (p) resolve(p);
        else setTimeout(poll, 50);
      };
      poll();
    });
    // flame watch from the workspace root with its own flags' spelling: the same session, and
    // its latest profile shown before anything new happens.
    const w = new Watch([]);
    const shown = await w.next((e) => e.event === 'profile');
    assert.deepEqual(
      w.events.map((e) => e.event),
      ['watch', 'profile'],
    );
    assert.equal(w.events[0]!.joined, true);
    assert.equal(w.events[0]!.sessionId, started.sessionId);
    assert.equal(shown.id, first.id);
    assert.equal((shown.top as { functions: Array<{ name: string }> }).functions[0]!.name, 'hotspots::count_primes');
    w.child.kill('SIGINT');
    assert.equal(await new Promise((r) => w.child.once('close', r)), 0);
    // The editor still watches: its session lives on.
    const status = await request(editor, P.Status.type, {});
    assert.deepEqual(
      status.sessions.map((x) => [x.id, x.clients]),
      [[started.sessionId, 1]],
    );
    await request(editor, P.WatchStop.type, { sessionId: started.sessionId });
  } finally {
    editor.close();
  }
});

test('a broken build shows up as an error event with the compiler message', async () => {
  const lib = path.join(work, 'src', 'lib.rs');
  const good = readFileSync(lib, 'utf8');
  // --runs overrides watch's default: every profile has exactly two runs.
  const w = new Watch(['--example', 'spin', '--runs', '2']);
  const p = await w.next((e) => e.event === 'profile');
  assert.equal((p.runs as number[]).length, 2);
  writeFileSync(lib, `${good}\nfn broken() -> u32 { "text" }\n`);
  const err = await w.next((e) => e.event === 'error');
  assert.equal(err.kind, 'build');
  assert.match(JSON.stringify(err.errors), /mismatched types/);
  writeFileSync(lib, good);
  const again = await w.next((e) => e.event === 'profile' && w.events.indexOf(e) > w.events.indexOf(err));
  assert.equal((again.runs as number[]).length, 2);
  w.child.kill('SIGINT');
  assert.equal(await new Promise((r) => w.child.once('close', r)), 0);
});

test('flame watch shows the program: its lines in bounded batches, its panic and exit status; the daemon log keeps only a tail', async () => {
  const n = 20_000;
  const w = new Watch(['--example', 'chatty', '--', '--lines', String(n), '--panic']);
  const last = await w.next((e) => e.event === 'output' && e.end !== undefined);
  const batches = w.events.filter((e) => e.event === 'output') as unknown as Array<{
    sessionId: string;
    lines: string[];
    dropped: number;
    end?: { failed: boolean; exitCode?: number; panic?: string };
  }>;
  const watching = w.events.find((e) => e.event === 'watch')!;
  assert.ok(batches.every((b) => b.sessionId === watching.sessionId));
  // Bounded: no batch holds more than 200 lines, and what was left out is counted.
  assert.ok(
    batches.every((b) => b.lines.length <= 200),
    JSON.stringify(batches.map((b) => b.lines.length)),
  );
  const lines = batches.flatMap((b) => b.lines);
  const dropped = batches.reduce((a, b) => a + b.dropped, 0);
  assert.ok(lines.length + dropped >= n + 2, `${lines.length} + ${dropped}`);
  // The program's own lines, in order, the newest one kept however many were dropped.
  const numbered = lines.filter((l) => l.startsWith('chatty line ')).map((l) => Number(l.split(' ')[2]));
  assert.ok(numbered.every((v, i) => i === 0 || v > numbered[i - 1]!));
  assert.equal(numbered.at(-1), n - 1);
  assert.ok(lines.includes(`chatty: ${n} lines written`), 'the stderr line is missing');
  assert.equal(last.end && (last.end as { failed: boolean }).failed, true);
  assert.equal((last.end as { exitCode: number }).exitCode, 101);
  assert.match(
    (last.end as { panic: string }).panic,
    new RegExp(`^thread 'main'.* panicked at examples/chatty\\.rs:\\d+:\\d+:\nchatty was asked to panic after ${n} lines$`),
  );
  // The run still gives a profile.
  await w.next((e) => e.event === 'profile');
  w.child.kill('SIGINT');
  assert.equal(await new Promise((r) => w.child.once('close', r)), 0);

  // The daemon's log: not a line per program line, but the tail of the failed run, once.
  const status = JSON.parse((await runFlame(['daemon', 'status', '--json'], { cwd: work, env })).stdout) as { logFile: string };
  const log = readFileSync(status.logFile, 'utf8');
  const logLines = log.split('\n').filter((l) => l.includes('chatty line '));
  assert.equal(logLines.length, 1, `${logLines.length} log lines mention the program's output`);
  const failed = JSON.parse(logLines[0]!) as { msg: string; exitCode: number; tail: string[]; panic: string };
  assert.equal(failed.msg, 'the program failed');
  assert.equal(failed.exitCode, 101);
  assert.ok(failed.tail.length <= 100);
  assert.ok(
    failed.tail.some((l) => l.startsWith(`chatty line ${n - 1} `)),
    failed.tail.join('\n'),
  );
  assert.match(failed.panic, /chatty was asked to panic/);
});

test('flame record stores its profile and tells the running daemon, so every client sees it', async () => {
  const r = await runFlame(['record', '--example', 'spin', '-o', path.join(work, 'spin.svg')], { cwd: work, env });
  assert.equal(r.exitCode, 0, r.stderr);
  const m = /profile (\S+) added to the workspace's history \(the daemon has it\)/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const list = JSON.parse((await runFlame(['profiles', '--json'], { cwd: work, env })).stdout) as {
    profiles: Array<{ id: string; target?: { kind?: string; name?: string } }>;
  };
  const stored = list.profiles.at(-1)!;
  assert.equal(stored.id, m[1]);
  assert.equal(stored.target?.kind, 'example');
  const top = JSON.parse((await runFlame(['top', '--profile', m[1]!, '--json', '--limit', '1'], { cwd: work, env })).stdout) as {
    functions: Array<{ name: string }>;
  };
  assert.equal(top.functions[0]!.name, 'hotspots::mix');
  // A bad import request is refused with a reason, and the daemon lives on.
  const bad = await runFlame(['query', 'profile/import', '{"perfData": "relative/perf.data"}'], { cwd: work, env });
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /must be an absolute path/);
  const missing = await runFlame(['query', 'profile/import', JSON.stringify({ perfData: path.join(work, 'nope.data') })], { cwd: work, env });
  assert.equal(missing.exitCode, 1);
  assert.match(missing.stderr, /nope\.data does not exist/);
});
