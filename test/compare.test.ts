// `flame compare` end to end with real git, cargo and perf on the knob fixture (test/fixtures/knob):
// a commit of it is the base, and the working tree turns the knob (one function does X% more
// work), so what must be found is known. Pass and fail hang on sample shares, never on timing:
// the wall-time gate is off where it could decide, and where the share gate fails, the time's
// verdict is not asserted. Also the README's GitHub Actions job, its compare step run as written.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { gateConfig, gateSettings, percent } from '../engine/compare/gate.js';
import type { CompareReport } from '../engine/compare/report.js';
import type { CargoMetadata } from '../engine/cargo/target.js';
import { FIXTURES, REPO, runCmd, runFlame, scratch } from './helpers.js';

let work: string;
let env: Record<string, string>;
const git = (...args: string[]) => runCmd('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: work });
const MAIN_RS = () => path.join(work, 'src', 'main.rs');

/** Set the knob in the working tree: `tuned` does `extra`% more work than in the committed base. */
function turnKnob(extra: number): void {
  const src = readFileSync(MAIN_RS(), 'utf8').replace(/const EXTRA_PERCENT: u64 = \d+;/, `const EXTRA_PERCENT: u64 = ${extra};`);
  writeFileSync(MAIN_RS(), src);
}

before(async () => {
  work = scratch('flame-compare-ws-');
  cpSync(path.join(FIXTURES, 'knob'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  const runtime = scratch('flame-compare-rt-');
  env = { FLAME_RUNTIME_DIR: runtime, FLAME_SOCKET: path.join(runtime, 'none.sock'), FLAME_CACHE_DIR: path.join(runtime, 'cache') };
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '.'],
    ['commit', '-qm', 'base'],
  ])
    assert.equal((await git(...args)).exitCode, 0);
});

/** Enough samples for a 2.4-point change to stand well out of the noise in a 0.3 s program (see the README). */
const MANY_SAMPLES = ['-F', '9999', '--call-graph', 'fp'];

test('a knob of +10%: the function is significant, the gate fails with exit 3, the summary is appended, and --json has the report', async () => {
  turnKnob(10);
  const summary = path.join(scratch('flame-compare-sum-'), 'summary.md');
  writeFileSync(summary, 'an earlier step\n');
  const r = await runFlame(['compare', '--base', 'HEAD', '--runs', '4', ...MANY_SAMPLES, '--fail-on', '^knob::', '--threshold', '1%', '--json'], {
    cwd: work,
    env: { ...env, GITHUB_STEP_SUMMARY: summary },
  });
  assert.equal(r.exitCode, 3, r.stderr);
  const report = JSON.parse(r.stdout) as CompareReport;
  // Shape: both sides, stored, with their runs and wall times.
  for (const side of [report.base, report.current]) {
    assert.equal(side.runs, 4);
    assert.ok(typeof side.profile === 'string' && side.samples > 0);
    assert.equal(side.wallMs?.length, 4);
    assert.ok(side.wall && side.wall.lowMs! <= side.wall.meanMs && side.wall.meanMs <= side.wall.highMs!);
  }
  assert.match(report.base.label, /^HEAD \([0-9a-f]{10}\)$/);
  assert.equal(report.current.label, 'working tree');
  assert.ok(report.time && typeof report.time.p === 'number' && report.time.relLow! <= report.time.relative && report.time.relative <= report.time.relHigh!);
  const tuned = report.functions.find((f) => f.name === 'knob::tuned');
  assert.ok(tuned, `knob::tuned among ${report.functions.map((f) => f.name).join(', ')}`);
  // 10% more work in a function of half the time: its share grows by 2.4 points.
  assert.ok(tuned.change.total.significant && tuned.significant, JSON.stringify(tuned));
  assert.ok(tuned.deltaTotalShare > 0.01 && tuned.deltaTotalShare < 0.04, `Δ ${tuned.deltaTotalShare}`);
  assert.ok(tuned.change.total.low <= tuned.deltaTotalShare && tuned.deltaTotalShare <= tuned.change.total.high);
  const steady = report.functions.find((f) => f.name === 'knob::steady');
  assert.ok(steady && steady.deltaTotalShare < 0, 'the other function loses the share tuned gains');
  assert.equal(report.gate.active, true);
  assert.equal(report.gate.pass, false);
  assert.equal(report.gate.failOn, '^knob::');
  assert.ok(report.gate.matched >= 2);
  assert.ok(report.gate.failures.some((f) => f.kind === 'function' && f.name === 'knob::tuned' && f.threshold === 0.01));
  assert.ok(!report.gate.failures.some((f) => f.kind === 'function' && f.name === 'knob::steady'), 'a shrinking function passes');
  assert.ok(report.lines.length > 0 && 'change' in report.lines[0]!);
  // The base's lines are named as the working tree's files, so the two sides' lines meet.
  assert.ok(
    report.lines.every((l) => !l.file.includes(`${path.sep}flame${path.sep}compare${path.sep}`)),
    report.lines.map((l) => l.file).join(', '),
  );
  assert.ok(
    report.lines.some((l) => l.file === path.join(work, 'src', 'main.rs') && l.base.self > 0 && l.current.self > 0),
    'a line of main.rs on both sides',
  );
  // The step summary: the earlier step's text kept, the Markdown report after it.
  const md = readFileSync(summary, 'utf8');
  assert.ok(md.startsWith('an earlier step\n'), md.slice(0, 100));
  assert.match(md, /❌ Regression/);
  assert.match(md, /`knob::tuned` \+\d\.\d pp of total share \(threshold 1\.0 pp\)/);
  assert.match(md, /\| wall time per run \| base \| now \| change \|/);
  // Both sides are in the history, for `flame diff`.
  const d = await runFlame(['diff', report.base.profile!, report.current.profile!, '--json'], { cwd: work, env });
  assert.equal(d.exitCode, 0, d.stderr);
  assert.ok(
    (JSON.parse(d.stdout) as { functions: Array<{ name: string; significant: boolean }> }).functions.some((f) => f.name === 'knob::tuned' && f.significant),
  );

  // --base-profile: the stored base as an id (its per-run wall times come along), then as a file.
  const byId = await runFlame(['compare', '--base-profile', report.base.profile!, '--runs', '2', '--json'], { cwd: work, env });
  assert.equal(byId.exitCode, 0, byId.stderr);
  const viaId = JSON.parse(byId.stdout) as CompareReport;
  assert.equal(viaId.base.profile, report.base.profile);
  assert.deepEqual(viaId.base.wallMs, report.base.wallMs);
  assert.equal(viaId.current.runs, 2);
  assert.equal(viaId.gate.active, false, 'no gate was set: report only');
  const file = path.join(work, 'target', 'flame', 'profiles', `${report.base.profile}.profile.gz`);
  const byFile = await runFlame(['compare', '--base-profile', file, '--runs', '2', '--json'], { cwd: work, env });
  assert.equal(byFile.exitCode, 0, byFile.stderr);
  const viaFile = JSON.parse(byFile.stdout) as CompareReport;
  assert.equal(viaFile.base.label, file);
  assert.equal(viaFile.base.samples, report.base.samples);
  assert.equal(viaFile.base.wallMs, null, 'a file carries no per-run wall times');
  assert.equal(viaFile.time, null);
});

test('the same build against itself: the share gate passes (exit 0) with a Markdown verdict', async () => {
  turnKnob(0);
  const r = await runFlame(['compare', '--base', 'HEAD', '--runs', '3', '--fail-on', '^knob::', '--time-threshold', 'off', '--limit', '0'], { cwd: work, env });
  assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^### flame compare: working tree against HEAD \([0-9a-f]{10}\)/);
  assert.match(r.stdout, /✅ Pass/);
  assert.match(r.stdout, /\| `knob::tuned` \|/);
});

test('a revision git does not know, or no base at all: a clear error before any build', async () => {
  const r = await runFlame(['compare', '--base', 'no-such-branch'], { cwd: work, env });
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /error: 'no-such-branch' is not a commit of the repository at .*fetch-depth: 0/);
  assert.doesNotMatch(r.stderr, /building/);
  const none = await runFlame(['compare'], { cwd: work, env });
  assert.equal(none.exitCode, 2);
  assert.match(none.stderr, /takes one base: --base REV .* or --base-profile/);
  const bad = await runFlame(['compare', '--base-profile', 'nothing-like-it'], { cwd: work, env });
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /'nothing-like-it' is neither a file nor a stored profile/);
  // A base that does not build: the error names the revision, not the working tree.
  assert.equal((await git('checkout', '-q', '-b', 'broken')).exitCode, 0);
  writeFileSync(MAIN_RS(), `${readFileSync(MAIN_RS(), 'utf8')}\nfn broken() -> u32 { "not a number" }\n`);
  assert.equal((await git('commit', '-qam', 'broken')).exitCode, 0);
  assert.equal((await git('checkout', '-q', 'main')).exitCode, 0);
  const broken = await runFlame(['compare', '--base', 'broken'], { cwd: work, env });
  assert.equal(broken.exitCode, 1);
  assert.match(broken.stderr, /error: the base revision broken \([0-9a-f]{10}, checked out in .*\): .*build/i);
});

test('one compare at a time per workspace: a live holder of the lock refuses, a dead one is taken over', async () => {
  const lock = path.join(work, 'target', 'flame', 'compare', 'compare.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  // This test's own process is alive and is not the CLI's.
  writeFileSync(lock, String(process.pid));
  const busy = await runFlame(['compare', '--base', 'HEAD', '--runs', '1'], { cwd: work, env });
  assert.equal(busy.exitCode, 1, busy.stderr);
  assert.match(busy.stderr, new RegExp(`^error: another flame compare \\(pid ${process.pid}\\) is using .*; wait for it to finish`, 'm'));
  // A process that has ended left it (no pid is that high): the next compare takes it over, and
  // releases it when done.
  writeFileSync(lock, '999999999');
  const r = await runFlame(['compare', '--base', 'HEAD', '--runs', '1'], { cwd: work, env });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(!existsSync(lock), 'released');
});

test("the README's GitHub Actions job: its compare step, run as written, fails on a regression", async () => {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(yaml, 'the README has a yaml block');
  assert.match(yaml, /fetch-depth: 0/);
  assert.match(yaml, /npm ci/);
  const crate = /CRATE: (\S+)/.exec(yaml)?.[1];
  assert.ok(crate, 'the job names its crate in env');
  const steps = [...yaml.matchAll(/^\s*run: (.*flame compare.*)$/gm)].map((m) => m[1]!);
  assert.equal(steps.length, 1, 'one compare step');
  assert.match(steps[0]!, /--base origin\/main .*--fail-on .*--threshold 2%/);
  // The job's world: a clone whose origin/main is the base, flame reached through npx.
  const origin = scratch('flame-compare-origin-');
  assert.equal((await runCmd('git', ['clone', '-q', '--bare', work, path.join(origin, 'repo.git')])).exitCode, 0);
  assert.equal((await git('remote', 'add', 'origin', path.join(origin, 'repo.git'))).exitCode, 0);
  assert.equal((await git('fetch', '-q', 'origin')).exitCode, 0);
  const bin = scratch('flame-compare-bin-');
  writeFileSync(path.join(bin, 'npx'), '#!/bin/sh\nexec "$@"\n');
  chmodSync(path.join(bin, 'npx'), 0o755);
  symlinkSync(path.join(REPO, 'bin', 'flame'), path.join(bin, 'flame'));
  // A regression far past the job's 2 points at its own settings (997 Hz, 5 runs): half again the work.
  turnKnob(50);
  const summary = path.join(scratch('flame-compare-sum-'), 'summary.md');
  const r = await runCmd('bash', ['-e', '-c', steps[0]!], {
    cwd: work,
    env: { ...env, CRATE: 'knob', PATH: `${bin}:${process.env.PATH}`, GITHUB_STEP_SUMMARY: summary },
  });
  assert.equal(r.exitCode, 3, `${r.stdout}\n${r.stderr}`);
  assert.match(readFileSync(summary, 'utf8'), /\*\*❌ Regression\*\*: `knob::tuned` \+\d+\.\d pp of total share \(threshold 2\.0 pp\)/);
  turnKnob(0);
});

test('gate settings: percentages, the config tables of Cargo.toml, and their mistakes', () => {
  assert.equal(percent('2%', '--threshold'), 0.02);
  assert.equal(percent(' 0.5 ', '--threshold'), 0.005);
  assert.throws(() => percent('two', '--threshold'), /--threshold takes a percentage such as 2%, not 'two'/);
  assert.equal(gateSettings({}), undefined, 'nothing gated: report only');
  assert.equal(gateSettings({ threshold: '3%' }), undefined, 'a threshold alone gates nothing');
  assert.deepEqual(gateSettings({ 'time-threshold': '10%' }), { threshold: 0.02, timeThreshold: 0.1 });
  const g = gateSettings({ 'fail-on': '^a::' }, { 'fail-on': '^b::', threshold: '1%', 'time-threshold': 'off' });
  assert.equal(g?.failOn?.source, '^a::', 'flags win over the config');
  assert.equal(g?.threshold, 0.01);
  assert.equal(g?.timeThreshold, undefined);
  assert.throws(() => gateSettings({ 'fail-on': '(a)\\1' }), /'--fail-on' uses a backreference/);
  const meta = (workspace: unknown, pkg: unknown): CargoMetadata => ({
    workspaceRoot: '/w',
    targetDirectory: '/w/target',
    workspaceMembers: [],
    manifestDir: '/w',
    metadata: workspace,
    packages: [{ id: 'k', name: 'knob', version: '0.1.0', manifestPath: '/w/Cargo.toml', defaultRun: null, targets: [], metadata: pkg }],
  });
  const both = gateConfig(meta({ flame: { gate: { 'fail-on': '^w::', runs: 7 } } }, { flame: { gate: { 'fail-on': '^knob::' } } }), 'knob');
  assert.deepEqual(both.input, { 'fail-on': '^knob::', runs: 7 }, "the package's keys win over the workspace's");
  assert.throws(() => gateConfig(meta(null, { flame: { gate: { treshold: '2%' } } }), 'knob'), /has an unknown key 'treshold'/);
  assert.throws(() => gateConfig(meta({ flame: { gate: { runs: 0 } } }, null), 'knob'), /'runs' must be a whole number/);
});
