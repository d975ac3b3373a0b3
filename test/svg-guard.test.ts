// A size guard on the flame graphs flame draws of its own profiles: a 951k-frame stack made a
// 194 MB SVG. `flame record` says what it would have been and what to do instead, and writes none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { framesToDraw, svgTooBig, DEFAULT_SVG_MAX_FRAMES } from '../engine/render/svg-guard.js';
import { mergeStacks } from '../engine/render/svg.js';
import { hotspotsCopy, perfRecordTo, runFlame, scratch } from './helpers.js';

test('a 951k-frame stack is over the limit, with its size and the fix in the message; an ordinary profile is not', () => {
  const deep = Array.from({ length: 951_000 }, (_, i) => `f${i % 7}`).join(';');
  const tree = mergeStacks([[deep, 3], ['main;work', 5]]);
  assert.deepEqual(framesToDraw(tree, {}), { frames: 951_003, depth: 951_000 });
  const why = svgTooBig(tree, {});
  assert.ok(why !== undefined);
  assert.match(why, /951003 frames, up to 951000 deep \(about 195 MB of SVG\)/);
  assert.match(why, /flame web/);
  assert.match(why, /FLAME_SVG_MAX_FRAMES=951003/);
  assert.equal(svgTooBig(mergeStacks([['main;work', 5], ['main;idle', 2]]), {}), undefined);
  // min-width leaves frames out of the drawing, and so out of the count.
  const wide = mergeStacks([...Array.from({ length: 1000 }, (_, i) => [`main;leaf${i}`, 1] as [string, number]), ['main;hot', 1_000_000]]);
  assert.equal(framesToDraw(wide, { minWidth: 1 }).frames, 3);
  assert.equal(framesToDraw(wide, { minWidth: 0 }).frames, 1003);
  assert.ok(DEFAULT_SVG_MAX_FRAMES >= 100_000);
});

test('flame record over the limit writes no SVG and says why; under it writes one', { timeout: 300_000 }, async () => {
  const dir = scratch('flame-svg-guard-');
  const data = path.join(dir, 'perf.data');
  await perfRecordTo(data, [hotspotsCopy(dir)], { ...process.env, FLAME_FIXTURE_SCALE: '0.1' });
  const env = { ...process.env, FLAME_CACHE_DIR: path.join(dir, 'cache') };
  const small = path.join(dir, 'small.svg');
  const r = await runFlame(['record', '--perf-data', data, '-o', small, '--json'], { cwd: dir, env: { ...env, FLAME_SVG_MAX_FRAMES: '5' } });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(!existsSync(small), 'an SVG over the limit was written');
  assert.match(r.stderr, /past the limit of 5 .*no SVG was written/);
  assert.equal((JSON.parse(r.stdout) as { svg: unknown }).svg, null);
  const ok = path.join(dir, 'ok.svg');
  const o = await runFlame(['record', '--perf-data', data, '-o', ok], { cwd: dir, env });
  assert.equal(o.exitCode, 0, o.stderr);
  assert.ok(existsSync(ok));
});
