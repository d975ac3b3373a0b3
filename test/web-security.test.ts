// The web page's guards, one test per rule, against a real daemon: whoever reaches the page can
// make the daemon build and run code, so it is loopback-only, token-guarded, checks Host and
// Origin, reads sources only inside the workspace and offers only read-only methods.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { type Connection, send } from '../clients/connect.js';
import * as P from '../protocol/methods.js';
import { WebServer } from '../daemon/web/web.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';
import { runCmd, scratch } from './helpers.js';

let work: string;
let outside: string;
let d: TestDaemon;
let c: Connection;
let port: number;
let token: string;
/** The page's base path, /<id>/, from the address the daemon gives. */
let base: string;

before(async () => {
  outside = scratch('flame-websec-out-');
  writeFileSync(path.join(outside, 'secret.txt'), 'not for the page\n');
  d = await startDaemon({ prefix: 'flame-websec' });
  work = d.work;
  symlinkSync(path.join(outside, 'secret.txt'), path.join(work, 'src', 'leak.rs'));
  symlinkSync(outside, path.join(work, 'outdir'));
  c = await d.client('web-security-test');
  const r = await send(c.conn, P.WebUrl.type, {});
  port = r.port;
  token = new URL(r.url).searchParams.get('token')!;
  base = new URL(r.url).pathname;
});

after(() => {
  c?.close();
  void d?.stop();
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw GET to the page's server with exactly these headers. */
function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: pathAndQuery, method: 'GET', headers: { Host: `127.0.0.1:${port}`, ...headers }, setHost: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const cookie = () => ({ Cookie: `flame_token_${port}=${token}` });

/** Open the WebSocket with these headers; resolves with the socket, or the refusal's status. */
function openSocket(headers: Record<string, string>, at = `${base}rpc`): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${at}`, { headers: { Host: `127.0.0.1:${port}`, ...headers } });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      res.resume();
    });
    ws.once('error', () => resolve({}));
  });
}

function rpc(ws: WebSocket, id: number, method: string, params: unknown): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  return new Promise((resolve) => {
    const on = (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as { id?: number };
      if (msg.id === id) {
        ws.off('message', on);
        resolve(msg as never);
      }
    };
    ws.on('message', on);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  });
}

test('without the token every request is refused with 403', async () => {
  for (const p of ['', 'app.js', 'source?file=src/lib.rs']) {
    const r = await get(base + p);
    assert.equal(r.status, 403, p);
    assert.match(r.body, /token/);
  }
  assert.equal((await get(`${base}?token=wrong`)).status, 403);
  assert.equal((await get(base, { Cookie: `flame_token_${port}=wrong` })).status, 403);
  // Outside the base path nothing is served, with the token or without.
  for (const p of ['/', '/app.js', `/?token=${token}`]) assert.equal((await get(p, cookie())).status, 404, p);
});

test('the token sets an HttpOnly SameSite=Strict cookie and redirects to drop it from the URL', async () => {
  const r = await get(`${base}?token=${token}`);
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, base);
  const set = String(r.headers['set-cookie']);
  assert.match(set, new RegExp(`^flame_token_${port}=${token};`));
  assert.match(set, /HttpOnly/);
  assert.match(set, /SameSite=Strict/);
  const page = await get(base, cookie());
  assert.equal(page.status, 200);
  assert.match(page.body, /<canvas id="flame"/);
  assert.equal((await get(`${base}nope`, cookie())).status, 404);
});

test("the cookie is named for the server's port and sent only under its base path; its value is checked", async () => {
  const set = String((await get(`${base}?token=${token}`)).headers['set-cookie']);
  assert.match(set, new RegExp(`; Path=${base}(;|$)`));
  assert.equal((await get(base, { Cookie: `flame_token=${token}` })).status, 403, 'another name');
  assert.equal((await get(base, { Cookie: `flame_token_${port + 1}=${token}` })).status, 403, "another port's name");
  assert.equal((await get(base, { Cookie: `flame_token_${port}=${token}x` })).status, 403, 'another value');
  // A browser may send several cookies of one name (set under other paths): the right one counts.
  assert.equal((await get(base, { Cookie: `flame_token_${port}=stale; flame_token_${port}=${token}` })).status, 200);
});

test('the token redirect leads only to a path under the page, never to another host', async () => {
  const tries = [
    `/.//evil.example/?token=${token}`,
    `//evil.example/?token=${token}`,
    `${base}.//evil.example/?token=${token}`,
    `${base}/evil.example/?token=${token}`,
    `${base}%2F%2Fevil.example/?token=${token}`,
    `${base.slice(0, -1)}?token=${token}`,
  ];
  for (const p of tries) {
    const loc = (await get(p)).headers.location;
    if (loc !== undefined) assert.ok(loc.startsWith(base) && !loc.startsWith('//'), `${p} redirects to ${loc}`);
  }
  assert.equal((await get(`${base}app.js?token=${token}`)).headers.location, `${base}app.js`);
});

test('the path-token entrance answers any Host with the right token, sets no cookie, and refuses a wrong token', async () => {
  const fwd = `${base}t/${token}/`;
  // As code-server's proxy passes it on: the browser's Host, which is not ours.
  for (const host of ['code-server.example:8443', 'evil.example', `127.0.0.1:${port}`]) {
    const page = await get(fwd, { Host: host });
    assert.equal(page.status, 200, host);
    assert.match(page.body, /<canvas id="flame"/);
    assert.equal(page.headers['set-cookie'], undefined, 'no cookie for a Host that is not ours');
    assert.equal(page.headers['referrer-policy'], 'no-referrer', 'the path token is never sent on as a Referer');
  }
  const proxied = { Host: 'code-server.example:8443' };
  assert.equal((await get(`${fwd}app.js`, proxied)).status, 200);
  const src = await get(`${fwd}source?file=src/lib.rs`, proxied);
  assert.equal(src.status, 200);
  assert.match(src.body, /pub fn mix/);
  // The same confinement of source files as the plain entrance.
  assert.equal((await get(`${fwd}source?file=${encodeURIComponent('/etc/passwd')}`, proxied)).status, 403);
  assert.equal((await get(`${fwd}nope`, proxied)).status, 404);
  // Without the trailing slash: a relative redirect, which keeps a proxy's path prefix.
  const bare = await get(`${base}t/${token}`, proxied);
  assert.equal(bare.status, 303);
  assert.equal(bare.headers.location, `${token}/`);

  const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  for (const p of [`${base}t/${flipped}/`, `${base}t/${token}x/`, `${base}t/${token.slice(0, -1)}/`, `${base}t//`, `${base}t/wrong/app.js`, `${base}t/`]) {
    for (const headers of [proxied, { Host: `127.0.0.1:${port}` }, { Host: `127.0.0.1:${port}`, ...cookie() }]) {
      const r = await get(p, headers);
      assert.equal(r.status, 403, `${p} with ${JSON.stringify(headers)}`);
      assert.match(r.body, /wrong token in the address/);
    }
  }
  // The token elsewhere does not open the path entrance's rule to a foreign Host: the plain
  // entrance still refuses it (DNS rebinding), with the token in the query or the cookie.
  for (const headers of [proxied, { ...proxied, ...cookie() }]) {
    assert.equal((await get(`${base}?token=${token}`, headers)).status, 403);
    assert.equal((await get(`${base}app.js`, headers)).status, 403);
  }
  assert.equal((await get(`/t/${token}/`, proxied)).status, 403, 'outside the base path');
});

test("the path-token entrance's WebSocket: Origin must be the Host or the first X-Forwarded-Host; read-only methods only", async () => {
  const at = `${base}t/${token}/rpc`;
  const accepted: Array<Record<string, string>> = [
    { Host: 'code-server.example:8443', Origin: 'https://code-server.example:8443' },
    { Host: 'code-server.example:8443', Origin: 'http://code-server.example:8443' },
    // A proxy that rewrote Host to ours names the browser's in X-Forwarded-Host.
    { Host: `127.0.0.1:${port}`, 'X-Forwarded-Host': 'code-server.example', Origin: 'https://code-server.example' },
    { Host: `127.0.0.1:${port}`, 'X-Forwarded-Host': 'code-server.example:443', Origin: 'https://code-server.example' },
    { Host: `localhost:${port}`, Origin: `http://localhost:${port}` },
  ];
  for (const headers of accepted) {
    const { ws, status } = await openSocket(headers, at);
    assert.ok(ws, `${JSON.stringify(headers)}: ${status}`);
    assert.ok((await rpc(ws, 1, 'initialize', { clientName: 't', clientVersion: '0', protocolVersion: 1 })).result);
    assert.ok((await rpc(ws, 2, 'profile/list', {})).result);
    assert.equal((await rpc(ws, 3, 'profile/once', {})).error?.code, -32912, 'still read-only');
    ws.close();
  }
  const refused: Array<[Record<string, string>, string]> = [
    [{ Host: 'code-server.example:8443' }, `${base}t/${token}/rpc`],
    [{ Host: 'code-server.example:8443', Origin: 'https://evil.example' }, at],
    [{ Host: 'code-server.example:8443', Origin: 'https://code-server.example:8444' }, at],
    [{ Host: 'code-server.example:8443', Origin: 'null' }, at],
    [{ Host: 'code-server.example:8443', Origin: 'ftp://code-server.example:8443' }, at],
    [{ Host: 'code-server.example:8443', Origin: 'https://code-server.example:8443/x' }, at],
    [{ Host: 'evil.example@code-server.example', Origin: 'https://code-server.example' }, at],
    [{ Host: `127.0.0.1:${port}`, 'X-Forwarded-Host': 'evil.example, code-server.example', Origin: 'https://code-server.example' }, at],
    [{ Host: 'code-server.example:8443', Origin: 'https://code-server.example:8443' }, `${base}t/wrong/rpc`],
    [{ Host: 'code-server.example:8443', Origin: 'https://code-server.example:8443' }, `${base}t/${token}x/rpc`],
    // The plain entrance keeps its rules: a foreign Host is refused even with the cookie.
    [{ Host: 'code-server.example:8443', Origin: 'https://code-server.example:8443', ...cookie() }, `${base}rpc`],
  ];
  for (const [headers, p] of refused) {
    const r = await openSocket(headers, p);
    assert.equal(r.ws, undefined, `${p} ${JSON.stringify(headers)}`);
    assert.equal(r.status, 403, `${p} ${JSON.stringify(headers)}`);
  }
  assert.equal((await openSocket({ Host: 'code-server.example:8443', Origin: 'https://code-server.example:8443' }, `${base}t/${token}/other`)).status, 404);
});

/** A request written byte for byte; resolves with the status line of the answer. */
function rawStatus(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    s.on('data', (b: Buffer) => {
      got += b.toString('latin1');
      if (got.includes('\r\n')) s.destroy();
    });
    s.on('error', reject);
    s.on('close', () => resolve(got.split('\r\n')[0]));
    s.write(request);
  });
}

test('a request with two Host headers, or a WebSocket with two Origins, is refused', async () => {
  const req = (headers: string[], extra = '') =>
    `GET ${base}${extra} HTTP/1.1\r\n${headers.map((h) => `${h}\r\n`).join('')}Cookie: flame_token_${port}=${token}\r\nConnection: close\r\n\r\n`;
  assert.match(await rawStatus(req([`Host: 127.0.0.1:${port}`])), /^HTTP\/1\.1 200/);
  for (const hosts of [
    [`127.0.0.1:${port}`, 'evil.example'],
    ['evil.example', `127.0.0.1:${port}`],
    [`127.0.0.1:${port}`, `127.0.0.1:${port}`],
  ]) {
    assert.match(await rawStatus(req(hosts.map((h) => `Host: ${h}`))), /^HTTP\/1\.1 (400|403)/, hosts.join(' + '));
  }
  const upgrade = ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='];
  const ws = (headers: string[]) =>
    `GET ${base}rpc HTTP/1.1\r\n${[...headers, ...upgrade].map((h) => `${h}\r\n`).join('')}Cookie: flame_token_${port}=${token}\r\n\r\n`;
  assert.match(await rawStatus(ws([`Host: 127.0.0.1:${port}`, `Origin: http://127.0.0.1:${port}`])), /^HTTP\/1\.1 101/);
  assert.match(await rawStatus(ws([`Host: 127.0.0.1:${port}`, `Origin: http://127.0.0.1:${port}`, 'Origin: http://evil.example'])), /^HTTP\/1\.1 403/);
});

test('a foreign Host header is refused (DNS rebinding), loopback names are accepted', async () => {
  for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, `127.0.0.2:${port}`, `10.0.0.1:${port}`]) {
    const r = await get(base, { ...cookie(), Host: host });
    assert.equal(r.status, 403, host);
    assert.match(r.body, /Host/);
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
    assert.equal((await get(base, { ...cookie(), Host: host })).status, 200, host);
});

test('a WebSocket from a foreign Origin is refused; the page own origin gets read-only methods', async () => {
  for (const origin of ['http://evil.example', `http://evil.example:${port}`, `http://127.0.0.1:${port + 1}`, 'null']) {
    const r = await openSocket({ ...cookie(), Origin: origin });
    assert.equal(r.ws, undefined, origin);
    assert.equal(r.status, 403, origin);
  }
  assert.equal((await openSocket({ Origin: `http://127.0.0.1:${port}` })).status, 403, 'no cookie, no socket');
  assert.equal((await openSocket({ ...cookie() })).status, 403, 'no Origin, no socket');

  const { ws } = await openSocket({ ...cookie(), Origin: `http://127.0.0.1:${port}` });
  assert.ok(ws, 'the page own origin connects');
  try {
    const init = await rpc(ws, 1, 'initialize', { clientName: 't', clientVersion: '0', protocolVersion: 1 });
    assert.ok(init.result);
    assert.ok((await rpc(ws, 2, 'profile/list', {})).result);
    // Nothing that builds, runs, watches or stops: every method not declared read-only.
    let id = 3;
    for (const m of [
      'profile/once',
      'session/watch',
      'session/stop',
      'daemon/shutdown',
      'web/url',
      ...P.REQUEST_TYPES.filter((t) => !t.readOnly).map((t) => t.method),
    ]) {
      const r = await rpc(ws, id++, m, {});
      assert.equal(r.error?.code, -32912, m);
      assert.match(r.error!.message, /not available to the web page/);
    }
    // And every read-only one reaches the daemon (which may still refuse its empty params).
    for (const t of P.REQUEST_TYPES.filter((t) => t.readOnly)) {
      const r = await rpc(ws, id++, t.method, {});
      assert.notEqual(r.error?.code, -32912, `${t.method}: ${r.error?.message}`);
    }
    const status = await send(c.conn, P.Status.type, {});
    assert.equal(status.state, 'idle', 'nothing was started');
  } finally {
    ws.close();
  }
});

test('garbage on the WebSocket closes that socket only; the daemon lives on', async () => {
  const origin = { ...cookie(), Origin: `http://127.0.0.1:${port}` };
  const payloads: Array<string | Buffer> = [
    '{not json',
    'null',
    '[1,2]',
    Buffer.from([0, 1, 2]),
    'x'.repeat(200 * 1024),
    JSON.stringify({ jsonrpc: '2.0', id: { weird: 1 }, method: 'profile/top', params: 7 }),
  ];
  for (const data of payloads) {
    const { ws } = await openSocket(origin);
    assert.ok(ws);
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.send(data);
    // A well-formed request after the garbage either is answered or finds the socket closed.
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'daemon/status', params: {} }));
    await Promise.race([closed, new Promise((r) => ws.on('message', (m: Buffer) => JSON.parse(m.toString()).id === 99 && r(undefined)))]);
    ws.terminate();
  }
  const status = await send(c.conn, P.Status.type, {});
  assert.equal(status.pid, d.child.pid);
});

test('source files: inside the workspace only; ../, absolute paths and symlinks out are refused', async () => {
  const ok = await get(`${base}source?file=${encodeURIComponent(path.join(work, 'src', 'lib.rs'))}`, cookie());
  assert.equal(ok.status, 200);
  assert.match(ok.body, /pub fn mix/);
  assert.equal((await get(`${base}source?file=src/lib.rs`, cookie())).status, 200);
  const refused = [
    '../../../../etc/passwd',
    'src/../../../etc/passwd',
    '/etc/passwd',
    path.join(outside, 'secret.txt'),
    `${work}/../${path.basename(outside)}/secret.txt`,
    'src/leak.rs',
    'outdir/secret.txt',
  ];
  for (const f of refused) {
    const r = await get(`${base}source?file=${encodeURIComponent(f)}`, cookie());
    assert.equal(r.status, 403, f);
    assert.doesNotMatch(r.body, /not for the page|root:/);
  }
  assert.equal((await get(`${base}source?file=src/missing.rs`, cookie())).status, 404);
  assert.equal((await get(`${base}source`, cookie())).status, 400);
  assert.equal((await get(`${base}source?file=src%00/lib.rs`, cookie())).status, 400);
});

test("the standard library's sources: the local rust-src's .rs files are served, nothing else beside them", async () => {
  const sysroot = (await runCmd('rustc', ['--print', 'sysroot'], { cwd: work })).stdout.trim();
  const lib = path.join(sysroot, 'lib', 'rustlib', 'src', 'rust', 'library');
  assert.ok(existsSync(lib), `no rust-src in ${sysroot}: run \`rustup component add rust-src\``);
  const fmt = await get(`${base}source?file=${encodeURIComponent(path.join(lib, 'core', 'src', 'fmt', 'mod.rs'))}`, cookie());
  assert.equal(fmt.status, 200, fmt.body);
  assert.match(fmt.body, /pub fn write\(/);
  for (const f of [path.join(lib, 'Cargo.toml'), `${lib}/../../../../../etc/passwd`, path.join(lib, '..', 'src', 'x.rs'), path.join(sysroot, 'lib', 'x.rs')]) {
    const r = await get(`${base}source?file=${encodeURIComponent(f)}`, cookie());
    assert.equal(r.status, 403, f);
  }
  assert.equal((await get(`${base}source?file=${encodeURIComponent(path.join(lib, 'core', 'src', 'nope.rs'))}`, cookie())).status, 404);
});

test('the server binds loopback only: another address cannot be asked for nor reached', async () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.10']) assert.throws(() => new WebServer({ workspaceRoot: work, attach: () => {}, host }), /loopback only/);
  // Every non-loopback address of this machine refuses the port.
  const addrs = Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal)
    .map((a) => a!.address);
  for (const a of addrs) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: a, port });
      s.once('connect', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(true));
    });
    assert.ok(refused, `${a}:${port} refuses`);
  }
  // And the daemon outlived all of the above.
  assert.equal((await send(c.conn, P.Status.type, {})).pid, d.child.pid);
});
