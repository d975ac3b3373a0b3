// Size bounds on what clients send the daemon (daemon/frame-guard.ts): the guard alone on
// split and joined frames, then a real daemon with a raw client sending an endless header or a
// huge Content-Length while another client keeps asking.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { FrameGuard, MAX_BODY, MAX_HEADER } from '../daemon/server/frame-guard.js';
import { daemonPaths } from '../common/paths.js';
import * as P from '../protocol/methods.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';
import { send } from '../clients/connect.js';

const frame = (body: string, extra = '') => Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`);

/** Feed `input` to a guard in pieces cut at `cuts`; what came out and why it refused, if it did. */
async function feed(input: Buffer, cuts: number[] = [], maxBody?: number): Promise<{ out: Buffer; refused?: string }> {
  let refused: string | undefined;
  const g = new FrameGuard((r) => (refused = r), maxBody);
  const out: Buffer[] = [];
  g.on('data', (b: Buffer) => out.push(b));
  let at = 0;
  for (const c of [...cuts, input.length]) {
    g.write(input.subarray(at, c));
    at = c;
  }
  g.end();
  await once(g, 'finish');
  await new Promise((r) => setImmediate(r));
  return { out: Buffer.concat(out), refused };
}

test('well-formed frames pass through unchanged, however the bytes are cut', async () => {
  const input = Buffer.concat([
    frame('{"jsonrpc":"2.0","id":1,"method":"a"}'),
    frame('{"x":"é"}', 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n'),
    frame(''),
  ]);
  for (let cut = 0; cut <= input.length; cut++) {
    const r = await feed(input, [cut]);
    assert.equal(r.refused, undefined, `cut at ${cut}`);
    assert.deepEqual(r.out, input, `cut at ${cut}`);
  }
  const bytewise = await feed(input, [...input.keys()].slice(1));
  assert.deepEqual(bytewise.out, input);
});

test('an overlong header, a header without Content-Length or a colon, and an oversized body are refused', async () => {
  const endless = Buffer.alloc(MAX_HEADER * 4, 'x');
  const r1 = await feed(endless, [100, 5000]);
  assert.match(r1.refused ?? '', new RegExp(`header longer than ${MAX_HEADER} bytes`));
  assert.ok(r1.out.length <= MAX_HEADER, `${r1.out.length} bytes passed on`);
  assert.match((await feed(Buffer.from('Content-Type: x\r\n\r\n{}'))).refused ?? '', /without Content-Length/);
  assert.match((await feed(Buffer.from('complete nonsense\r\n\r\n'))).refused ?? '', /without a name and a colon/);
  assert.match((await feed(Buffer.from('Content-Length: -5\r\n\r\n'))).refused ?? '', /not a number of bytes/);
  assert.match((await feed(Buffer.from(`Content-Length: ${MAX_BODY + 1}\r\n\r\n`))).refused ?? '', new RegExp(`message of ${MAX_BODY + 1} bytes`));
  // The body bound counts only the body: a frame of exactly the bound passes, its next one is checked anew.
  const exact = Buffer.concat([frame('x'.repeat(64)), Buffer.from('Content-Length: 65\r\n\r\n')]);
  const r2 = await feed(exact, [10, 80], 64);
  assert.match(r2.refused ?? '', /message of 65 bytes \(at most 64/);
  // A header that ends just inside the bound is accepted.
  const long = frame('{}', `X-Pad: ${'p'.repeat(MAX_HEADER - 40)}\r\n`);
  assert.equal((await feed(long, [MAX_HEADER - 2])).refused, undefined);
});

let d: TestDaemon;
before(async () => {
  d = await startDaemon({ prefix: 'flame-guard' });
});
after(async () => {
  await d.stop();
});

/**
 * Write `head` then `filler` to a raw connection until the daemon closes it or `limit` bytes are
 * written (the old daemon read on, slowly, for ever); meanwhile another client asks for status.
 * Returns the bytes written, whether the daemon closed the connection, and the answers.
 */
async function flood(head: Buffer, filler: Buffer, limit: number): Promise<{ written: number; closed: boolean; answers: number }> {
  const good = await d.client('good');
  const bad = net.connect(d.socket);
  await once(bad, 'connect');
  let closed = false;
  bad.on('error', () => {});
  // Not events.once: it rejects on the 'error' (ECONNRESET) that comes with the close.
  const gone = new Promise<void>((r) => bad.once('close', () => ((closed = true), r())));
  let written = 0;
  const deadline = Date.now() + 60_000; // a failure's timeout, not a pass condition
  const writing = (async () => {
    bad.write(head);
    while (!closed && written < limit && Date.now() < deadline) {
      written += filler.length;
      if (!bad.write(filler)) await Promise.race([new Promise((r) => bad.once('drain', r)), gone, new Promise((r) => setTimeout(r, 1000))]);
    }
  })();
  let answers = 0;
  while (!closed && Date.now() < deadline) {
    const s = await send(good.conn, P.Status.type, {});
    assert.equal(s.pid, d.child.pid);
    answers++;
    if (written >= limit) break;
  }
  await writing;
  await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  // Still served after the other connection went.
  assert.equal((await send(good.conn, P.Status.type, {})).pid, d.child.pid);
  good.close();
  bad.destroy();
  return { written, closed, answers: answers + 1 };
}

function logged(reason: RegExp): boolean {
  const saved = process.env.FLAME_RUNTIME_DIR;
  process.env.FLAME_RUNTIME_DIR = d.runtime;
  const { logFile } = daemonPaths(d.work);
  process.env.FLAME_RUNTIME_DIR = saved;
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .some((l) => /closing a client connection/.test(l) && reason.test(l));
}

test('a client sending an endless header is disconnected; another client is answered meanwhile', async (t) => {
  const limit = 64 * 1024 * 1024;
  const r = await flood(Buffer.from('Content-Length'), Buffer.alloc(1024 * 1024, 'x'), limit);
  assert.ok(r.closed, 'the daemon closes the connection');
  assert.ok(r.written < limit, `written ${r.written} bytes before the close`);
  assert.ok(r.answers >= 1);
  t.diagnostic(`${r.written} bytes written before the close; ${r.answers} status answers to the other client`);
  await waitFor(() => logged(/header longer than 4096 bytes/));
});

test('a client announcing a huge message is disconnected at its header', async (t) => {
  const limit = 64 * 1024 * 1024;
  const r = await flood(Buffer.from('Content-Length: 100000000\r\n\r\n'), Buffer.alloc(1024 * 1024, ' '), limit);
  assert.ok(r.closed, 'the daemon closes the connection');
  assert.ok(r.written < limit, `written ${r.written} bytes before the close`);
  t.diagnostic(`${r.written} bytes written before the close; ${r.answers} status answers to the other client`);
  await waitFor(() => logged(/message of 100000000 bytes/));
});

async function waitFor(pred: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(pred(), 'the daemon logs why it closed the connection');
}
