// flame svg's graph in a real browser (Debian's Chromium through playwright-core), opened from a
// file as a user opens it: it fills the window's width unless --image-width says otherwise, and it
// keeps its view in the URL as inferno's does (?s= search, ?x=&y= the zoomed frame), so that a
// reload or a shared link shows the same view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { FLAME_SH, runCmd, scratch } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;

let dir: string;
let browser: Browser;

before(async () => {
  dir = scratch('flame-svg-browser-');
  writeFileSync(path.join(dir, 'in.folded'), 'main;parse;lex 40\nmain;parse 10\nmain;eval;add 30\nmain;eval 15\nother;x 5\n');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'], timeout: 30_000 });
});

after(async () => {
  await browser?.close();
});

async function draw(name: string, args: string[]): Promise<string> {
  const r = await runCmd(FLAME_SH, ['svg', '--deterministic', ...args, path.join(dir, 'in.folded')]);
  assert.equal(r.exitCode, 0, r.stderr);
  const file = path.join(dir, `${name}.svg`);
  writeFileSync(file, r.stdout);
  return pathToFileURL(file).href;
}

test('the graph fills the window unless --image-width is given', async () => {
  const page = await browser.newPage({ viewport: { width: 1600, height: 600 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(await draw('fluid', []));
  const fluid = await page.evaluate(() => ({
    svg: Number(document.documentElement.getAttribute('width')),
    frames: Number(document.getElementById('frames').getAttribute('width')),
    search: Number(document.getElementById('search').getAttribute('x')),
  }));
  assert.deepEqual(fluid, { svg: 1600, frames: 1580, search: 1590 });
  await page.setViewportSize({ width: 900, height: 600 });
  await page.waitForFunction(() => Number(document.documentElement.getAttribute('width')) === 900);
  await page.goto(await draw('fixed', ['--image-width', '800']));
  assert.equal(await page.evaluate(() => Number(document.documentElement.getAttribute('width'))), 800);
  assert.deepEqual(errors, []);
  await page.close();
});

test('search and zoom are kept in the URL and come back on reload', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 600 } });
  const url = await draw('state', []);
  await page.goto(`${url}?s=${encodeURIComponent('^(lex|add)$')}`);
  assert.match(await page.evaluate(() => document.getElementById('matched').textContent), /^Matched: 70\.00% \(2 frames\)/);
  // Zoom into eval: the URL gets its fg:x and y.
  const evalFrame = page.locator('#frames > g', { hasText: 'eval' }).first();
  await evalFrame.click();
  const zoomed = new URL(page.url());
  assert.equal(zoomed.searchParams.get('s'), '^(lex|add)$');
  const want = await evalFrame.evaluate((g: any) => ({ x: g.querySelector('rect').getAttribute('fg:x'), y: g.querySelector('rect').getAttribute('y') }));
  assert.deepEqual({ x: zoomed.searchParams.get('x'), y: zoomed.searchParams.get('y') }, want);
  await page.reload();
  const state = await page.evaluate(() => ({
    unzoomShown: !document.getElementById('unzoom').classList.contains('hide'),
    hidden: [...document.querySelectorAll('#frames > g.hide')].map((g: any) => g.querySelector('title').textContent.split(' (')[0]).sort(),
    matched: document.getElementById('matched').textContent,
  }));
  assert.equal(state.unzoomShown, true, 'the reload is zoomed');
  assert.deepEqual(state.hidden, ['lex', 'other', 'parse', 'x'], 'only eval, its callees and callers are shown');
  assert.match(state.matched, /^Matched:/);
  // Reset Zoom and Reset Search take their parameters out again.
  await page.click('#unzoom');
  await page.click('#search');
  const reset = new URL(page.url());
  assert.deepEqual([...reset.searchParams.keys()], []);
  await page.close();
});
