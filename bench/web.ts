// Web page benchmark: a generated profile whose call tree has about 200,000 nodes, served by a
// real daemon to headless Chromium: time to first paint, the tree answer's size, and the
// canvas render time per frame while zooming (goal: under 16 ms).
//
// Standalone: `node dist/bench/web.js` (FLAME_BENCH_WEB_RUNS sets the runs, default 3). As a
// library: benchWeb({ runs }) returns rows of cells.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { type Connection, send } from '../clients/connect.js';
import { startDaemon, type TestDaemon } from '../test/daemon-fixture.js';
import { median, quantile } from './stats.js';
import * as P from '../protocol/methods.js';
import { ProfileStore } from '../engine/store/store.js';
import { buildProfile, generateCounts, generateShape } from './daemon.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET_NODES = 200_000;
const ZOOM_STEPS = 12;

// Page-side code runs in Chromium; this file's lib has no DOM types.
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const q = (xs: number[], p: number) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    p,
  );
const ms = (x: number) => `${x.toFixed(2)} ms`;

function countNodes(t: P.TreeNode): number {
  let n = 1;
  for (const c of t.children) n += countNodes(c);
  return n;
}

/** Zoom down the widest path and back out, animating; returns every frame's render time. */
async function zoomFrames(page: Page): Promise<number[]> {
  return page.evaluate(async (steps: number) => {
    const g = window.flame.graph;
    g.frameTimes.length = 0;
    const settle = () => new Promise((r) => setTimeout(r, 250));
    let node = 0;
    const path: number[] = [];
    for (let s = 0; s < steps; s++) {
      // The widest child of node (children follow their parent in pre-order; end[] skips subtrees).
      let best = -1;
      let bestTotal = -1;
      for (let c = node + 1; c < g.end[node]; c = g.end[c]) if (g.total[c] > bestTotal) ((best = c), (bestTotal = g.total[c]));
      if (best < 0) break;
      node = best;
      path.push(node);
      g.zoomTo(node);
      await settle();
    }
    for (const n of [...path].reverse().slice(1)) {
      g.zoomTo(n);
      await settle();
    }
    g.zoomTo(0);
    await settle();
    return [...g.frameTimes];
  }, ZOOM_STEPS);
}

export async function benchWeb(opts: { runs: number }): Promise<string[][]> {
  const runs = Math.max(1, Math.floor(opts.runs));
  const rows: string[][] = [];
  const work = mkdtempSync(path.join(os.tmpdir(), 'flame-bench-web-ws-'));
  let daemon: TestDaemon | undefined;
  let c: Connection | undefined;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    cpSync(path.join(REPO, 'examples', 'wordfreq'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
    const store = await ProfileStore.open(path.join(work, 'target', 'flame', 'profiles'));
    const shape = generateShape(42);
    await store.add({ target: { kind: 'command', name: 'web bench', command: ['generated'] } }, buildProfile(shape, generateCounts(shape.fns.length, 0)));
    daemon = await startDaemon({ prefix: 'flame-bench-web', workspace: work });
    c = await daemon.client('bench-web');

    // Pick the minShare whose tree has about TARGET_NODES nodes (the page's default prunes more).
    let minShare = 0;
    let nodes = 0;
    let bytes = 0;
    let treeMs = 0;
    for (const candidate of [1e-5, 1.25e-5, 1.5e-5, 1.75e-5, 2e-5, 3e-5]) {
      const t = performance.now();
      const tree = await send(c.conn, P.Tree.type, { minShare: candidate });
      treeMs = performance.now() - t;
      nodes = countNodes(tree.root);
      bytes = Buffer.byteLength(JSON.stringify(tree));
      minShare = candidate;
      if (nodes <= TARGET_NODES * 1.2) break;
    }
    const defaultTree = await send(c.conn, P.Tree.type, { minShare: 0.00002 });
    rows.push([
      `setup: generated profile (1,000,000 samples, 200,000 unique stacks); tree at minShare ${minShare}`,
      `${nodes.toLocaleString('en')} nodes`,
      `answer ${(bytes / 2 ** 20).toFixed(1)} MiB`,
      `profile/tree ${ms(treeMs)} (node client)`,
      `page default minShare 0.00002: ${countNodes(defaultTree.root).toLocaleString('en')} nodes`,
    ]);

    const { url } = await send(c.conn, P.WebUrl.type, {});
    const paints: number[] = [];
    const fetches: number[] = [];
    const layouts: number[] = [];
    const frames: number[] = [];
    const rootDraws: number[] = [];
    for (let r = 0; r < runs; r++) {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const t0 = performance.now();
      await page.goto(`${url}#minShare=${minShare}`);
      await page.waitForFunction(() => window.flame?.graph?.nodeCount > 0 && window.flame.graph.frameTimes.length > 0, undefined, { timeout: 120_000 });
      paints.push(performance.now() - t0);
      const t = await page.evaluate(() => window.flame.timings[0] as { fetchMs: number; layoutAndDrawMs: number });
      fetches.push(t.fetchMs);
      layouts.push(t.layoutAndDrawMs);
      const count = await page.evaluate(() => window.flame.graph.nodeCount as number);
      if (Math.abs(count - nodes) > 1) throw new Error(`the page holds ${count} nodes, the tree ${nodes}`);
      // A full redraw of the unzoomed graph, a few times.
      rootDraws.push(...(await page.evaluate(() => Array.from({ length: 20 }, () => window.flame.graph.draw() as number))));
      frames.push(...(await zoomFrames(page)));
      await page.close();
    }
    rows.push([
      `time to first paint (navigation → tree fetched, flattened, drawn; ${nodes.toLocaleString('en')} nodes), median of ${runs}`,
      ms(median(paints)),
      `min ${ms(Math.min(...paints))}`,
      `max ${ms(Math.max(...paints))}`,
      `of which profile/tree over the WebSocket (daemon + transfer + JSON.parse) ${ms(median(fetches))}, flatten + first draw ${ms(median(layouts))}`,
    ]);
    rows.push([
      `render, unzoomed full redraw (${rootDraws.length} draws)`,
      `median ${ms(median(rootDraws))}`,
      `p95 ${ms(q(rootDraws, 0.95))}`,
      `max ${ms(Math.max(...rootDraws))}`,
    ]);
    rows.push([
      `render per frame while zooming (${frames.length} animation frames)`,
      `median ${ms(median(frames))}`,
      `p95 ${ms(q(frames, 0.95))}`,
      `max ${ms(Math.max(...frames))}`,
      `goal < 16 ms: ${median(frames) < 16 ? 'met' : 'missed'}`,
    ]);
  } finally {
    await browser.close();
    c?.close();
    await daemon?.stop();
    rmSync(work, { recursive: true, force: true });
    if (daemon) rmSync(daemon.runtime, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = await benchWeb({ runs: Number(process.env.FLAME_BENCH_WEB_RUNS ?? 3) });
  for (const r of rows) console.log(r.join(' | '));
}
