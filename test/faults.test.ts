// The user's world going wrong around a recording: the profiled binary deleted since, perf not
// installed, a truncated perf.data. Each gives a message that says what to do, never a crash.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hotspotsCopy, perfRecordTo, runFlame, scratch } from './helpers.js';

let dir: string;
let perfData: string;
let bin: string;
const env = () => ({ FLAME_CACHE_DIR: path.join(dir, 'cache') });

before(async () => {
  dir = scratch('flame-faults-');
  bin = hotspotsCopy(dir);
  perfData = path.join(dir, 'perf.data');
  await perfRecordTo(perfData, [bin], { FLAME_FIXTURE_SCALE: '0.5' });
});

test("a recording whose binary is gone: a warning that says so, and perf's view of the rest", async () => {
  const moved = `${bin}.moved`;
  copyFileSync(bin, moved);
  rmSync(bin);
  try {
    const r = await runFlame(['top', '--perf-data', perfData, '--json', '--limit', '0'], { cwd: dir, env: env() });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /warning: .*hotspots is gone.*re-run the recording with the binary in place/);
    const out = JSON.parse(r.stdout) as { samples: number; functions: Array<{ name: string; self: number }> };
    assert.ok(out.samples > 0);
    // No inline frames or lines without the binary: the helper inlined into hash_chain is not named.
    assert.ok(!out.functions.some((f) => f.name === 'hotspots::mix'));
  } finally {
    copyFileSync(moved, bin);
  }
});

test('perf not installed: the error names the package to install', async () => {
  const empty = scratch('flame-nopath-');
  const r = await runFlame(['top', '--perf-data', perfData], { cwd: dir, env: { ...env(), PATH: empty } });
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /^error: perf is not installed: install it \(Debian: `apt-get install linux-perf`/m);
});

test('a truncated perf.data fails with a message about the file, not a stack trace', async () => {
  const cut = path.join(dir, 'cut.data');
  const bytes = readFileSync(perfData);
  writeFileSync(cut, bytes.subarray(0, Math.floor(statSync(perfData).size / 3)));
  const r = await runFlame(['top', '--perf-data', cut], { cwd: dir, env: env() });
  // Depending on where the cut falls, perf dies of SIGBUS past the mapped end or stops at a
  // broken record; either way flame names the file and says to record again.
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(
    r.stderr,
    /^error: perf script (died of SIGBUS reading .*cut\.data: the file is probably truncated .*record it again|could not read .*cut\.data: .*A recording cut short has to be made again)/m,
  );
  assert.doesNotMatch(r.stderr, /internal error|    at /);
  const junk = path.join(dir, 'junk.data');
  writeFileSync(junk, 'this is not a perf.data file\n');
  const j = await runFlame(['top', '--perf-data', junk], { cwd: dir, env: env() });
  assert.equal(j.exitCode, 1);
  assert.match(j.stderr, /^error: perf script could not read .*junk\.data.*is it a whole perf\.data file\?/m);
});
