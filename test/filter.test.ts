// Name filters cannot freeze flame: a pattern that backtracks for hours elsewhere is answered by
// a real daemon while other clients are served, and by the CLI in-process; a long query runs
// beside the daemon's event loop, not on it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { compileFilter } from '../engine/query/filter.js';
import { isFlameError, ErrorCodes } from '../common/errors.js';
import { historyDir } from '../engine/store/history.js';
import { ProfileBuilder } from '../engine/profile/profile.js';
import { topFunctions } from '../engine/query/query.js';
import { ProfileStore } from '../engine/store/store.js';
import * as P from '../protocol/methods.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';
import { FLAME_BIN, scratch } from './helpers.js';
import { syntheticProfile } from './store-writer.js';
import { send } from '../clients/connect.js';

// Nested quantifiers over a class the names are made of, and an end the names never have.
const CATASTROPHIC = '^(([a-z_:]+)+)+X$';

/** Names with long runs of [a-z_:], as Rust paths have: each makes a backtracking engine try ~2^50 splits. */
function longNames() {
  const b = new ProfileBuilder();
  b.event = 'cpu-clock:uppp';
  const t = b.thread({ comm: 'app', pid: 1, tid: 1 });
  const fns = ['app::parse_the_configuration_file_and_collect_options', 'app::compute_the_checksum_of_every_block_in_the_file'];
  const locs = fns.map((name, i) => b.location(b.fn({ name, file: 'src/main.rs', line: i + 1, dso: 'app' }), { file: 'src/main.rs', line: i + 1 }));
  b.add([locs[0]!, locs[1]!], t, 7, 7000, { unknown: false, truncated: false });
  b.add([locs[0]!], t, 3, 3000, { unknown: false, truncated: false });
  return b.finish();
}

let d: TestDaemon;
let store: ProfileStore;
/** The profile with the long names. */
let named: string;

before(async () => {
  d = await startDaemon({ prefix: 'filter' });
  store = await ProfileStore.open(historyDir(path.join(d.work, 'target')));
  named = (await store.add({}, longNames())).id;
});
after(() => d.stop());

test('compileFilter: matching is linear; backreferences and lookarounds are params errors naming the construct', () => {
  const re = compileFilter(CATASTROPHIC);
  assert.equal(re.test(`${'a'.repeat(100_000)}Y`), false);
  assert.equal(re.test('ab_cX'), true);
  const cases: Array<[string, RegExp]> = [
    ['(a)\\1', /backreference/],
    ['(?<n>a)\\k<n>', /backreference/],
    ['foo(?=bar)', /lookahead/],
    ['(?<!x)foo', /lookbehind/],
    ['a{50}', /counted repetition/],
    ['(', /not a valid regular expression/],
  ];
  for (const [src, message] of cases) {
    assert.throws(
      () => compileFilter(src),
      (e: unknown) => isFlameError(e, ErrorCodes.InvalidParams) && message.test(e.message) && e.message.includes("'filter'"),
      src,
    );
  }
  // The filter is compiled once per query and also taken precompiled.
  assert.deepEqual(
    topFunctions(longNames(), { filter: compileFilter('checksum') }).map((r) => r.name),
    ['app::compute_the_checksum_of_every_block_in_the_file'],
  );
});

test('the catastrophic filter over a real daemon answers, and another client is answered meanwhile', { timeout: 120_000 }, async () => {
  const a = await d.client('a');
  const b = await d.client('b');
  try {
    const slow = send(a.conn, P.Top.type, { profile: named, filter: CATASTROPHIC });
    const other = await send(b.conn, P.Top.type, { profile: named, filter: 'checksum' });
    assert.deepEqual(
      other.functions.map((f) => f.name),
      ['app::compute_the_checksum_of_every_block_in_the_file'],
    );
    const r = await slow;
    assert.deepEqual(r.functions, []);
    const look = await send(a.conn, P.Top.type, { filter: '(?=app)' }).then(
      () => undefined,
      (e: { code: number; message: string }) => e,
    );
    assert.equal(look?.code, -32602);
    assert.match(look!.message, /'filter' uses a lookahead/);
  } finally {
    a.close();
    b.close();
  }
});

test("a long export runs off the daemon's event loop: status is answered while it runs", { timeout: 300_000 }, async () => {
  const big = await store.add({}, syntheticProfile({ seed: 12, stacks: 100_000, samples: 500_000 }));
  const a = await d.client('export');
  const b = await d.client('status');
  try {
    // Loaded (and cached) first, so what follows is the export's own work.
    await send(a.conn, P.Top.type, { profile: big.id, limit: 1 });
    let exported = false;
    const exporting = send(a.conn, P.Export.type, { profile: big.id, format: 'svg' }).then((r) => {
      exported = true;
      return r;
    });
    let answeredDuring = 0;
    while (!exported) {
      await new Promise((r) => setTimeout(r, 100));
      await send(b.conn, P.Status.type, {});
      if (!exported) answeredDuring++;
    }
    const r = await exporting;
    assert.match(r.data, /^<\?xml/);
    assert.ok(answeredDuring > 0, 'no status request was answered while the export ran');
  } finally {
    a.close();
    b.close();
  }
});

test('flame top --filter with the catastrophic pattern returns (in-process, no daemon)', { timeout: 120_000 }, async () => {
  // No daemon behind this runtime directory: the CLI answers from the store itself.
  const env = { ...process.env, ...d.env, FLAME_RUNTIME_DIR: scratch('filter-nodaemon-'), FLAME_SOCKET: path.join(scratch('filter-nosock-'), 'none.sock') };
  const child = spawn(process.execPath, [FLAME_BIN, 'top', '--profile', named, '--filter', CATASTROPHIC, '--json'], {
    cwd: d.work,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), 90_000);
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (err += c));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  clearTimeout(kill);
  assert.equal(code, 0, err);
  assert.deepEqual(JSON.parse(out).functions, []);
  const bad = spawn(process.execPath, [FLAME_BIN, 'top', '--profile', named, '--filter', '(a)\\1'], { cwd: d.work, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let badErr = '';
  bad.stderr.on('data', (c: Buffer) => (badErr += c));
  assert.equal(await new Promise((r) => bad.on('close', r)), 2);
  assert.match(badErr, /--filter uses a backreference/);
});
