// flame's builds leave the user's alone (daemon/cargo-profile.ts): its own profile, its own
// files under <target dir>/flame, frame pointers for --call-graph fp in a directory of their
// own, and a build progress with a total. Each test works on a copy of a fixture outside git,
// as a crate of the user's would be: git's ignore list would hide files flame writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildTarget, type BuildProgress } from '../engine/cargo/build.js';
import { readMetadata, selectTarget } from '../engine/cargo/target.js';
import { recordOnce } from '../engine/record/record.js';
import { FIXTURES, perfRecordTo, runCmd, runFlame, scratch } from './helpers.js';

interface RecordJson {
  perfData: string;
  svg: string;
  executable?: string;
  quality: { truncatedShare: number };
  warnings: string[];
}

/** A private copy of fixture `name`, without its target directory. */
function copyOf(name: string): string {
  const dir = path.join(scratch(`flame-${name}-`), name);
  cpSync(path.join(FIXTURES, name), dir, { recursive: true, filter: (s) => !s.split(path.sep).includes('target') });
  return dir;
}

const env = (dir: string, more: NodeJS.ProcessEnv = {}) => ({ FLAME_CACHE_DIR: path.join(dir, '..', 'cache'), NORERUN_ITERS: '20000000', ...more });

async function flameRecord(dir: string, args: string[] = [], more: NodeJS.ProcessEnv = {}) {
  const r = await runFlame(['record', '-F', '199', '--json', ...args], { cwd: dir, env: env(dir, more) });
  assert.equal(r.exitCode, 0, r.stderr);
  return { json: JSON.parse(r.stdout) as RecordJson, stderr: r.stderr };
}

/** The compiler-artifact messages of a `cargo build` the user runs, and whether each was fresh. */
async function userBuild(dir: string, env: NodeJS.ProcessEnv = {}): Promise<boolean[]> {
  const r = await runCmd('cargo', ['build', '--release', '--message-format=json'], { cwd: dir, env });
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes('"reason":"compiler-artifact"'))
    .map((l) => (JSON.parse(l) as { fresh: boolean }).fresh);
}

test('a second flame record with no source change rebuilds nothing, even when build.rs has no rerun-if-changed', async () => {
  const dir = copyOf('norerun');
  const first = await flameRecord(dir);
  assert.ok(first.json.executable);
  const built = statSync(first.json.executable).mtimeMs;
  const second = await runFlame(['record', '-F', '199'], { cwd: dir, env: env(dir) });
  assert.equal(second.exitCode, 0, second.stderr);
  assert.doesNotMatch(second.stderr, /Compiling/);
  assert.equal(statSync(first.json.executable).mtimeMs, built, 'the binary was rebuilt');
  // flame's files are in the target directory, where cargo does not look for the package's.
  assert.equal(first.json.perfData, path.join(dir, 'target', 'flame', 'perf.data'));
  assert.equal(first.json.svg, path.join(dir, 'target', 'flame', 'flamegraph.svg'));
  assert.match(second.stderr, /wrote target\/flame\/flamegraph\.svg \(recording: target\/flame\/perf\.data\)/);
  // Only the latest recording is kept (beside the graph and the history), and nothing of flame's lands beside the sources.
  assert.deepEqual(readdirSync(path.join(dir, 'target', 'flame')).sort(), ['flamegraph.svg', 'perf.data', 'profiles']);
  assert.deepEqual(readdirSync(dir).sort(), ['Cargo.lock', 'Cargo.toml', 'build.rs', 'leaf', 'src', 'target']);
});

test("flame record does not invalidate the user's own release build", async () => {
  // No build script here: only flame's profile settings could make cargo rebuild. Both the plain
  // release build and one with debug info (`debug = true`, or cargo flamegraph's) stay built.
  const dir = copyOf('hotspots');
  const withDebug = { CARGO_PROFILE_RELEASE_DEBUG: 'true' };
  assert.ok((await userBuild(dir, withDebug)).some((fresh) => !fresh));
  assert.ok((await userBuild(dir)).some((fresh) => !fresh));
  const users = path.join(dir, 'target', 'release', 'hotspots');
  const before = statSync(users);
  const { json } = await flameRecord(dir, [], { FLAME_FIXTURE_SCALE: '0.1' });
  // The user's binary is still the one they built (flame's used to replace it with its own).
  const after = statSync(users);
  assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs], 'flame replaced target/release/hotspots');
  for (const env of [{}, withDebug]) {
    const again = await userBuild(dir, env);
    assert.ok(again.length > 0);
    assert.ok(
      again.every((fresh) => fresh),
      `cargo build --release ${JSON.stringify(env)} recompiled after flame record: ${JSON.stringify(again)}`,
    );
  }
  assert.equal(json.executable, path.join(dir, 'target', 'flame-release', 'hotspots'));
});

test("flame's files follow CARGO_TARGET_DIR, and RecordResult names the workspace", async () => {
  const dir = copyOf('norerun');
  const targetDir = path.join(dir, '..', 'elsewhere');
  const { json } = await flameRecord(dir, [], { CARGO_TARGET_DIR: targetDir });
  assert.equal(json.perfData, path.join(targetDir, 'flame', 'perf.data'));
  assert.equal(json.svg, path.join(targetDir, 'flame', 'flamegraph.svg'));
  assert.ok(!existsSync(path.join(dir, 'target')));
  // flame exec inside the workspace, through the API the history uses.
  const inside = await recordOnce({ command: [json.executable!], cwd: path.join(dir, 'src'), record: { frequency: 199 } }, {});
  assert.ok(inside.workspace);
  assert.deepEqual(
    { ...inside.workspace, memberDirs: inside.workspace.memberDirs.sort() },
    { root: dir, targetDir: path.join(dir, 'target'), memberDirs: [dir, path.join(dir, 'leaf')] },
  );
  assert.equal(inside.perfData, path.join(dir, 'target', 'flame', 'perf.data'));
  // Outside any workspace there is no target directory: the cwd, as cargo-flamegraph does.
  const outside = scratch('flame-outside-');
  const r = await runFlame(['exec', '-F', '199', '--json', '--', json.executable!], { cwd: outside, env: env(dir) });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(readdirSync(outside).sort(), ['flamegraph.svg', 'perf.data']);
  const bare = await recordOnce({ perfData: path.join(outside, 'perf.data'), cwd: outside }, {});
  assert.equal(bare.workspace, undefined);
  assert.equal(bare.outputDir, outside);
});

test('flame top and flame lines read the recording flame record made', async () => {
  const dir = copyOf('norerun');
  await flameRecord(dir);
  const top = await runFlame(['top', '--json'], { cwd: path.join(dir, 'src'), env: env(dir) });
  assert.equal(top.exitCode, 0, top.stderr);
  const names = (JSON.parse(top.stdout) as { functions: { name: string }[] }).functions.map((f) => f.name);
  assert.ok(names.includes('leaf::step') || names.includes('norerun::churn'), names.join(', '));
  const lines = await runFlame(['lines', '--json', 'src/main.rs'], { cwd: dir, env: env(dir) });
  assert.equal(lines.exitCode, 0, lines.stderr);
  // A newer ./perf.data (perf's own, or cargo flamegraph's) is the one read.
  await perfRecordTo(path.join(dir, 'perf.data'), ['sh', '-c', 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done']);
  const theirs = await runFlame(['top', '--json'], { cwd: dir, env: env(dir) });
  assert.equal(theirs.exitCode, 0, theirs.stderr);
  const other = (JSON.parse(theirs.stdout) as { functions: { name: string }[] }).functions.map((f) => f.name);
  assert.ok(!other.includes('leaf::step') && !other.includes('norerun::churn'), other.join(', '));
});

test('--call-graph fp builds with frame pointers in target/flame/fp, carrying the rustflags the project sets', async () => {
  const dir = copyOf('hotspots');
  const scale = { FLAME_FIXTURE_SCALE: '0.3' };
  const normal = await flameRecord(dir, [], scale);
  const normalBuilt = statSync(normal.json.executable!).mtimeMs;
  const fp = await flameRecord(dir, ['--call-graph', 'fp'], scale);
  assert.equal(fp.json.executable, path.join(dir, 'target', 'flame', 'fp', 'flame-release', 'hotspots'));
  // An ordinary release build gave 95% truncated stacks here; with frame pointers, a few.
  assert.ok(fp.json.quality.truncatedShare < 0.2, `truncated: ${fp.json.quality.truncatedShare}`);
  assert.ok(!fp.json.warnings.some((w) => /--call-graph fp/.test(w)), fp.json.warnings.join('\n'));
  // flame's normal build was left alone by the frame-pointer one.
  const back = await flameRecord(dir, [], scale);
  assert.equal(statSync(back.json.executable!).mtimeMs, normalBuilt);
  // A config file's rustflags still apply under frame pointers: this one strips debug info.
  const opts = { cwd: copyOf('stripped') };
  const s = await buildTarget(selectTarget(await readMetadata(opts), opts), opts, { framePointers: true });
  assert.equal(s.executable, path.join(opts.cwd, 'target', 'flame', 'fp', 'flame-release', 'stripped'));
  assert.ok(
    s.warnings.some((w) => /no debug info.*-C strip=debuginfo/.test(w)),
    s.warnings.join('\n'),
  );
});

test('frame-pointer stacks of a binary built without them are reported as truncated, with the fix', async () => {
  const dir = copyOf('hotspots');
  const { json } = await flameRecord(dir, [], { FLAME_FIXTURE_SCALE: '0.1' });
  const r = await runFlame(['exec', '--call-graph', 'fp', '-F', '499', '--json', '--', json.executable!], {
    cwd: scratch('flame-fp-'),
    env: env(dir, { FLAME_FIXTURE_SCALE: '0.3' }),
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const fp = JSON.parse(r.stdout) as RecordJson;
  assert.ok(fp.quality.truncatedShare > 0.5, `truncated: ${fp.quality.truncatedShare}`);
  const w = fp.warnings.find((x) => /--call-graph fp/.test(x));
  assert.ok(w, JSON.stringify(fp.warnings));
  assert.match(w, /frame pointers.*--call-graph dwarf/);
});

test("the first build's progress has a total estimated from the dependency graph", async () => {
  const dir = copyOf('norerun');
  const opts = { cwd: dir };
  const seen: BuildProgress[] = [];
  const r = await buildTarget(selectTarget(await readMetadata(opts), opts), opts, { onProgress: (p) => seen.push(p) });
  assert.equal(r.fresh, false);
  assert.ok(seen.length > 0);
  // leaf's lib, norerun's build script and its binary. The estimate runs beside the build, so
  // the first messages may come before it.
  const last = seen.at(-1)!;
  assert.equal(last.total, 3, JSON.stringify(seen));
  assert.equal(last.estimated, true);
  assert.match(last.message, /^Compiling \S+ \(\d of about 3 built\)$/);
});
