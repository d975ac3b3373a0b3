// A client's mistake is JSON-RPC's InvalidParams (-32602) naming the field, from a real daemon,
// with the same rules the CLI applies to its flags; a full disk under the history is named as
// such, not as an internal error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../clients/connect.js';
import { recordOptions, targetOptions, viewOptions } from '../clients/cli/args.js';
import { UsageError } from '../clients/cli/main.js';
import { svgOptionsFromFlags } from '../clients/cli/svg-flags.js';
import { historyDir } from '../engine/store/history.js';
import { ProfileStore } from '../engine/store/store.js';
import { checkSpec, ParamsError } from '../protocol/validate.js';
import * as P from '../protocol/methods.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';
import { hotspotsCopy, perfRecordTo, runFlame, scratch } from './helpers.js';
import { syntheticProfile } from './store-writer.js';

let d: TestDaemon;
let c: Connection;

before(async () => {
  d = await startDaemon({ prefix: 'params' });
  const store = await ProfileStore.open(historyDir(path.join(d.work, 'target')));
  await store.add({}, syntheticProfile({ seed: 3, stacks: 50, samples: 200 }));
  c = await d.client();
});
after(async () => {
  c?.close();
  await d.stop();
});

/** The error a request gets (or a failure when it succeeds). */
async function refusal(method: string, params: unknown): Promise<{ code: number; message: string }> {
  try {
    await c.conn.sendRequest(method, params);
  } catch (err) {
    return err as { code: number; message: string };
  }
  assert.fail(`${method} ${JSON.stringify(params)} was accepted`);
}

const CASES: Array<{ method: string; params: unknown; message: RegExp }> = [
  { method: P.Export.method, params: { format: 'svg', svg: { palette: 'neon' } }, message: /^'svg\.palette' must be one of hot, mem, .*not "neon"$/ },
  { method: P.Export.method, params: { format: 'svg', svg: { notes: 5 } }, message: /^'svg\.notes' must be a string, not 5$/ },
  { method: P.Export.method, params: { format: 'svg', svg: { minWidth: -1 } }, message: /^'svg\.minWidth' must be a number of at least 0/ },
  { method: P.Export.method, params: { format: 'svg', svg: 'wide' }, message: /^'svg' must be an object/ },
  { method: P.ProfileOnce.method, params: { target: { features: 'a,b' } }, message: /^'target\.features' must be an array of feature names, not "a,b"$/ },
  { method: P.ProfileOnce.method, params: { target: { profile: 3 } }, message: /^'target\.profile' must be a string, not 3$/ },
  { method: P.ProfileOnce.method, params: { record: { frequency: -5 } }, message: /^'record\.frequency' must be a positive whole number, not -5$/ },
  { method: P.WatchStart.method, params: { record: { mmapPages: 3 } }, message: /^'record\.mmapPages' must be a power of two/ },
  { method: P.WatchStart.method, params: { record: { callGraph: 'lbrx' } }, message: /^'record\.callGraph' must be one of dwarf, fp, lbr/ },
  {
    method: P.ProfileImport.method,
    params: { perfData: '/nonexistent/perf.data', options: { frequency: 'high' } },
    message: /^'options\.frequency' must be a positive whole number/,
  },
  { method: P.Top.method, params: { limit: 'many' }, message: /^'limit' must be a number/ },
  { method: P.Export.method, params: { format: 'svg', svg: { palette: 'bogus' } }, message: /^'svg\.palette' must be one of hot, .*, not "bogus"$/ },
  { method: P.Export.method, params: { format: 'svg', svg: { colour: 'red' } }, message: /^'svg\.colour' is not an option here; use title, subtitle, / },
  { method: P.Export.method, params: { format: 'png' }, message: /^'format' must be one of folded, svg, speedscope, pprof, not "png"$/ },
  { method: P.Top.method, params: { sortBy: 'name' }, message: /^'sortBy' must be 'self' or 'total', not "name"$/ },
  { method: P.Lines.method, params: { thread: { tid: 1 } }, message: /^'thread' must be a thread id or name/ },
  { method: P.Tree.method, params: { path: 'main' }, message: /^'path' must be an array of frame names/ },
  { method: P.ProfileImport.method, params: { perfData: 'relative/perf.data' }, message: /^'perfData' must be an absolute path, not "relative\/perf.data"$/ },
  { method: P.WatchStop.method, params: { sessionId: 7 }, message: /^'sessionId' must be a string, not 7$/ },
  { method: P.Top.method, params: { focus: '(' }, message: /^'focus' is not a valid regular expression/ },
  { method: P.Diff.method, params: { hide: '(a)\\1' }, message: /^'hide' uses a backreference/ },
  { method: P.Tree.method, params: { plumbing: 'yes' }, message: /^'plumbing' must be a boolean, not "yes"$/ },
  { method: P.Export.method, params: { format: 'folded', ignore: 5 }, message: /^'ignore' must be a string, not 5$/ },
  {
    method: P.Initialize.method,
    params: { clientName: 'x', clientVersion: '1', protocolVersion: 1, capabilities: { needs: [] } },
    message: /^'capabilities\.needs' is not an option here/,
  },
];

for (const k of CASES) {
  test(`${k.method} ${JSON.stringify(k.params)} is InvalidParams naming the field`, async () => {
    const e = await refusal(k.method, k.params);
    assert.equal(e.code, -32602, e.message);
    assert.match(e.message, k.message);
  });
}

test('the CLI refuses with the same rules, worded with its flags', async () => {
  const usage = (f: () => unknown, message: RegExp) => assert.throws(f, (e: unknown) => e instanceof UsageError && message.test(e.message));
  usage(() => recordOptions({ freq: '-5' }), /^--freq takes a positive whole number, not '-5'$/);
  usage(() => recordOptions({ 'mmap-pages': '3' }), /^--mmap-pages takes a power of two/);
  usage(() => recordOptions({ 'call-graph': 'lbrx' }), /^--call-graph takes one of dwarf, fp, lbr, not 'lbrx'$/);
  usage(() => targetOptions({ 'unit-test-kind': 'dylib' }), /^--unit-test-kind takes one of lib, bin, not 'dylib'$/);
  usage(() => svgOptionsFromFlags({ palette: 'neon' }), /^--palette takes one of hot, mem, .*, not 'neon'$/);
  usage(() => svgOptionsFromFlags({ 'min-width': '-1' }), /^--min-width takes a number of at least 0, not '-1'$/);
  usage(() => viewOptions({ focus: '(' }), /^--focus is not a valid regular expression/);
  // And the daemon's check of the same value, from the same rule.
  assert.throws(
    () => checkSpec({ record: { frequency: -5 } }),
    (e: unknown) => e instanceof ParamsError && e.field === 'record.frequency',
  );
  const r = await runFlame(['record', '--freq=-5'], { cwd: d.work, env: d.env });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /--freq takes a positive whole number, not '-5'/);
});

test('`flame query` of a method flame does not declare is a usage error listing the methods', async () => {
  const r = await runFlame(['query', 'profile/topp', '{}'], { cwd: d.work, env: d.env });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /'profile\/topp' is not a flame method; use one of initialize, daemon\/status, .*profile\/top, /);
  const ok = await runFlame(['query', 'profile/top', '{"limit": 1, "sortBy": "total"}'], { cwd: d.work, env: d.env });
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as P.Top.Result).functions.length, 1);
});

test('a full disk under the history: "no space left on device while writing …: free some space"', { timeout: 300_000 }, async () => {
  const dir = scratch('params-perf-');
  const bin = hotspotsCopy(dir);
  const perfData = path.join(dir, 'perf.data');
  await perfRecordTo(perfData, [bin], { FLAME_FIXTURE_SCALE: '0.2' });
  const profiles = historyDir(path.join(d.work, 'target'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', profiles]);
  try {
    try {
      writeFileSync(path.join(profiles, 'fill'), Buffer.alloc(64 * 1024, 1));
    } catch {
      // full, as wanted
    }
    const e = await refusal(P.ProfileImport.method, { perfData });
    assert.equal(e.code, -32916, e.message);
    assert.match(e.message, /^no space left on device while writing .*profiles.*: free some space$/);
  } finally {
    execFileSync('umount', ['-l', profiles]);
  }
});
