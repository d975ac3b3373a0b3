// The language server's pure pieces, with data: which paths may be annotated, how shares and
// hints read, how settings are parsed, and how a file's heat is put together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileHeat } from '../clients/lsp/annotations.js';
import { isWorkspaceSource, pct, points } from '../clients/lsp/convert.js';
import type { RowChange, RowNoise } from '../protocol/types.js';
import { hintLabel } from '../clients/lsp/features/inlay-hints.js';
import { DEFAULTS, parseSettings } from '../clients/lsp/settings.js';

test("only the workspace's own sources are annotated", () => {
  const root = '/home/u/app';
  const cases: Array<[string, boolean]> = [
    ['/home/u/app/src/lib.rs', true],
    ['/home/u/app/crates/x/src/main.rs', true],
    ['/home/u/app', false],
    ['/home/u/application/src/lib.rs', false],
    ['/home/u/app/target/release/build/x/out/gen.rs', false],
    ['/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/num/uint_macros.rs', false],
    ['/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/rand-0.8.5/src/lib.rs', false],
    ['/home/u/app/.cargo/vendor/x/src/lib.rs', false],
    ['./libio/./libio/fileops.c', false],
    ['src/lib.rs', false],
  ];
  for (const [file, want] of cases) assert.equal(isWorkspaceSource(root, file), want, file);
});

test('shares read as percentages with one decimal, two below 0.1%', () => {
  assert.deepEqual([0, 0.1234, 1, 0.0005, 0.999].map(pct), ['0.0%', '12.3%', '100.0%', '0.05%', '99.9%']);
});

test('hint labels: self share with its band, total when calls cost more, the previous share only when the change is real', () => {
  type Was = { selfShare: number; totalShare: number; significant: boolean; change?: RowChange };
  const h = (self: number, total: number, was?: Was, noise?: RowNoise) => ({
    line: 1,
    self,
    total,
    selfShare: self / 1000,
    totalShare: total / 1000,
    was,
    noise,
  });
  assert.equal(hintLabel(h(124, 124), 1000), '🔥 12.4%');
  assert.equal(hintLabel(h(124, 126), 1000), '🔥 12.4%', 'two samples more is not worth a total');
  assert.equal(hintLabel(h(0, 850), 1000), '🔥 0.0% self, 85.0% total');
  assert.equal(hintLabel(h(124, 124, { selfShare: 0.031, totalShare: 0.031, significant: true }), 1000), '🔥 12.4% (was 3.1%)');
  // Within noise: shown as such, with the change in points, never as "(was …)".
  assert.equal(hintLabel(h(124, 124, { selfShare: 0.12, totalShare: 0.12, significant: false }), 1000), '🔥 12.4% (Δ +0.4 pt, within noise)');
  assert.equal(hintLabel(h(120, 120, { selfShare: 0.134, totalShare: 0.134, significant: false }), 1000), '🔥 12.0% (Δ −1.4 pt, within noise)');
  assert.equal(hintLabel(h(0, 850, { selfShare: 0, totalShare: 0.5, significant: true }), 1000), '🔥 0.0% self, 85.0% total (was 50.0%)');
  // Each share's own verdict: the row is significant by its total, but this line compares its self share.
  const change = (self: boolean, total: boolean): RowChange => ({
    basis: 'runs',
    self: { low: -0.01, high: 0.02, significant: self },
    total: { low: 0.2, high: 0.4, significant: total },
  });
  assert.equal(
    hintLabel(h(124, 124, { selfShare: 0.12, totalShare: 0.12, significant: true, change: change(false, true) }), 1000),
    '🔥 12.4% (Δ +0.4 pt, within noise)',
  );
  assert.equal(
    hintLabel(h(0, 850, { selfShare: 0, totalShare: 0.5, significant: true, change: change(false, true) }), 1000),
    '🔥 0.0% self, 85.0% total (was 50.0%)',
  );
  // Bands: from the runs unlabelled, from sampling alone labelled so.
  const runs: RowNoise = {
    basis: 'runs',
    self: { low: 0.12, high: 0.128 },
    total: { low: 0.12, high: 0.128 },
    runs: { self: [40, 41, 43], total: [40, 41, 43] },
  };
  assert.equal(hintLabel(h(124, 124, undefined, runs), 1000), '🔥 12.4% ±0.4%');
  assert.equal(hintLabel(h(124, 124, undefined, { ...runs, basis: 'sampling', runs: undefined }), 1000), '🔥 12.4% ±0.4% (sampling)');
  assert.equal(
    hintLabel(h(0, 850, undefined, { basis: 'runs', self: { low: 0, high: 0.002 }, total: { low: 0.84, high: 0.86 } }), 1000),
    '🔥 0.0% ±0.1% self, 85.0% ±1.0% total',
  );
});

test('points read as signed changes; a change that rounds to nothing has no minus', () => {
  assert.deepEqual([0.004, -0.014, 0, -0.0001, 0.5].map(points), ['+0.4 pt', '−1.4 pt', '+0.0 pt', '+0.0 pt', '+50.0 pt']);
});

test('settings: the section or an object holding it; malformed values fall back; percentages accepted', () => {
  assert.deepEqual(parseSettings(undefined), DEFAULTS);
  assert.deepEqual(parseSettings('nonsense'), DEFAULTS);
  const s = parseSettings({
    flame: { hints: { minShare: 5, enabled: 'yes' }, diagnostics: { severity: 'hint', minShare: -1 }, target: { bin: 'server' }, programArgs: ['--fast', 3] },
  });
  assert.equal(s.hints.minShare, 0.05);
  assert.equal(s.hints.enabled, true);
  assert.equal(s.diagnostics.severity, 'hint');
  assert.equal(s.diagnostics.minShare, DEFAULTS.diagnostics.minShare);
  assert.deepEqual(s.target, { bin: 'server' });
  assert.deepEqual(s.programArgs, ['--fast']);
  assert.equal(parseSettings({ lenses: { targets: false } }).lenses.targets, false);
});

test("a file's heat keeps its own lines and functions, with the diff's base shares", () => {
  const file = '/ws/src/lib.rs';
  const heat = fileHeat({
    profile: 'p2',
    samples: 200,
    file,
    lines: [
      { file, line: 12, self: 100, total: 100 },
      { file, line: 0, self: 3, total: 3 },
      { file: '/rustc/x/core.rs', line: 5, self: 40, total: 40 },
    ],
    functions: [
      { name: 'a::cold', self: 1, total: 1, file, line: 30 },
      { name: 'a::hot', self: 100, total: 120, file, line: 9 },
      { name: 'core::x', self: 40, total: 40, file: '/rustc/x/core.rs', line: 2 },
    ],
    diff: {
      base: { id: 'p1', samples: 100 },
      current: { id: 'p2', samples: 200 },
      functions: [
        {
          name: 'a::hot',
          base: { self: 10, total: 12, selfShare: 0.1, totalShare: 0.12 },
          current: { self: 100, total: 120, selfShare: 0.5, totalShare: 0.6 },
          deltaSelfShare: 0.4,
          deltaTotalShare: 0.48,
          significant: true,
          change: { basis: 'sampling', self: { low: 0.3, high: 0.5, significant: true }, total: { low: 0.38, high: 0.58, significant: true } },
        },
      ],
      lines: [
        {
          file,
          line: 12,
          base: { self: 10, total: 10, selfShare: 0.1, totalShare: 0.1 },
          current: { self: 100, total: 100, selfShare: 0.5, totalShare: 0.5 },
          deltaSelfShare: 0.4,
          deltaTotalShare: 0.4,
          significant: true,
          change: { basis: 'sampling', self: { low: 0.3, high: 0.5, significant: true }, total: { low: 0.3, high: 0.5, significant: true } },
        },
      ],
    },
  });
  assert.deepEqual([...heat.lines.keys()], [12]);
  assert.deepEqual(heat.lines.get(12), {
    line: 12,
    self: 100,
    total: 100,
    selfShare: 0.5,
    totalShare: 0.5,
    was: {
      selfShare: 0.1,
      totalShare: 0.1,
      significant: true,
      change: { basis: 'sampling', self: { low: 0.3, high: 0.5, significant: true }, total: { low: 0.3, high: 0.5, significant: true } },
    },
  });
  assert.deepEqual(
    heat.functions.map((f) => [f.name, f.line, f.was?.selfShare]),
    [
      ['a::hot', 9, 0.1],
      ['a::cold', 30, undefined],
    ],
  );
});
