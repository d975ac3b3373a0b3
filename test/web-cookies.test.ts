// The web page's login in a real browser (Debian's Chromium through playwright-core): two
// workspaces' pages in one browser keep working side by side, and a server on another
// 127.0.0.1 port is sent neither page's cookie (browsers ignore ports when sending cookies).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { type Connection, send } from '../clients/connect.js';
import * as P from '../protocol/methods.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';

let daemons: TestDaemon[] = [];
let clients: Connection[] = [];
let urls: string[] = [];
let browser: Browser;
let context: BrowserContext;
let other: http.Server;
const otherCookies: string[] = [];

before(async () => {
  daemons = await Promise.all(['flame-webA', 'flame-webB'].map((prefix) => startDaemon({ prefix })));
  // One after the other: d.client() sets process.env for the connect.
  for (const d of daemons) clients.push(await d.client('web-cookies-test'));
  urls = await Promise.all(clients.map(async (c) => (await send(c.conn, P.WebUrl.type, {})).url));
  // Another program's server on this host: what does the browser send it?
  other = http.createServer((req, res) => {
    otherCookies.push(req.headers.cookie ?? '');
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<p>another server</p>');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  });
  context = await browser.newContext();
  context.setDefaultTimeout(30_000);
});

after(async () => {
  await browser?.close();
  other?.close();
  for (const c of clients) c.close();
  await Promise.all(daemons.map((d) => d.stop()));
});

/** What the page's own origin answers for its source endpoint (a request the page makes itself). */
function sourceStatus(p: Page): Promise<number> {
  return p.evaluate(async () => (await fetch('source?file=src/lib.rs', { credentials: 'same-origin' })).status);
}

test("two workspaces' pages in one browser both stay logged in", async () => {
  const [a, b] = [await context.newPage(), await context.newPage()];
  const ra = await a.goto(urls[0]);
  assert.equal(ra?.status(), 200);
  assert.equal(await sourceStatus(a), 200);
  const rb = await b.goto(urls[1]);
  assert.equal(rb?.status(), 200);
  // Page A after page B logged in: still its own cookie, still answered.
  assert.equal(await sourceStatus(a), 200, 'page A after page B opened');
  assert.equal((await a.reload())?.status(), 200, 'page A reloaded');
  assert.equal(await sourceStatus(b), 200, 'page B');
  const cookies = await context.cookies();
  assert.equal(cookies.filter((c) => c.name.startsWith('flame_token')).length, 2, JSON.stringify(cookies.map((c) => [c.name, c.path])));
  for (const c of cookies) assert.ok(c.httpOnly, `${c.name} is HttpOnly`);
});

test('a server on another 127.0.0.1 port is sent no page cookie', async () => {
  const p = await context.newPage();
  const port = (other.address() as { port: number }).port;
  for (const path of ['/', '/x/y']) {
    const r = await p.goto(`http://127.0.0.1:${port}${path}`);
    assert.equal(r?.status(), 200);
  }
  assert.ok(otherCookies.length >= 2);
  for (const c of otherCookies) assert.doesNotMatch(c, /flame_token/, `the other server got: ${c}`);
});
