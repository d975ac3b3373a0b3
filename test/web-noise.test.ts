// The web page's bands and diff colours against real profiles of several runs: a real daemon on
// a copy of the hotspots fixture, real cargo and perf, Debian's Chromium. Two profiles of one
// unchanged build, three runs each, diff all grey; after a real change of the work the frames
// of the functions the daemon calls changed are red (grew) or blue (shrank), the rest grey; the
// tooltip gives a frame's function's shares with their bands and its change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type Connection, send } from '../clients/connect.js';
import * as P from '../protocol/methods.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';
import { REPO, runFlame } from './helpers.js';
import { colourCounts, frameBox, frameColour, launchChromium } from './web-harness.js';

// Page-side callbacks run in Chromium; the tests' own lib has no DOM types.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;

const RUNS = 3;
const SHOTS = path.join(REPO, 'test-output', 'web');
let d: TestDaemon;
let c: Connection;
let browser: Browser;
let page: Page;
const ids: string[] = [];

const pctOf = (x: number) => `${(x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 1)}%`;
const half = (r: { low: number; high: number }) => `±${pctOf((r.high - r.low) / 2)}`;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  d = await startDaemon({ prefix: 'flame-web-noise', env: { FLAME_FIXTURE_SCALE: '0.3' } });
  c = await d.client('web-noise-test');
  for (let i = 0; i < 2; i++) ids.push((await send(c.conn, P.ProfileOnce.type, { record: { runs: RUNS } })).id);
  const r = await runFlame(['web', '--json'], { cwd: d.work, env: d.env });
  assert.equal(r.exitCode, 0, r.stderr);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(30_000);
  await page.goto((JSON.parse(r.stdout) as P.WebUrl.Result).url);
  await page.waitForFunction((id) => document.getElementById('profile-id')?.textContent === id, ids[1]);
});

after(async () => {
  await browser?.close();
  c?.close();
  await d?.stop();
});

/** Wait until the page shows the diff from `base` to `current`. */
async function diffShown(base: string, current: string): Promise<void> {
  await page.waitForFunction(([b, cur]) => (document.getElementById('diff-info')?.textContent ?? '').startsWith(`${b} → ${cur}:`), [base, current], {
    timeout: 60_000,
  });
  // No frame under the mouse: a hovered frame has its own colour.
  await page.mouse.move(0, 0);
}

/** Hover the widest frame of `name` and return the tooltip's text. */
async function tooltipOf(name: string): Promise<string> {
  const box = await frameBox(page, name);
  assert.ok(box, `${name} is drawn`);
  const cv = await page.locator('#flame').boundingBox();
  await page.mouse.move(cv!.x + box.x + box.w / 2, cv!.y + box.y + box.h / 2);
  await page.waitForFunction(
    (n) => document.getElementById('tooltip')?.style.display === 'block' && document.getElementById('tooltip').textContent.startsWith(n),
    name,
  );
  const text = (await page.textContent('#tooltip')) ?? '';
  await page.screenshot({ path: path.join(SHOTS, `noise-tooltip-${name.replace(/\W+/g, '_')}.png`) });
  await page.mouse.move(0, 0);
  return text;
}

test('an unchanged build, three runs a profile: the diff paints every frame grey; the tooltip gives the bands', async () => {
  await page.selectOption('#diff-base', 'previous');
  await diffShown(ids[0]!, ids[1]!);
  const diff = await send(c.conn, P.Diff.type, { current: ids[1], limit: 5000 });
  const real = diff.functions.filter((f) => f.significant);
  assert.deepEqual(
    real.map((f) => f.name),
    [],
    'no function of an unchanged build changed for real',
  );
  assert.match((await page.textContent('#diff-info')) ?? '', new RegExp(`beyond noise \\(0 of ${diff.functions.length} functions\\); grey within noise`));
  const colours = await colourCounts(page);
  await page.screenshot({ path: path.join(SHOTS, 'noise-diff-unchanged.png') });
  assert.deepEqual([colours.warm, colours.red, colours.blue], [0, 0, 0], `all grey (${JSON.stringify(colours)})`);
  // Changes of a few points there are (noise), and they are grey, not the deepest colour.
  for (const name of ['hotspots::hash_chain', 'hotspots::count_primes']) assert.equal(await frameColour(page, (await frameBox(page, name))!), 'grey', name);

  const top = await send(c.conn, P.Top.type, { profile: ids[1], sortBy: 'total', limit: 100 });
  const mix = top.functions.find((f) => f.name === 'hotspots::hash_chain')!;
  assert.equal(mix.noise?.basis, 'runs');
  const text = await tooltipOf('hotspots::hash_chain');
  assert.ok(
    text.includes(
      `all its frames: self ${pctOf(mix.self / top.samples)} ${half(mix.noise!.self)}, total ${pctOf(mix.total / top.samples)} ${half(mix.noise!.total)} (± at 95%, from ${RUNS} runs)`,
    ),
    text,
  );
  const row = diff.functions.find((f) => f.name === 'hotspots::hash_chain')!;
  assert.ok(text.includes(`against ${ids[0]}: total ${pctOf(row.base.totalShare)} → ${pctOf(row.current.totalShare)}: `), text);
  assert.match(text, /\(95%: [+−]\d+\.\d pt … [+−]\d+\.\d pt\), within noise/);
});

test('a real change of the work: the changed functions red or blue by the daemon, the rest grey', async () => {
  // Less hashing, more prime counting: count_primes grows, hash_chain shrinks.
  const main = path.join(d.work, 'src', 'main.rs');
  writeFileSync(main, readFileSync(main, 'utf8').replace('150_000_000.0 * s', '10_000_000.0 * s').replace('400_000.0 * s', '1_500_000.0 * s'));
  ids.push((await send(c.conn, P.ProfileOnce.type, { record: { runs: RUNS } })).id);
  // The page follows the latest and keeps diffing against the previous profile.
  await page.waitForFunction((id) => document.getElementById('profile-id')?.textContent === id, ids[2]);
  await diffShown(ids[1]!, ids[2]!);
  const diff = await send(c.conn, P.Diff.type, { current: ids[2], limit: 5000 });
  const row = (name: string) => diff.functions.find((f) => f.name === name)!;
  assert.ok(
    row('hotspots::count_primes').change.total.significant && row('hotspots::count_primes').deltaTotalShare > 0,
    JSON.stringify(row('hotspots::count_primes')),
  );
  assert.ok(
    row('hotspots::hash_chain').change.total.significant && row('hotspots::hash_chain').deltaTotalShare < 0,
    JSON.stringify(row('hotspots::hash_chain')),
  );
  assert.equal(await frameColour(page, (await frameBox(page, 'hotspots::count_primes'))!), 'red');
  assert.equal(await frameColour(page, (await frameBox(page, 'hotspots::hash_chain'))!), 'blue');
  // Every other frame wide enough to read: coloured exactly when the daemon calls its change real.
  let greys = 0;
  for (const f of diff.functions) {
    const box = await frameBox(page, f.name);
    if (!box || box.w < 3) continue;
    const want = f.significant ? ((f.change.total.significant ? f.deltaTotalShare : f.deltaSelfShare) > 0 ? 'red' : 'blue') : 'grey';
    assert.equal(await frameColour(page, box), want, `${f.name}: ${JSON.stringify(f.change)}`);
    if (want === 'grey') greys++;
  }
  assert.ok(greys > 0, 'some drawn function did not change for real');
  await page.screenshot({ path: path.join(SHOTS, 'noise-diff-changed.png') });
  const text = await tooltipOf('hotspots::count_primes');
  assert.match(text, /\(95%: \+\d+\.\d pt … \+\d+\.\d pt\), beyond noise/);
});
