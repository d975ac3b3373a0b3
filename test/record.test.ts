// `flame record` and `flame exec` end to end: real cargo, real perf, the fixture crate's targets,
// and the failures a user meets (a failing program, Ctrl-C, no cargo project, a missing file).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildHotspots, FIXTURES, FLAME_BIN, runCmd, runFlame, scratch } from './helpers.js';

const MANIFEST = path.join(FIXTURES, 'hotspots', 'Cargo.toml');
let dir: string;
const env = () => ({ FLAME_CACHE_DIR: path.join(dir, 'cache') });

before(async () => {
  dir = scratch('flame-record-');
  await buildHotspots();
});

interface RecordJson {
  perfData: string;
  svg: string;
  folded: string | null;
  samples: number;
  unit: string;
  durationMs: number;
  quality: { unknownShare: number; truncatedShare: number; lost: number };
  top: Array<{ name: string; self: number; total: number; file?: string }>;
  program?: { exitCode?: number; failed: boolean };
}

async function record(args: string[], name: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const out = path.join(dir, `${name}.svg`);
  const r = await runFlame(['record', '--manifest-path', MANIFEST, '-o', out, '--json', ...args], { cwd: dir, env: { ...env(), ...extraEnv } });
  return { r, out, json: r.exitCode === 0 || r.stdout.startsWith('{') ? (JSON.parse(r.stdout) as RecordJson) : undefined };
}

test('record the default binary: JSON summary, SVG and folded file', async () => {
  const folded = path.join(dir, 'main.folded');
  const { r, out, json } = await record(['--folded', folded], 'main');
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(json);
  assert.equal(json.unit, 'samples');
  assert.ok(json.samples > 100, `samples: ${json.samples}`);
  assert.equal(json.svg, out);
  assert.equal(json.folded, folded);
  assert.equal(json.perfData, path.join(FIXTURES, 'hotspots', 'target', 'flame', 'perf.data'));
  assert.ok(json.top.length > 0 && json.top.length <= 10);
  assert.ok(json.quality.truncatedShare < 0.1, `truncated: ${json.quality.truncatedShare}`);
  // Inlined helpers appear as frames of their own, with their source files.
  assert.equal(json.top[0]!.name, 'hotspots::mix');
  assert.match(json.top[0]!.file ?? '', /src\/lib\.rs$/);
  const svg = readFileSync(out, 'utf8');
  assert.match(svg, /^<\?xml/);
  assert.match(svg, /hotspots::hash_chain/);
  assert.match(svg, /hotspots::mix/);
  const lines = readFileSync(folded, 'utf8').trim().split('\n');
  const sum = lines.reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  assert.equal(sum, json.samples);
  // The program's stdout went to stderr, so stdout holds only the JSON.
  assert.match(r.stderr, /hash=/);
});

test('record an example, an integration test and a bench target', async () => {
  const cases: Array<[string[], string]> = [
    [['--example', 'spin'], 'hotspots::hash_chain'],
    [['--test', 'hot'], 'hotspots::count_primes'],
    [['--bench', 'crunch'], 'hotspots::fib'],
  ];
  for (const [args, hot] of cases) {
    const folded = path.join(dir, `${args[1]}.folded`);
    const { r, json } = await record([...args, '--folded', folded], args[1]!);
    assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
    // The hot function is on the stack of at least a third of the samples.
    let withHot = 0;
    for (const line of readFileSync(folded, 'utf8').trim().split('\n')) {
      if (line.split(';').some((f) => f === hot || f.startsWith(`${hot} `))) withHot += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    assert.ok(withHot > json!.samples / 3, `${hot} is hot in ${args.join(' ')}: ${withHot} of ${json!.samples}`);
  }
});

test('a program that exits non-zero still gets its flame graph, and the exit code says it failed', async () => {
  const { r, out, json } = await record(['--', '--fail'], 'fail');
  assert.equal(r.exitCode, 3);
  assert.match(r.stderr, /exited with status 3.*flame graph of its run was still written/);
  assert.ok(existsSync(out));
  assert.equal(json!.program!.exitCode, 3);
  const ok = await record(['--ignore-status', '--', '--fail'], 'fail-ignored');
  assert.equal(ok.r.exitCode, 0, ok.r.stderr);
});

test('a panicking program: the profile is written and the panic is reported', async () => {
  const { r, out } = await record(['--', '--panic'], 'panic', { FLAME_FIXTURE_SCALE: '0.3' });
  assert.equal(r.exitCode, 101);
  assert.match(r.stderr, /fixture asked to panic/);
  assert.ok(existsSync(out));
});

test('Ctrl-C stops the program and the profile is still produced', async () => {
  const out = path.join(dir, 'sigint.svg');
  const child = spawn(process.execPath, [FLAME_BIN, 'record', '--manifest-path', MANIFEST, '-o', out, '--json', '--ignore-status'], {
    cwd: dir,
    env: { ...process.env, ...env(), FLAME_FIXTURE_SCALE: '100' },
    detached: true, // its own process group, as a terminal's foreground job
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => (stderr += b));
  // Wait until the recording runs, then interrupt the whole group as a terminal would.
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (/recording/.test(stderr)) {
        clearInterval(check);
        setTimeout(resolve, 1500);
      }
    }, 100);
  });
  process.kill(-child.pid!, 'SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  const json = JSON.parse(stdout) as RecordJson;
  assert.ok(json.samples > 0);
  assert.ok(existsSync(out));
  assert.match(stderr, /interrupted/);
});

test('flame exec records any command', async () => {
  const bin = path.join(FIXTURES, 'hotspots', 'target', 'release', 'hotspots');
  const out = path.join(dir, 'exec.svg');
  const r = await runFlame(['exec', '-o', out, '--json', '--', bin], { cwd: dir, env: env() });
  assert.equal(r.exitCode, 0, r.stderr);
  const json = JSON.parse(r.stdout) as RecordJson;
  assert.ok(json.top.some((f) => f.name === 'hotspots::mix'));
  const bad = await runFlame(['exec', '--', '/nonexistent/program'], { cwd: dir, env: env() });
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /could not start the program/);
});

test('recordings unwind to the entry point: every run, the samples under main reach _start', async () => {
  // A wrapper that exec'd the program (tried once, to keep its stdout apart from perf's stream)
  // made about every other run lose the outermost frames; several runs catch such a regression.
  const bin = path.join(FIXTURES, 'hotspots', 'target', 'release', 'hotspots');
  for (let run = 0; run < 4; run++) {
    const d = scratch('flame-unwind-');
    // --plumbing: the recorded stacks whole, runtime start included.
    const r = await runFlame(['exec', '--plumbing', '-o', path.join(d, 'u.svg'), '--folded', path.join(d, 'u.folded'), '--json', '--', bin], {
      cwd: d,
      env: { ...env(), FLAME_FIXTURE_SCALE: '0.3' },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = readFileSync(path.join(d, 'u.folded'), 'utf8').trim().split('\n');
    const count = (pred: (stack: string) => boolean) => lines.filter((l) => pred(l)).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    const inMain = count((l) => l.includes(';main;') || l.startsWith('main;'));
    const fromStart = count((l) => l.startsWith('_start;'));
    assert.ok(inMain > 50 && fromStart >= 0.95 * inMain, `run ${run}: ${fromStart} of ${inMain} samples under main start at _start`);
  }
});

test('--light records at 99 Hz (the cheap mode), and -F still wins over it', async () => {
  const bin = path.join(FIXTURES, 'hotspots', 'target', 'release', 'hotspots');
  for (const [flags, hz] of [
    [['--light'], 99],
    [['--light', '-F', '499'], 499],
  ] as const) {
    const d = scratch('flame-light-');
    const r = await runFlame(['exec', ...flags, '-o', path.join(d, 'light.svg'), '--json', '--', bin], { cwd: d, env: env() });
    assert.equal(r.exitCode, 0, r.stderr);
    const evlist = await runCmd('perf', ['evlist', '-F', '-i', path.join(d, 'perf.data')], { cwd: d });
    assert.match(evlist.stdout, new RegExp(`sample_freq=${hz}\\b`), evlist.stdout);
  }
});

test('analyse an existing perf.data with --perf-data, and a missing one fails clearly', async () => {
  const out = path.join(dir, 'again.svg');
  const r = await runFlame(['record', '--perf-data', path.join(FIXTURES, 'hotspots', 'target', 'flame', 'perf.data'), '-o', out, '--json'], {
    cwd: dir,
    env: env(),
  });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok(existsSync(out));
  const missing = await runFlame(['top', '--perf-data', path.join(dir, 'nope.data')], { cwd: dir, env: env() });
  assert.equal(missing.exitCode, 1);
  assert.match(missing.stderr, /^error: .*nope\.data does not exist; record one/m);
});

test('outside a cargo project, record says what to do', async () => {
  const empty = scratch('flame-empty-');
  const r = await runFlame(['record'], { cwd: empty, env: env() });
  assert.equal(r.exitCode, 1);
  assert.match(r.stderr, /^error: .*(cargo project|Cargo\.toml).*--manifest-path/m);
});

test('bad flags are usage errors with exit code 2', async () => {
  const r = await runFlame(['record', '--freq', 'fast'], { cwd: dir });
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /--freq takes a positive whole number/);
  const r2 = await runFlame(['record', '--call-graph', 'magic'], { cwd: dir });
  assert.equal(r2.exitCode, 2);
});
