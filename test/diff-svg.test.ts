// Differential flame graphs of stored profiles, end to end with real cargo, perf and a daemon:
// the hotspots fixture recorded twice, fib's work raised by its knob; `flame diff --svg` and
// `profile/export` with `base` draw the same graph, the grown frame red, a change flame diff
// calls noise grey; and inferno-diff-folded's output piped into `flame svg` draws one too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as P from '../protocol/methods.js';
import { send } from '../clients/connect.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';
import { CORPUS, runFlame } from './helpers.js';

let d: TestDaemon;

before(async () => {
  d = await startDaemon({ prefix: 'flame-diffsvg', env: { FLAME_FIXTURE_SCALE: '0.5' } });
});
after(async () => {
  await d?.stop();
});

async function flame(args: string[], extra: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  const r = await runFlame(args, { cwd: d.work, env: { ...d.env, ...extra } });
  assert.equal(r.exitCode, 0, `flame ${args.join(' ')}:\n${r.stderr}`);
  return r;
}

interface Frame {
  name: string;
  title: string;
  fill: string;
  /** The change in points, from the tooltip (0 for none). */
  delta: number;
}

/** The frames of a differential SVG; the root's tooltip has no change. */
function frames(svg: string): Frame[] {
  return [...svg.matchAll(/<g><title>([^<]*)<\/title><rect [^>]*fill="([^"]+)"/g)].map((m) => {
    const title = m[1]!;
    const change = /; ([+-]?\d+\.\d\d)%(?:, within noise)?\)$/.exec(title);
    return { name: title.slice(0, title.lastIndexOf(' (')), title, fill: m[2]!, delta: change ? Number(change[1]) : 0 };
  });
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
const red = /^rgb\(255,(\d+),\1\)$/;
const blue = /^rgb\((\d+),\1,255\)$/;

test('flame diff --svg and profile/export with base: the grown function red, changes within noise grey, the same graph both ways', async () => {
  await flame(['record', '-F', '999'], { FLAME_FIXTURE_FIB: '30' });
  await flame(['record', '-F', '999'], { FLAME_FIXTURE_FIB: '36' });
  const diff = JSON.parse((await flame(['diff', '--json', '--limit', '100000', '--svg', 'diff.svg'])).stdout) as P.Diff.Result;
  const significant = new Map(diff.functions.map((f) => [f.name.replace(/;/g, ':'), f.significant]));
  const fib = diff.functions.find((f) => f.name === 'hotspots::fib')!;
  assert.ok(fib.significant && fib.deltaSelfShare > 0.05, JSON.stringify(fib));

  const svg = readFileSync(path.join(d.work, 'diff.svg'), 'utf8');
  assert.match(svg, new RegExp(`<text id="title" x="50%" y="[\\d.]+">${diff.base.id} → ${diff.current.id}</text>`));
  const all = frames(svg);
  const fibs = all.filter((f) => f.name === 'hotspots::fib');
  assert.ok(fibs.length > 0);
  assert.ok(
    fibs.some((f) => red.test(f.fill) && f.delta > 0),
    JSON.stringify(fibs),
  );
  let grey = 0;
  for (const f of all.slice(1)) {
    const real = significant.get(unescape(f.name));
    assert.notEqual(real, undefined, `${f.name} is a row of flame diff`);
    if (f.delta === 0) assert.equal(f.fill, 'rgb(250,250,250)', f.title);
    else if (!real) {
      assert.equal(f.fill, 'rgb(220,220,220)', f.title);
      assert.ok(f.title.endsWith(', within noise)'), f.title);
      grey++;
    } else assert.match(f.fill, f.delta > 0 ? red : blue, f.title);
  }
  assert.ok(grey > 0, 'some change is within noise (and drawn so)');

  // The daemon draws the same from the protocol: the colours are the changes', no random shade.
  const c = await d.client();
  try {
    const r = await send(c.conn, P.Export.type, { format: 'svg', profile: diff.current.id, base: diff.base.id });
    assert.equal(r.base, diff.base.id);
    assert.equal(r.data, svg);
    await assert.rejects(send(c.conn, P.Export.type, { format: 'folded', base: 'previous' }), /'base' must be absent unless format is "svg"/);
    await assert.rejects(send(c.conn, P.Export.type, { format: 'svg', base: 'nosuchprofile' }), /nosuchprofile/);
  } finally {
    c.conn.dispose();
  }
  // And the CLI's export says which is which.
  const e = await flame(['export', '--format', 'svg', '--base', diff.base.id, diff.current.id, '-o', 'e.svg']);
  assert.match(e.stderr, new RegExp(`wrote e.svg \\(differential svg of profile ${diff.base.id} → ${diff.current.id}\\)`));
  assert.equal(readFileSync(path.join(d.work, 'e.svg'), 'utf8'), svg);
  const wrong = await runFlame(['export', '--format', 'pprof', '--base', 'previous', '-o', 'x.pb'], { cwd: d.work, env: d.env });
  assert.equal(wrong.exitCode, 2);
  assert.match(wrong.stderr, /--base draws a differential flame graph: pass it with --format svg/);
});

test('inferno-diff-folded before after | flame svg: exit 0, no warning, a differential graph', async () => {
  // inferno-diff-folded's output for two `flame record --folded` runs of this fixture (fib 30 and
  // 34), as the corpus keeps it, piped into the CLI as a user would.
  const input = readFileSync(path.join(CORPUS, 'inferno', 'flamegraph', 'inputs', 'hotspots-fib30-vs-fib34-diff.txt'));
  const r = await runFlame(['svg'], { input });
  assert.equal(r.exitCode, 0);
  assert.equal(r.stderr, '');
  const all = frames(r.stdout);
  // Every frame has its change, and no name took the first count in (`hotspots::fib 0`).
  for (const f of all.slice(1)) {
    assert.match(f.title, /; (?:[+-]\d+\.\d\d|0\.00)%\)$/, f.title);
    assert.doesNotMatch(f.title, / \d+ \([\d,]+ samples/, f.title);
  }
  assert.ok(
    all.some((f) => f.delta > 0 && red.test(f.fill)),
    'a stack that grew is red',
  );
  assert.ok(
    all.some((f) => f.delta < 0 && blue.test(f.fill)),
    'a stack that shrank is blue',
  );
});
