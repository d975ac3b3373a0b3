// The golden flame graphs (test/golden): every case of cases.json drawn by flame-native equals,
// byte for byte, the SVG that was reviewed and committed. An oracle independent of the code:
// they were made by the renderer flame had before native/ became the only one (README there).
// And the differential graphs of test/corpus/inferno/flamegraph, drawn by the real
// inferno-flamegraph from two-count input: every frame's tooltip, colour and size the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PALETTES } from '../protocol/types.js';
import { native, warningsOf } from './corpus.js';
import { CORPUS, REPO } from './helpers.js';

const GOLDEN = path.join(REPO, 'test', 'golden');

interface Case {
  name: string;
  /** Paths from the repository's root, read as one stream. */
  inputs: string[];
  args: string[];
}

const cases = JSON.parse(fs.readFileSync(path.join(GOLDEN, 'cases.json'), 'utf8')) as Case[];

test('the golden cases cover every palette, both deterministic colourings, the layouts and the options', () => {
  const flags = new Set(cases.flatMap((c) => c.args.filter((a) => a.startsWith('-'))));
  for (const f of [
    '--deterministic',
    '--hash',
    '--inverted',
    '-i',
    '--reverse',
    '--flamechart',
    '--min-width',
    '--title',
    '--subtitle',
    '--notes',
    '--nametype',
    '--countname',
    '--image-width',
    '--width',
    '--font-size',
    '--fontsize',
    '--font-width',
    '--font-type',
    '--frame-height',
    '--height',
    '--colors',
    '--minwidth',
  ]) {
    assert.ok(flags.has(f), `no golden case uses ${f}`);
  }
  const palettes = new Set(cases.flatMap((c) => c.args.flatMap((a, i) => (a === '--palette' || a === '--colors' ? [c.args[i + 1]] : []))));
  for (const p of PALETTES) assert.ok(palettes.has(p), `no golden case draws palette ${p}`);
  // Random colours cannot be held byte for byte: every case picks deterministic ones (or has no frames).
  for (const c of cases) assert.ok(c.args.includes('--deterministic') || c.args.includes('--hash') || c.name.startsWith('empty'), c.name);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'names are unique');
});

for (const c of cases) {
  test(`golden ${c.name}: flame svg ${c.args.join(' ')}`, () => {
    const r = native(['svg', ...c.args, ...c.inputs.map((i) => path.join(REPO, i))]);
    const file = path.join(GOLDEN, 'svg', `${c.name}.svg`);
    assert.equal(r.code, c.name.startsWith('empty') ? 1 : 0, r.stderr);
    if (process.env.FLAME_UPDATE_GOLDEN) fs.writeFileSync(file, r.stdout);
    const want = fs.readFileSync(file);
    if (!r.stdout.equals(want)) {
      // Name the first difference: a whole SVG in an assertion message is unreadable.
      const got = r.stdout.toString();
      const exp = want.toString();
      let i = 0;
      while (i < got.length && got[i] === exp[i]) i++;
      assert.fail(
        `${c.name}: differs from ${path.relative(REPO, file)} at byte ${i}: got ${JSON.stringify(got.slice(Math.max(0, i - 40), i + 60))}, want ${JSON.stringify(exp.slice(Math.max(0, i - 40), i + 60))}`,
      );
    }
  });
}

// ---- inferno's differential graphs --------------------------------------------------------------
// Each frame as `<g><title>…</title><rect …/>` without its x and fg:x: flame lays a frame's own
// samples out after its callees' and inferno before them (flame's goldens above hold that
// order), so only where a frame starts differs; its tooltip, depth, width, fill and fg:w are
// compared byte for byte, as a multiset over the whole graph.
const INFERNO_SVG = path.join(CORPUS, 'inferno', 'flamegraph');

interface DiffCase {
  name: string;
  /** A file of inputs/, two-count lines (inferno-diff-folded's output). */
  input: string;
  /** inferno-flamegraph's flags, which flame svg takes as they are. */
  args: string[];
}

function framesOf(svg: string): string[] {
  return [...svg.matchAll(/<g><title>[^<]*<\/title><rect [^>]*\/>/g)].map((m) => m[0].replace(/ x="[^"]*"/, '').replace(/ fg:x="[^"]*"/, '')).sort();
}

const diffCases = JSON.parse(fs.readFileSync(path.join(INFERNO_SVG, 'cases.json'), 'utf8')) as DiffCase[];

test('the differential cases cover --negate, --reverse, --flamechart, --inverted and --minwidth', () => {
  const flags = new Set(diffCases.flatMap((c) => c.args));
  for (const f of ['--negate', '--reverse', '--flamechart', '--inverted', '--minwidth']) assert.ok(flags.has(f), `no differential case uses ${f}`);
});

for (const c of diffCases) {
  test(`inferno's differential graph ${c.name}: flame svg ${c.args.join(' ')} draws the same frames`, () => {
    const r = native(['svg', ...c.args, path.join(INFERNO_SVG, 'inputs', c.input)]);
    assert.equal(r.code, 0, r.stderr);
    // Only the fractional counts of odd-diff are worth a word, as inferno says too.
    assert.deepEqual(warningsOf(r.stderr), c.name === 'odd-diff' ? ['fractional counts were truncated to whole numbers'] : []);
    const got = framesOf(r.stdout.toString());
    const want = framesOf(fs.readFileSync(path.join(INFERNO_SVG, 'results', `${c.name}.svg`), 'utf8'));
    assert.ok(want.length > 5, `${c.name}: inferno's SVG has its frames`);
    assert.ok(got.some((f) => /; [+-]\d/.test(f)) && got.some((f) => /fill="rgb\(255,/.test(f) || /,255\)"/.test(f)), `${c.name}: a differential graph`);
    const missing = want.filter((f) => !got.includes(f));
    const extra = got.filter((f) => !want.includes(f));
    assert.deepEqual({ missing: missing.slice(0, 3), extra: extra.slice(0, 3), count: got.length }, { missing: [], extra: [], count: want.length }, c.name);
  });
}
