// daemon/cargo.ts against real cargo on the fixture crates: target selection, builds, failures
// and cancellation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildArgs, buildTarget } from '../engine/cargo/build.js';
import { profileEnvVar } from '../engine/cargo/config.js';
import { readMetadata, selectTarget, type TargetOptions } from '../engine/cargo/target.js';
import { hasDebugInfo, readElfInfo } from '../engine/symbols/elf.js';
import { ErrorCodes, FlameError, isFlameError } from '../common/errors.js';
import { FIXTURES } from './helpers.js';

const HOTSPOTS = path.join(FIXTURES, 'hotspots');
const MULTIBIN = path.join(FIXTURES, 'multibin');
const WORKSPACE = path.join(FIXTURES, 'workspace');

async function select(dir: string, opts: TargetOptions = {}) {
  const o = { cwd: dir, ...opts };
  return selectTarget(await readMetadata(o), o);
}

/** Assert that `p` rejects with a FlameError of `code`, and return it for more checks. */
async function rejectsWith(p: Promise<unknown>, code: number): Promise<FlameError> {
  try {
    await p;
  } catch (err) {
    assert.ok(isFlameError(err), `expected a FlameError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail('expected a rejection');
}

test('the only binary is chosen when no target is named', async () => {
  assert.deepEqual(await select(HOTSPOTS), { kind: 'bin', name: 'hotspots', package: 'hotspots' });
});

test('--bin, --example, --test and --bench select that target', async () => {
  assert.deepEqual(await select(HOTSPOTS, { bin: 'hotspots' }), { kind: 'bin', name: 'hotspots', package: 'hotspots' });
  assert.deepEqual(await select(HOTSPOTS, { example: 'spin' }), { kind: 'example', name: 'spin', package: 'hotspots' });
  assert.deepEqual(await select(HOTSPOTS, { test: 'hot' }), { kind: 'test', name: 'hot', package: 'hotspots' });
  assert.deepEqual(await select(HOTSPOTS, { bench: 'crunch' }), { kind: 'bench', name: 'crunch', package: 'hotspots' });
});

test('--unit-test is ambiguous when a lib and a bin share the name, and --unit-test-kind settles it', async () => {
  const err = await rejectsWith(select(HOTSPOTS, { unitTest: true }), ErrorCodes.AmbiguousTarget);
  assert.match(err.message, /`--unit-test hotspots --unit-test-kind lib`, `--unit-test hotspots --unit-test-kind bin`/);
  assert.deepEqual(await select(HOTSPOTS, { unitTest: true, unitTestKind: 'lib' }), {
    kind: 'unit-test',
    name: 'hotspots',
    package: 'hotspots',
    unitKind: 'lib',
  });
  assert.deepEqual(await select(HOTSPOTS, { unitTest: 'hotspots', unitTestKind: 'bin' }), {
    kind: 'unit-test',
    name: 'hotspots',
    package: 'hotspots',
    unitKind: 'bin',
  });
});

test('two binaries and no default-run: AmbiguousTarget lists the flags to pass', async () => {
  const err = await rejectsWith(select(MULTIBIN), ErrorCodes.AmbiguousTarget);
  assert.match(err.message, /`--bin one`, `--bin two`/);
  assert.deepEqual((err.data as { candidates: string[] }).candidates, ['--bin one', '--bin two']);
});

test('an unknown name gives TargetNotFound listing what exists', async () => {
  const err = await rejectsWith(select(MULTIBIN, { bin: 'three' }), ErrorCodes.TargetNotFound);
  assert.match(err.message, /no bin target named 'three'.*`--bin one`, `--bin two`/);
  const ex = await rejectsWith(select(HOTSPOTS, { example: 'nope' }), ErrorCodes.TargetNotFound);
  assert.match(ex.message, /`--example spin`/);
  const none = await rejectsWith(select(MULTIBIN, { bench: 'b' }), ErrorCodes.TargetNotFound);
  assert.match(none.message, /has no bench targets/);
});

test('a virtual workspace: default-run counts per package, -p narrows, a member directory scopes', async () => {
  const err = await rejectsWith(select(WORKSPACE), ErrorCodes.AmbiguousTarget);
  // alpha's default-run hides alpha-helper; beta has one binary.
  assert.deepEqual((err.data as { candidates: string[] }).candidates, ['-p alpha --bin alpha', '-p beta --bin beta']);
  assert.deepEqual(await select(WORKSPACE, { package: 'alpha' }), { kind: 'bin', name: 'alpha', package: 'alpha' });
  assert.deepEqual(await select(path.join(WORKSPACE, 'beta')), { kind: 'bin', name: 'beta', package: 'beta' });
  assert.deepEqual(await select(WORKSPACE, { bin: 'alpha-helper' }), { kind: 'bin', name: 'alpha-helper', package: 'alpha' });
  const pkg = await rejectsWith(select(WORKSPACE, { package: 'gamma' }), ErrorCodes.TargetNotFound);
  assert.match(pkg.message, /no package named 'gamma'.*-p alpha, -p beta/);
});

test('--manifest-path reaches a project from elsewhere', async () => {
  const t = await select(os.tmpdir(), { manifestPath: path.join(WORKSPACE, 'beta', 'Cargo.toml') });
  assert.deepEqual(t, { kind: 'bin', name: 'beta', package: 'beta' });
});

test('naming two targets at once is refused', async () => {
  await rejectsWith(select(HOTSPOTS, { bin: 'hotspots', example: 'spin' }), ErrorCodes.InvalidRequest);
});

test('a directory outside any cargo project gives NotCargoProject', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flame-nocargo-'));
  try {
    const err = await rejectsWith(readMetadata({ cwd: dir }), ErrorCodes.NotCargoProject);
    assert.match(err.message, /run flame inside a cargo project or pass --manifest-path/);
    const missing = await rejectsWith(readMetadata({ cwd: dir, manifestPath: 'nope/Cargo.toml' }), ErrorCodes.NotCargoProject);
    assert.match(missing.message, /--manifest-path/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("build commands follow cargo-flamegraph (release by default, bench profile for benches, test --no-run for tests), in flame's own profile inheriting that one", () => {
  const pkg = 'hotspots';
  assert.deepEqual(buildArgs({ kind: 'bin', name: 'a', package: pkg }, {}).slice(0, 3), ['build', '--profile', 'flame-release']);
  assert.deepEqual(buildArgs({ kind: 'bench', name: 'b', package: pkg }, {}).slice(0, 4), ['bench', '--no-run', '--profile', 'flame-bench']);
  assert.deepEqual(buildArgs({ kind: 'bench', name: 'b', package: pkg }, { dev: true }).slice(0, 3), ['build', '--profile', 'flame-dev']);
  assert.deepEqual(buildArgs({ kind: 'test', name: 't', package: pkg }, {}).slice(0, 4), ['test', '--no-run', '--profile', 'flame-release']);
  assert.deepEqual(buildArgs({ kind: 'bin', name: 'a', package: pkg }, { profile: 'profiling' }).slice(0, 3), ['build', '--profile', 'flame-profiling']);
  const unit = buildArgs({ kind: 'unit-test', name: 'x', package: pkg, unitKind: 'lib' }, { features: ['a', 'b'], noDefaultFeatures: true });
  assert.ok(unit.includes('--lib') && unit.includes('--no-default-features'));
  assert.deepEqual(unit.slice(unit.indexOf('--features'), unit.indexOf('--features') + 2), ['--features', 'a,b']);
  assert.equal(profileEnvVar('release-lto', 'DEBUG'), 'CARGO_PROFILE_RELEASE_LTO_DEBUG');
});

test('a release build of hotspots yields an executable with debug info', async () => {
  const opts = { cwd: HOTSPOTS };
  const t = selectTarget(await readMetadata(opts), opts);
  const r = await buildTarget(t, opts);
  assert.equal(r.executable, path.join(HOTSPOTS, 'target', 'flame-release', 'hotspots'));
  assert.equal(r.profile, 'release');
  assert.equal(r.cargoProfile, 'flame-release');
  assert.equal(r.workspaceRoot, HOTSPOTS);
  assert.equal(r.targetDirectory, path.join(HOTSPOTS, 'target'));
  assert.deepEqual(r.warnings, []);
  assert.ok(hasDebugInfo(await readElfInfo(r.executable)));
  // Built again with nothing changed, cargo reuses everything.
  const again = await buildTarget(t, opts);
  assert.equal(again.fresh, true);
  assert.equal(again.executable, r.executable);
});

test('tests, benches and unit tests build to their harness executables', async () => {
  const opts = { cwd: HOTSPOTS };
  const meta = await readMetadata(opts);
  const hot = await buildTarget(selectTarget(meta, { test: 'hot' }), opts, { metadata: meta });
  assert.match(path.basename(hot.executable), /^hot-[0-9a-f]+$/);
  assert.deepEqual(hot.runArgs, []);
  const crunch = await buildTarget(selectTarget(meta, { bench: 'crunch' }), opts, { metadata: meta });
  assert.match(path.basename(crunch.executable), /^crunch-[0-9a-f]+$/);
  assert.equal(crunch.profile, 'bench');
  assert.equal(path.basename(path.dirname(path.dirname(crunch.executable))), 'flame-bench');
  assert.deepEqual(crunch.runArgs, ['--bench']);
  const unit = await buildTarget(selectTarget(meta, { unitTest: true, unitTestKind: 'lib' }), opts, { metadata: meta });
  assert.match(path.basename(unit.executable), /^hotspots-[0-9a-f]+$/);
  assert.ok(hasDebugInfo(await readElfInfo(unit.executable)));
  const spin = await buildTarget(selectTarget(meta, { example: 'spin' }), opts, { metadata: meta });
  assert.equal(spin.executable, path.join(HOTSPOTS, 'target', 'flame-release', 'examples', 'spin'));
  const dev = await buildTarget(selectTarget(meta, { example: 'spin' }), { ...opts, dev: true }, { metadata: meta });
  assert.equal(dev.executable, path.join(HOTSPOTS, 'target', 'flame-dev', 'examples', 'spin'));
});

test('warnings come back as structured diagnostics with the rendered text', async () => {
  const opts = { cwd: MULTIBIN, bin: 'two' };
  const seen: string[] = [];
  const r = await buildTarget(selectTarget(await readMetadata(opts), opts), opts, { onDiagnostic: (d) => seen.push(d.message) });
  const w = r.diagnostics.find((d) => d.code === 'unused_variables');
  assert.ok(w, JSON.stringify(r.diagnostics));
  assert.equal(w.level, 'warning');
  assert.equal(w.file, path.join(MULTIBIN, 'src', 'bin', 'two.rs'));
  assert.equal(w.line, 3);
  assert.match(w.rendered, /unused variable: `unused`/);
  assert.ok(seen.includes(w.message));
});

test('a compile error gives BuildFailed with the compiler text and file:line', async () => {
  const opts = { cwd: path.join(FIXTURES, 'broken') };
  const err = await rejectsWith(buildTarget(selectTarget(await readMetadata(opts), opts), opts), ErrorCodes.BuildFailed);
  const main = path.join(FIXTURES, 'broken', 'src', 'main.rs');
  assert.equal(err.message, `cargo build failed: mismatched types (${main}:3)`);
  const { diagnostics } = err.data as { diagnostics: { level: string; rendered: string; file: string; line: number; column: number }[] };
  const e = diagnostics.find((d) => d.level === 'error');
  assert.ok(e);
  assert.match(e.rendered, /error\[E0308\]: mismatched types/);
  assert.match(e.rendered, /src\/main\.rs:3:18/);
  assert.deepEqual([e.file, e.line, e.column], [main, 3, 18]);
});

test('debug info removed by rustflags is reported with the flag and where it is set', async () => {
  const dir = path.join(FIXTURES, 'stripped');
  const opts = { cwd: dir };
  const r = await buildTarget(selectTarget(await readMetadata(opts), opts), opts);
  assert.equal(hasDebugInfo(await readElfInfo(r.executable)), false);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /no debug info.*`-C strip=debuginfo` in .*stripped\/\.cargo\/config\.toml build\.rustflags/);
});

test('aborting the signal stops cargo and the build script it runs', { timeout: 120_000 }, async () => {
  const dir = path.join(FIXTURES, 'slowbuild');
  const opts = { cwd: dir };
  const target = selectTarget(await readMetadata(opts), opts);
  const ac = new AbortController();
  const build = buildTarget(target, opts, { signal: ac.signal });
  // Abort once the build script runs: it sleeps for an hour, so only cancelling ends it.
  while ((await processesMentioning(dir)).every((p) => !p.includes('build-script-build'))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  ac.abort();
  const err = await rejectsWith(build, ErrorCodes.Cancelled);
  assert.match(err.message, /cancelled/);
  assert.deepEqual(await processesMentioning(dir), []);
});

test('an already aborted signal builds nothing', async () => {
  const opts = { cwd: HOTSPOTS };
  await rejectsWith(buildTarget({ kind: 'bin', name: 'hotspots', package: 'hotspots' }, opts, { signal: AbortSignal.abort() }), ErrorCodes.Cancelled);
});

/** Live processes whose command line or working directory mentions `dir` (zombies excluded). */
async function processesMentioning(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue;
      const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ');
      if (cmd.includes(dir)) found.push(`${pid}: ${cmd}`);
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}
