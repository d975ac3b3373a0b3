// A size guard on the flame graphs flame draws of its own profiles: a 951k-frame stack made a
// 194 MB SVG. `flame record` says what it would have been and what to do instead, and writes none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SVG_MAX_FRAMES, renderGuarded, svgMaxFrames } from '../engine/render/svg-guard.js';
import { renderSvg } from '../engine/render/native.js';
import { hotspotsCopy, perfRecordTo, runFlame, scratch } from './helpers.js';

test('a 951k-frame stack is over the limit, with its size and the fix in the message; an ordinary profile is not', async () => {
  const deep = Array.from({ length: 951_000 }, (_, i) => `f${i % 7}`).join(';');
  const r = await renderGuarded(
    [
      [deep, 3],
      ['main;work', 5],
    ],
    {},
  );
  assert.ok('tooBig' in r);
  assert.match(r.tooBig, /951003 frames, up to 951000 deep \(about 195 MB of SVG\)/);
  assert.match(r.tooBig, /past the limit of 200000/);
  assert.match(r.tooBig, /flame web/);
  assert.match(r.tooBig, /FLAME_SVG_MAX_FRAMES=951003/);
  const ok = await renderGuarded(
    [
      ['main;work', 5],
      ['main;idle', 2],
    ],
    {},
  );
  assert.ok('svg' in ok && ok.svg.toString().startsWith('<?xml'));
  // min-width leaves frames out of the drawing, and so out of the count.
  const wide: Array<[string, number]> = [...Array.from({ length: 1000 }, (_, i) => [`main;leaf${i}`, 1] as [string, number]), ['main;hot', 1_000_000]];
  assert.ok('svg' in (await renderGuarded(wide, { minWidth: 1 }, { maxFrames: 3 })));
  assert.deepEqual(await renderSvg(wide, { minWidth: 0 }, { maxFrames: 3 }), { tooBig: { frames: 1003, depth: 2 } });
  assert.ok(DEFAULT_SVG_MAX_FRAMES >= 100_000);
  assert.equal(svgMaxFrames(), DEFAULT_SVG_MAX_FRAMES);
});

test('the bridge passes every option, keeps a flame chart in input order, and draws an empty profile as flame svg does', async () => {
  const r = await renderSvg(
    [
      ['b;x', 1],
      ['a', 1],
      ['b;x', 1],
    ],
    {
      flamechart: true,
      deterministic: true,
      title: '-t <x>',
      subtitle: 's',
      notes: 'n',
      countName: 'ms',
      nameType: 'Fn:',
      imageWidth: 800,
      fontSize: 10,
      fontWidth: 0.5,
      fontType: 'serif',
      frameHeight: 20,
      minWidth: 0,
      palette: 'rust',
      inverted: true,
      searchColor: '#123456',
    },
  );
  assert.ok('svg' in r);
  const svg = r.svg.toString();
  assert.match(svg, /<text id="title" x="50%" y="20.00">-t &lt;x&gt;<\/text>/);
  assert.match(svg, /width="800"/);
  assert.match(svg, /"nametype":"Fn:","fontsize":10,"fontwidth":0.5,"inverted":true,"searchcolor":"#123456"/);
  assert.match(svg, /font-family:serif/);
  assert.match(svg, /height="19" fill=/);
  assert.match(svg, /\(1 ms, /);
  // A flame chart: b, a, b again, not merged into one b.
  assert.equal([...svg.matchAll(/<title>b \(/g)].length, 2);
  // A line break in a name would split its line: it is drawn as a space.
  const nl = await renderSvg([['main;odd\nname', 2]], { deterministic: true });
  assert.ok('svg' in nl && nl.svg.toString().includes('<title>odd name (2 samples'));
  // A NUL (it would end an argument) is drawn as U+FFFD, as XML's other forbidden characters.
  const nul = await renderSvg([['a', 1]], { title: 'x\0y\u0001z' });
  assert.ok('svg' in nul && nul.svg.toString().includes('>x\uFFFDy\uFFFDz</text>'));
  const empty = await renderSvg([], {});
  assert.ok('svg' in empty && /No stack counts found/.test(empty.svg.toString()));
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
