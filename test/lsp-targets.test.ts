// Which target a lens profiles, found by text scanning (clients/lsp/targets.ts): data cases for
// each kind of file, then the spec of the integration test's lens run for real by the daemon.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crateOf, runnables, type Crate } from '../clients/lsp/targets.js';
import * as P from '../protocol/methods.js';
import { FIXTURES } from './helpers.js';
import { daemonClient, startWorkspace, type Workspace } from './lsp-harness.js';
import { send } from '../clients/connect.js';

const DIR = '/ws/app';
const crate: Crate = { manifestPath: `${DIR}/Cargo.toml`, dir: DIR, name: 'my-app' };
const base = { manifestPath: `${DIR}/Cargo.toml`, cwd: DIR };

const cases: Array<[string, string, Array<{ line: number; label: string; target: object; programArgs?: string[] }>]> = [
  ['src/main.rs', 'use x;\n\nfn main() {\n}\n', [{ line: 2, label: 'bin my-app', target: { ...base, bin: 'my-app' } }]],
  ['src/bin/tool.rs', 'fn main() {}', [{ line: 0, label: 'bin tool', target: { ...base, bin: 'tool' } }]],
  ['examples/spin.rs', '//! x\nfn main() {}', [{ line: 1, label: 'example spin', target: { ...base, example: 'spin' } }]],
  ['benches/crunch.rs', 'fn main() {}', [{ line: 0, label: 'bench crunch', target: { ...base, bench: 'crunch' } }]],
  [
    'tests/hot.rs',
    '#[test]\nfn hot_primes() {}\n\nfn helper() {}',
    [{ line: 1, label: 'test hot_primes', target: { ...base, test: 'hot' }, programArgs: ['hot_primes'] }],
  ],
  [
    'src/lib.rs',
    'pub fn main() {}\n#[cfg(test)]\nmod tests {\n    #[test]\n    #[should_panic]\n    fn boom() {}\n    #[bench]\n    fn b(b: &mut Bencher) {}\n}',
    [
      { line: 5, label: 'test boom', target: { ...base, unitTest: 'my_app', unitTestKind: 'lib' }, programArgs: ['boom'] },
      { line: 7, label: 'bench b', target: { ...base, unitBench: 'my_app', unitTestKind: 'lib' }, programArgs: ['b'] },
    ],
  ],
  [
    'src/main.rs',
    '#[tokio::test]\nasync fn t() {}',
    [{ line: 1, label: 'test t', target: { ...base, unitTest: 'my-app', unitTestKind: 'bin' }, programArgs: ['t'] }],
  ],
  ['src/util.rs', 'fn main() {}\nfn other() {}', []],
];

for (const [file, text, want] of cases) {
  test(`targets: ${file}: ${want.map((w) => w.label).join(', ') || 'nothing'}`, () => {
    const got = runnables(path.join(DIR, file), text.split('\n'), crate);
    assert.deepEqual(
      got.map((r) => ({ line: r.line, label: r.label, target: r.spec.target, ...(r.spec.programArgs ? { programArgs: r.spec.programArgs } : {}) })),
      want,
    );
  });
}

test('targets: the crate of a fixture file is its package', () => {
  const c = crateOf(path.join(FIXTURES, 'hotspots', 'tests', 'hot.rs'), FIXTURES);
  assert.deepEqual(c, { manifestPath: path.join(FIXTURES, 'hotspots', 'Cargo.toml'), dir: path.join(FIXTURES, 'hotspots'), name: 'hotspots' });
  assert.equal(crateOf('/nowhere/at/all.rs', '/nowhere'), undefined);
});

let ws: Workspace | undefined;
after(() => ws?.stop());

test('targets: the lens spec of an integration test profiles that test', { timeout: 150_000 }, async () => {
  ws = await startWorkspace('flame-lsp-targets');
  const file = path.join(ws.work, 'tests', 'hot.rs');
  const c = crateOf(file, ws.work)!;
  const [r] = runnables(file, readFileSync(file, 'utf8').split('\n'), c);
  assert.ok(r);
  const d = await daemonClient(ws);
  try {
    const meta = await send(d.conn, P.ProfileOnce.type, r.spec);
    assert.ok(meta.samples > 0);
    const top = await send(d.conn, P.Top.type, { profile: meta.id, limit: 5 });
    assert.ok(
      top.functions.some((f) => f.name === 'hotspots::count_primes'),
      JSON.stringify(top.functions),
    );
  } finally {
    d.close();
  }
});
