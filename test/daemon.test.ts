// The daemon end to end: a real daemon process on a private socket, real cargo and perf on a
// copy of the fixture crate; watch sessions, edits, broken builds, restarts, two clients and
// malformed requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type Connection, send } from '../clients/connect.js';
import * as P from '../protocol/methods.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';

let d: TestDaemon;
let work: string;

const client = (name = 'test') => d.client(name);

// vscode-jsonrpc keeps one handler per method, so tests listen through one catch-all handler
// per connection and fan out to as many listeners as they like.
const hubs = new WeakMap<Connection, Set<(method: string, params: unknown) => void>>();
function listen(c: Connection, fn: (method: string, params: unknown) => void): { dispose(): void } {
  let set = hubs.get(c);
  if (!set) {
    const listeners = new Set<(method: string, params: unknown) => void>();
    set = listeners;
    hubs.set(c, listeners);
    c.conn.onNotification((method: string, params: unknown) => {
      for (const l of [...listeners]) l(method, params);
    });
  }
  set.add(fn);
  return { dispose: () => set!.delete(fn) };
}

/** Wait for the first notification of `method` that satisfies `pred`. */
function next<T>(c: Connection, method: string, pred: (p: T) => boolean = () => true, timeoutMs = 120000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
    const d = listen(c, (m, p) => {
      if (m === method && pred(p as T)) {
        clearTimeout(timer);
        d.dispose();
        resolve(p as T);
      }
    });
  });
}

before(async () => {
  d = await startDaemon({ prefix: 'flame-daemon', env: { FLAME_FIXTURE_SCALE: '0.3', FLAME_DEBOUNCE_MS: '300' } });
  work = d.work;
});

after(async () => {
  await d?.stop();
});

test('handshake, status, and a private socket', async () => {
  const c = await client();
  try {
    assert.equal(c.info.workspaceRoot, work);
    assert.ok(c.info.capabilities.methods.includes('profile/top'));
    const s = await send(c.conn, P.Status.type, {});
    assert.equal(s.pid, d.child.pid);
    assert.equal(s.state, 'idle');
    assert.equal(statSync(s.socket).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(s.socket)).mode & 0o777, 0o700);
  } finally {
    c.close();
  }
});

test('a client of another protocol version gets an error saying what to do', async () => {
  const sock = net.connect(d.socket);
  const reply = await rawRequest(sock, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { clientName: 'old', clientVersion: '0.0.1', protocolVersion: 999 },
  });
  assert.equal(reply.error.code, -32910);
  assert.match(reply.error.message, /flame daemon stop/);
  sock.destroy();
});

test('malformed JSON, unknown methods and bad params get errors and the daemon lives on', async () => {
  const sock = net.connect(d.socket);
  const init = await rawRequest(sock, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { clientName: 'raw', clientVersion: '0', protocolVersion: 1 } });
  assert.ok(init.result);
  const unknown = await rawRequest(sock, { jsonrpc: '2.0', id: 2, method: 'profile/frobnicate', params: {} });
  assert.equal(unknown.error.code, -32601);
  const bad = await rawRequest(sock, { jsonrpc: '2.0', id: 3, method: 'profile/top', params: { limit: 'many' } });
  assert.equal(bad.error.code, -32602);
  assert.match(bad.error.message, /'limit' must be a number/);
  const badRegex = await rawRequest(sock, { jsonrpc: '2.0', id: 4, method: 'profile/top', params: { filter: '(' } });
  assert.equal(badRegex.error.code, -32602);
  // Garbage framing: the daemon drops this connection, not itself.
  const junk = net.connect(d.socket);
  await new Promise((r) => junk.once('connect', r));
  junk.write('Content-Length: 12\r\n\r\n{not json!!}');
  junk.write('complete nonsense without headers\r\n\r\n');
  await new Promise((r) => setTimeout(r, 300));
  junk.destroy();
  sock.destroy();
  const c = await client();
  const s = await send(c.conn, P.Status.type, {});
  assert.equal(s.pid, d.child.pid);
  c.close();
});

test('profile once, then a watch session follows edits: the hot function moves', async () => {
  const c = await client('watcher');
  try {
    const meta = await send(c.conn, P.ProfileOnce.type, {});
    assert.ok(meta.samples > 0);
    assert.ok(meta.source?.hash);
    const top = await send(c.conn, P.Top.type, { limit: 3 });
    assert.equal(top.profile, meta.id);
    assert.equal(top.functions[0]!.name, 'hotspots::mix');

    const { sessionId } = await send(c.conn, P.WatchStart.type, {});
    // Make count_primes the hot spot: shrink the hash loop, grow the prime search.
    const main = path.join(work, 'src', 'main.rs');
    const src = readFileSync(main, 'utf8');
    const ready = next<P.ProfileReady.Params>(
      c,
      P.ProfileReady.method,
      (p) => p.sessionId === sessionId && p.id !== meta.id && p.top[0]?.name === 'hotspots::count_primes',
    );
    writeFileSync(main, src.replace('150_000_000.0 * s', '1_000.0 * s').replace('400_000.0 * s', '1_500_000.0 * s'));
    const p = await ready;
    const top2 = await send(c.conn, P.Top.type, { profile: p.id, limit: 3 });
    assert.equal(top2.functions[0]!.name, 'hotspots::count_primes');
    const diff = await send(c.conn, P.Diff.type, { base: meta.id, current: p.id });
    const primes = diff.functions.find((f) => f.name === 'hotspots::count_primes')!;
    assert.ok(primes.deltaSelfShare > 0.3 && primes.significant);

    // A burst of edits ends in one build of the final state: one finished build, one profile.
    let builds = 0;
    let profiles = 0;
    const counter = listen(c, (m, b) => m === P.BuildFinished.method && (b as P.BuildFinished.Params).ok && builds++);
    const pcounter = listen(c, (m) => m === P.ProfileReady.method && profiles++);
    const lib = path.join(work, 'src', 'lib.rs');
    const libSrc = readFileSync(lib, 'utf8');
    const afterBurst = next<P.ProfileReady.Params>(c, P.ProfileReady.method, (q) => q.sessionId === sessionId);
    for (let i = 0; i < 10; i++) writeFileSync(lib, `${libSrc}\n// edit ${i}\n`);
    const q = await afterBurst;
    await new Promise((r) => setTimeout(r, 1500)); // nothing else may follow
    counter.dispose();
    pcounter.dispose();
    assert.equal(builds, 1, 'one finished build for the burst');
    assert.equal(profiles, 1, 'one profile for the burst');
    assert.match(readFileSync(lib, 'utf8'), /edit 9/);
    const list = await send(c.conn, P.ProfileList.type, {});
    assert.equal(list.profiles.at(-1)!.id, q.id);

    // A broken edit reports the compiler's error and keeps the last good profile.
    const failed = next<P.BuildFinished.Params>(c, P.BuildFinished.method, (b) => !b.ok);
    writeFileSync(lib, `${libSrc}\nfn broken() -> u32 { "not a number" }\n`);
    const b = await failed;
    assert.ok(b.errors.length > 0);
    assert.match(b.errors[0]!.rendered, /mismatched types/);
    assert.match(b.errors[0]!.file ?? '', /src\/lib\.rs$/);
    const status = await send(c.conn, P.Status.type, {});
    assert.equal(status.lastProfile!.id, q.id);

    // Fix it again so later tests start from a good tree.
    const fixed = next<P.ProfileReady.Params>(c, P.ProfileReady.method, (r) => r.sessionId === sessionId);
    writeFileSync(lib, libSrc);
    await fixed;
    await send(c.conn, P.WatchStop.type, { sessionId });
  } finally {
    c.close();
  }
});

test('two clients at once both hear about a new profile', async () => {
  const a = await client('a');
  const b = await client('b');
  try {
    const pa = next<P.ProfileReady.Params>(a, P.ProfileReady.method);
    const pb = next<P.ProfileReady.Params>(b, P.ProfileReady.method);
    const meta = await send(a.conn, P.ProfileOnce.type, { target: { example: 'spin' } });
    assert.equal((await pa).id, meta.id);
    assert.equal((await pb).id, meta.id);
    const callers = await send(b.conn, P.Callers.type, { function: 'hotspots::hash_chain' });
    assert.ok(callers.callees.some((x) => x.name === 'hotspots::mix'));
    const exp = await send(b.conn, P.Export.type, { format: 'speedscope' });
    assert.match(exp.data, /speedscope/);
  } finally {
    a.close();
    b.close();
  }
});

test('a restart keeps the history', async () => {
  let c = await client();
  const before = (await send(c.conn, P.ProfileList.type, {})).profiles.map((p) => p.id);
  assert.ok(before.length >= 3);
  // Listen before asking: the daemon now drops its clients' sockets and may exit at once.
  const exited = new Promise((r) => d.child.once('exit', r));
  await send(c.conn, P.Shutdown.type, {});
  c.close();
  await exited;
  await d.restart();
  c = await client();
  const afterIds = (await send(c.conn, P.ProfileList.type, {})).profiles.map((p) => p.id);
  assert.deepEqual(afterIds, before);
  const top = await send(c.conn, P.Top.type, { profile: before[0] });
  assert.ok(top.samples > 0);
  c.close();
});

/** Send one framed JSON-RPC message on a raw socket and read the framed reply. */
function rawRequest(sock: net.Socket, msg: unknown): Promise<{ result?: unknown; error: { code: number; message: string } }> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /Content-Length: (\d+)\r\n\r\n/.exec(buf);
      if (m) {
        const start = m.index + m[0].length;
        if (buf.length >= start + Number(m[1])) {
          sock.off('data', onData);
          resolve(JSON.parse(buf.slice(start, start + Number(m[1]))));
        }
      }
    };
    sock.on('data', onData);
    const body = JSON.stringify(msg);
    sock.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}
