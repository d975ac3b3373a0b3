// The web page end to end: a real daemon on a copy of the hotspots fixture, real cargo and perf,
// `flame web` for the address, and Debian's Chromium driven by playwright-core: the graph
// renders, search, zoom, source heat, diff, history, and a new profile arriving live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type Connection, send } from '../clients/connect.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';
import * as P from '../protocol/methods.js';
import { REPO, runFlame } from './helpers.js';
import { clickFrame, colourCounts, frameBox, framePixel, launchChromium, type FrameBox } from './web-harness.js';
import { startReverseProxy } from './reverse-proxy.js';

// Page-side callbacks run in Chromium; the tests' own lib has no DOM types.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;

const SHOTS = path.join(REPO, 'test-output', 'web');
let d: TestDaemon;
let work: string;
let c: Connection;
let browser: Browser;
let page: Page;
let first: P.ProfileOnce.Result;
let url: string;
const env = () => d.env;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  d = await startDaemon({ prefix: 'flame-web', env: { FLAME_FIXTURE_SCALE: '0.3' } });
  work = d.work;
  c = await d.client('web-test');
  first = await send(c.conn, P.ProfileOnce.type, {});
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await browser?.close();
  c?.close();
  await d?.stop();
});

/** Count the canvas's pixels that are not the white background. */
function inkedPixels(p: Page): Promise<number> {
  return p.evaluate(() => {
    const cv = document.getElementById('flame');
    const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) n++;
    return n;
  });
}

test('flame web prints a loopback address with a token, the same one each time', async () => {
  const r = await runFlame(['web', '--json'], { cwd: work, env: env() });
  assert.equal(r.exitCode, 0, r.stderr);
  const j = JSON.parse(r.stdout) as P.WebUrl.Result;
  assert.match(j.url, /^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{16}\/\?token=[A-Za-z0-9_-]{20,}$/);
  assert.equal(new URL(j.url).port, String(j.port));
  const again = await runFlame(['web'], { cwd: work, env: env() });
  assert.equal(again.stdout.trim(), j.url);
  url = j.url;
});

test('the page draws the latest profile, and the token leaves the address bar', async () => {
  await page.goto(url);
  await page.waitForFunction((id) => document.getElementById('profile-id')?.textContent === id, first.id);
  assert.equal(new URL(page.url()).search, '', 'the token is dropped from the URL');
  await page.waitForFunction(() => (window as unknown as { flame: { graph: { nodeCount: number } } }).flame.graph.nodeCount > 3);
  assert.ok((await inkedPixels(page)) > 10_000, 'the canvas is not blank');
  // The page is a client of the daemon, so it keeps the daemon from idling out.
  const status = await send(c.conn, P.Status.type, {});
  assert.ok(status.clients >= 2, `the page counts as a client (${status.clients})`);
  await page.screenshot({ path: path.join(SHOTS, 'flame-graph.png') });
});

test('behind a reverse proxy that sends its own Host (as code-server does), the forward address draws the graph', async () => {
  const r = await runFlame(['web', '--forward'], { cwd: work, env: env() });
  assert.equal(r.exitCode, 0, r.stderr);
  const forward = new URL(r.stdout.trim());
  assert.match(forward.pathname, /^\/[A-Za-z0-9_-]{16}\/t\/[A-Za-z0-9_-]{20,}\/$/);
  assert.equal(forward.pathname, `${new URL(url).pathname}t/${new URL(url).searchParams.get('token')}/`);
  const proxy = await startReverseProxy();
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  try {
    const p = await ctx.newPage();
    p.setDefaultTimeout(30_000);
    // The plain address through the proxy is what failed before: the Host is the proxy's.
    const plain = await p.goto(proxy.url(Number(forward.port), `${new URL(url).pathname}${new URL(url).search}`));
    assert.equal(plain?.status(), 403);
    assert.match((await plain?.text()) ?? '', /wrong Host header/);

    await p.goto(proxy.url(Number(forward.port), forward.pathname));
    await p.waitForFunction((id) => document.getElementById('profile-id')?.textContent === id, first.id);
    await p.waitForFunction(() => (window as unknown as { flame: { graph: { nodeCount: number } } }).flame.graph.nodeCount > 3);
    assert.ok((await inkedPixels(p)) > 10_000, 'the canvas is not blank');
    assert.ok(proxy.upgrades >= 1, 'the WebSocket went through the proxy');
    // Source files come through the proxy too (relative addresses keep its /proxy/PORT/ prefix).
    await clickFrame(p, 'hotspots::mix');
    await p.waitForSelector('#source .hot');
    assert.deepEqual(await ctx.cookies(), [], 'no cookie is set on the forward entrance');
    await p.screenshot({ path: path.join(SHOTS, 'proxied.png') });
  } finally {
    await ctx.close();
    await proxy.close();
  }
});

test('search finds hotspots::mix and shows its share', async () => {
  await page.fill('#search', '^hotspots::mix$');
  await page.waitForFunction(() => Number(document.getElementById('search-share')?.dataset.share) > 0);
  const share = Number(await page.locator('#search-share').getAttribute('data-share'));
  assert.ok(share > 0.3 && share <= 1, `mix holds most samples (${share})`);
  assert.match((await page.textContent('#search-share')) ?? '', /matched \d/);
  await page.screenshot({ path: path.join(SHOTS, 'search.png') });
  await page.fill('#search', '');
});

test('clicking a frame zooms (the breadcrumb follows) and opens its callers and hot source line', async () => {
  const before = await page.textContent('#breadcrumb');
  await clickFrame(page, 'hotspots::mix');
  await page.waitForFunction(
    (b) => document.getElementById('breadcrumb')?.textContent !== b && /hotspots::mix$/.test(document.getElementById('breadcrumb')!.textContent!),
    before,
  );
  const crumbs = await page.locator('#breadcrumb a').allTextContents();
  assert.equal(crumbs[0], 'all');
  assert.ok(crumbs.includes('hotspots::hash_chain'), crumbs.join(' › '));
  // The sandwich: mix is called from hash_chain.
  await page.waitForSelector('#sandwich-function');
  assert.match((await page.textContent('#sandwich')) ?? '', /hotspots::hash_chain/);
  // The source panel opens src/lib.rs at mix's hottest line (10–12).
  await page.waitForSelector('#source .hot');
  const hot = await page.locator('#source .hot').getAttribute('id');
  const line = Number(hot!.replace('source-line-', ''));
  assert.ok(line >= 10 && line <= 12, `hot line ${line} is in mix`);
  assert.match((await page.locator('#source .hot').textContent()) ?? '', /wrapping_mul|>>|\^/);
  await page.screenshot({ path: path.join(SHOTS, 'zoom-source.png'), fullPage: true });
  // Zoom back out through the breadcrumb.
  await page.locator('#breadcrumb a').first().click();
  await page.waitForFunction(() => document.querySelectorAll('#breadcrumb a').length === 1);
});

test('zooming into a frame whose small children were pruned fetches its subtree', async () => {
  // Find a frame X and a child c, and a minShare m, such that the page's first tree has X but
  // not c (c < m of all samples) and X's own subtree at m has c (c >= m of X).
  const full = await send(c.conn, P.Tree.type, {});
  const R = full.root.total;
  let pick: { name: string; m: number } | undefined;
  const walk = (x: P.TreeNode, depth: number) => {
    for (const ch of x.children) {
      const lo = ch.total / R;
      const hi = Math.min(x.total / R, ch.total / x.total);
      if (!pick && depth >= 1 && lo < hi) pick = { name: x.name, m: (lo + hi) / 2 };
      walk(ch, depth + 1);
    }
  };
  walk(full.root, 0);
  assert.ok(pick, 'the fixture profile has a frame with a prunable child');
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const coarse = await ctx.newPage();
  try {
    await coarse.goto(`${url}#minShare=${pick.m}`);
    await coarse.waitForFunction(() => window.flame?.graph?.nodeCount > 1);
    const before = await coarse.evaluate(() => window.flame.graph.nodeCount);
    await clickFrame(coarse, pick.name);
    await coarse.waitForFunction((n) => window.flame.graph.nodeCount > n, before);
    const crumbs = await coarse.locator('#breadcrumb a').allTextContents();
    assert.equal(crumbs.at(-1), pick.name, 'the zoom stays on the frame after the graft');
  } finally {
    await ctx.close();
  }
});

test('icicle orientation flips the graph', async () => {
  const flameBox = await page.evaluate(() => (window as unknown as { flame: { graph: { frameBox(n: string): { y: number } } } }).flame.graph.frameBox('all').y);
  await page.selectOption('#orientation', 'icicle');
  const icicleBox = await page.evaluate(
    () => (window as unknown as { flame: { graph: { frameBox(n: string): { y: number } } } }).flame.graph.frameBox('all').y,
  );
  assert.ok(flameBox > 0 && icicleBox === 0, `root at the bottom (${flameBox}) then at the top (${icicleBox})`);
  assert.ok((await inkedPixels(page)) > 10_000);
  await page.selectOption('#orientation', 'flame');
});

test('runtime plumbing is left out until toggled, by thread groups the stacks, frames are coloured by origin', async () => {
  type G = { graph: { zoomTo(i: number): void; names: string[]; nameOf: Int32Array; depth: Uint16Array } };
  await page.evaluate(() => (window as unknown as { flame: { graph: { zoomTo(i: number): void } } }).flame.graph.zoomTo(0));
  const depth = (b: FrameBox) => page.evaluate((i) => (window as unknown as { flame: G }).flame.graph.depth[i]!, b.index);
  const has = (name: string) => page.waitForFunction((n) => (window as unknown as { flame: G }).flame.graph.names.includes(n), name);
  // By default the user's main is the root's child, and no runtime frame is drawn.
  assert.equal(await frameBox(page, '_start'), undefined);
  assert.equal(await frameBox(page, 'std::rt::lang_start_internal'), undefined);
  const main = await frameBox(page, 'hotspots::main');
  assert.ok(main && (await depth(main)) === 1, `hotspots::main at depth 1 (${main && (await depth(main))})`);
  // The workspace's frames are warm, as in the legend, which names every origin.
  const [r, g, b] = await framePixel(page, (await frameBox(page, 'hotspots::hash_chain'))!);
  assert.ok(r > 150 && g - b > 30, `hash_chain is warm: ${[r, g, b]}`);
  assert.deepEqual(await page.$$eval('#legend [data-origin]', (xs) => xs.map((x) => (x as unknown as { textContent: string }).textContent)), [
    'workspace',
    'dependency',
    'std',
    'libc',
    'kernel',
    'unknown',
  ]);
  // The toggle brings the runtime back: std teal, libc green.
  await page.check('#plumbing');
  await has('_start');
  const std = await framePixel(page, (await frameBox(page, 'std::rt::lang_start_internal'))!);
  assert.ok(std[2] > std[0] + 60 && std[1] > std[0] + 60, `lang_start_internal is std's teal: ${std}`);
  const libc = await framePixel(page, (await frameBox(page, '__libc_start_main'))!);
  assert.ok(libc[1] > libc[0] + 50 && libc[1] > libc[2] + 50, `__libc_start_main is libc's green: ${libc}`);
  assert.ok((await depth((await frameBox(page, 'hotspots::main'))!)) > 10, 'with plumbing, main sits deep');
  // By thread: each thread is a root frame (name-tid), the main thread's and the spawned one's.
  await page.uncheck('#plumbing');
  await page.check('#threads');
  await page.waitForFunction(() => (window as unknown as { flame: G }).flame.graph.names.filter((n) => /-\d+$/.test(n)).length >= 2);
  const threads = await page.evaluate(() => (window as unknown as { flame: G }).flame.graph.names.filter((n) => /-\d+$/.test(n)));
  for (const t of threads) assert.equal(await depth((await frameBox(page, t))!), 1, t);
  const main2 = await frameBox(page, 'hotspots::main');
  assert.equal(await depth(main2!), 2);
  await page.screenshot({ path: path.join(SHOTS, 'by-thread.png') });
  await page.uncheck('#threads');
  await page.waitForFunction(() => !(window as unknown as { flame: G }).flame.graph.names.some((n) => /-\d+$/.test(n)));
});

test('a new profile arrives live, without reloading; diff and history show both', async () => {
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  const second = await send(c.conn, P.ProfileOnce.type, {});
  assert.notEqual(second.id, first.id);
  await page.waitForFunction((id) => document.getElementById('profile-id')?.textContent === id, second.id, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42, 'no reload');

  const plain = await colourCounts(page);
  assert.ok(plain.warm > 10_000 && plain.red + plain.blue === 0, `warm palette without a diff (${JSON.stringify(plain)})`);
  await page.selectOption('#diff-base', 'previous');
  await page.waitForFunction(() => /→/.test(document.getElementById('diff-info')?.textContent ?? ''));
  assert.match((await page.textContent('#diff-info')) ?? '', new RegExp(`${first.id} → ${second.id}`));
  // Diff colours: frames are red, blue or grey, none of the warm palette's oranges remain. The
  // page draws the diff before it writes diff-info. Two profiles of one unchanged build: red and
  // blue only where the daemon calls a change real (test/web-noise.test.ts holds both cases).
  const diff = await send(c.conn, P.Diff.type, { current: second.id, limit: 5000 });
  const real = diff.functions.filter((f) => f.significant).length;
  assert.match((await page.textContent('#diff-info')) ?? '', new RegExp(`beyond noise \\(${real} of ${diff.functions.length} functions\\)`));
  const diffColours = await colourCounts(page);
  assert.equal(diffColours.warm, 0, 'no warm-palette pixels in diff mode');
  if (real === 0) assert.equal(diffColours.red + diffColours.blue, 0, `no change is real, all grey (${JSON.stringify(diffColours)})`);
  await page.screenshot({ path: path.join(SHOTS, 'diff.png') });
  await page.selectOption('#diff-base', '');

  await page.click('button[data-tab=history]');
  await page.waitForSelector(`#history-table tr[data-id="${first.id}"]`);
  assert.equal(await page.locator('#history-table tr[data-id]').count(), 2);
  await page.screenshot({ path: path.join(SHOTS, 'history.png') });
  // Open the older one: the page pins it.
  await page.locator(`#history-table tr[data-id="${first.id}"] button`).first().click();
  await page.waitForFunction((id) => document.getElementById('profile-id')?.textContent === id, first.id);

  await page.click('button[data-tab=functions]');
  await page.waitForSelector('#functions-table tr.row');
  assert.equal(await page.locator('#functions-table tr.row td').first().textContent(), 'hotspots::mix', 'sorted by self: mix first');
  await page.click('#functions-table th[data-sort=name]');
  const names = await page.locator('#functions-table tr.row td:first-child').allTextContents();
  assert.deepEqual(
    names,
    [...names].sort((a, b) => a.localeCompare(b)),
    'sorted by name after a header click',
  );
  await page.screenshot({ path: path.join(SHOTS, 'functions.png') });
});

test('a broken build shows the compiler errors on the page; the last good profile stays', async () => {
  await page.click('button[data-tab=graph]');
  const { sessionId } = await send(c.conn, P.WatchStart.type, {});
  try {
    const lib = path.join(work, 'src', 'lib.rs');
    const src = readFileSync(lib, 'utf8');
    writeFileSync(lib, `${src}\nfn broken() -> u32 { "not a number" }\n`);
    await page.waitForFunction(() => /mismatched types/.test(document.getElementById('errors')?.textContent ?? ''), undefined, { timeout: 90_000 });
    await page.waitForFunction(() => /build failed/.test(document.getElementById('state')?.textContent ?? ''));
    assert.match((await page.textContent('#errors')) ?? '', /last good profile/);
    await page.screenshot({ path: path.join(SHOTS, 'build-error.png') });
    writeFileSync(lib, src);
    await page.waitForFunction(() => (document.getElementById('errors')?.textContent ?? '') === '', undefined, { timeout: 90_000 });
  } finally {
    await send(c.conn, P.WatchStop.type, { sessionId });
  }
});
