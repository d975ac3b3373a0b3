// The terminal rules of every verb (clients/cli/term.ts), and the CLI through a real pty
// (util-linux's `script`): `TERM=dumb` gets no escape codes, a terminal reporting 0 columns
// keeps whole messages, `flame diff` and `flame watch` colour only real changes and honour
// NO_COLOR and --color, and every error starts with `error:`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { terminal, paint, colorChoice } from '../clients/cli/term.js';
import { profileLines } from '../clients/cli/commands/watch.js';
import type * as P from '../protocol/methods.js';
import { FIXTURES, FLAME_BIN, runCmd, runFlame, scratch } from './helpers.js';

const ESC = '\x1b';

test('terminal(): colour and escape codes by TERM, NO_COLOR, CLICOLOR_FORCE and --color; 0 columns is 80', () => {
  const tty = { isTTY: true, columns: 120 };
  assert.deepEqual(terminal(tty, 'auto', { TERM: 'xterm' }), { tty: true, ansi: true, columns: 120, color: true });
  assert.deepEqual(terminal(tty, 'auto', { TERM: 'dumb' }), { tty: true, ansi: false, columns: 120, color: false });
  assert.equal(terminal(tty, 'auto', { TERM: 'xterm', NO_COLOR: '1' }).color, false);
  assert.equal(terminal(tty, 'auto', { TERM: 'xterm', NO_COLOR: '' }).color, true, 'an empty NO_COLOR is unset (no-color.org)');
  assert.equal(terminal(tty, 'always', { TERM: 'xterm', NO_COLOR: '1' }).color, true, '--color always wins over NO_COLOR');
  assert.equal(terminal(tty, 'never', { TERM: 'xterm' }).color, false);
  assert.equal(terminal({ isTTY: false }, 'auto', { CLICOLOR_FORCE: '1' }).color, true);
  assert.equal(terminal({ isTTY: false }, 'auto', { FORCE_COLOR: '0' }).color, false);
  assert.deepEqual(terminal({ isTTY: false }, 'auto', {}), { tty: false, ansi: false, columns: 80, color: false });
  assert.equal(terminal({ isTTY: true, columns: 0 }, 'auto', {}).columns, 80);
  assert.equal(paint({ color: false }, 'red', 'x'), 'x');
  assert.equal(paint({ color: true }, 'red', 'x'), `${ESC}[31mx${ESC}[0m`);
  assert.throws(() => colorChoice('sometimes'), /--color takes auto, always, never, not 'sometimes'/);
});

let work: string;
let env: Record<string, string>;

before(() => {
  work = scratch('flame-term-ws-');
  cpSync(path.join(FIXTURES, 'hotspots'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  const runtime = scratch('flame-term-rt-');
  env = { FLAME_RUNTIME_DIR: runtime, FLAME_CACHE_DIR: path.join(runtime, 'cache'), FLAME_FIXTURE_SCALE: '0.3', FLAME_DEBOUNCE_MS: '300' };
});

after(async () => {
  await runFlame(['daemon', 'stop'], { cwd: work, env });
});

/** `sh -c command` on a pty of its own; the pty's output (stdout and stderr together) is the result. */
async function inPty(command: string, extraEnv: Record<string, string>): Promise<{ exitCode: number; out: string }> {
  const r = await runCmd('script', ['-qec', command, '/dev/null'], { cwd: work, env: { ...env, ...extraEnv } });
  return { exitCode: r.exitCode, out: r.stdout };
}

const flame = `${process.execPath} ${FLAME_BIN}`;

test(
  'flame record on a pty: progress rewritten in place on a terminal, plain lines with TERM=dumb, whole messages at 0 columns',
  { timeout: 300_000 },
  async () => {
    const xterm = await inPty(`${flame} record -F 499 -o f.svg`, { TERM: 'xterm' });
    assert.equal(xterm.exitCode, 0, xterm.out);
    assert.match(xterm.out, /\r\x1b\[2Kflame: building bin hotspots/, 'on a terminal the progress line is rewritten');

    const dumb = await inPty(`${flame} record -F 499 -o f.svg`, { TERM: 'dumb' });
    assert.equal(dumb.exitCode, 0, dumb.out);
    assert.ok(!dumb.out.includes(ESC), `TERM=dumb gets no escape codes: ${JSON.stringify(dumb.out.slice(0, 400))}`);
    assert.match(dumb.out, /^flame: building bin hotspots\r?$/m, 'progress comes as plain lines');

    const zero = await inPty(`stty cols 0 rows 0; ${flame} record -F 499 -o f.svg`, { TERM: 'xterm' });
    assert.equal(zero.exitCode, 0, zero.out);
    assert.match(zero.out, /flame: building bin hotspots(?!\w)/, 'a terminal reporting 0 columns loses no character of a message');
  },
);

test('flame diff: significant changes coloured, the rest dim; NO_COLOR and --color; errors start with error:', { timeout: 300_000 }, async () => {
  // Two profiles whose hot function differs for certain: the fixture's fib depth is its knob.
  // Enough samples (-F 1999) that mix's shrink, as fib takes over, is beyond noise for certain.
  for (const fib of ['20', '37']) {
    const r = await runFlame(['record', '-F', '1999', '-o', 'f.svg'], { cwd: work, env: { ...env, FLAME_FIXTURE_FIB: fib } });
    assert.equal(r.exitCode, 0, r.stderr);
  }
  const coloured = await inPty(`${flame} diff`, { TERM: 'xterm' });
  assert.equal(coloured.exitCode, 0, coloured.out);
  assert.match(
    coloured.out,
    /\x1b\[31m\s*\+\d+\.\d\*\x1b\[0m\x1b\[31m\s*\+\d+\.\d\*\x1b\[0m hotspots::fib/,
    `fib's self and total growth are red: ${coloured.out.slice(0, 1500)}`,
  );
  assert.match(coloured.out, /\x1b\[2m\s*[-+]\d+\.\d \x1b\[0m/, 'a change within noise is dim');
  assert.match(coloured.out, /\x1b\[32m\s*-\d+\.\d\*\x1b\[0m/, 'a significant shrink is green');
  const noColor = await inPty(`${flame} diff`, { TERM: 'xterm', NO_COLOR: '1' });
  assert.ok(!noColor.out.includes(ESC), 'NO_COLOR: no colour');
  assert.match(noColor.out, /\+\d+\.\d\*\s+\+\d+\.\d\* hotspots::fib/);
  const piped = await runFlame(['diff', '--color', 'always'], { cwd: work, env });
  assert.match(piped.stdout, /\x1b\[31m/, '--color always colours a pipe');
  const bad = await runFlame(['diff', '--color', 'sometimes'], { cwd: work, env });
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /^error: --color takes auto, always, never/);

  for (const args of [['frobnicate'], ['lsp', '--tcp'], ['top', '--bogus'], ['diff', 'nonesuch', 'latest']]) {
    const r = await runFlame(args, { cwd: work, env });
    assert.notEqual(r.exitCode, 0, `flame ${args.join(' ')}`);
    assert.match(r.stderr, /^error: /, `flame ${args.join(' ')}: ${r.stderr}`);
  }
});

test('flame watch: the change column and what moved, coloured by verdict; the band with several runs', () => {
  const row = (name: string, self: number, runs?: number[]) => ({
    name,
    self,
    total: self,
    noise: runs
      ? { basis: 'runs' as const, self: { low: self / 1000 - 0.01, high: self / 1000 + 0.01 }, total: { low: 0, high: 1 }, runs: { self: runs, total: runs } }
      : undefined,
  });
  const moved = [
    { name: 'grew', before: 0.1, after: 0.5, delta: 0.4, low: 0.38, high: 0.42, beforeTotal: 0.1, afterTotal: 0.5, significant: true },
    { name: 'shrank', before: 0.5, after: 0.2, delta: -0.3, low: -0.32, high: -0.28, beforeTotal: 0.5, afterTotal: 0.2, significant: true },
    { name: 'wobbled', before: 0.1, after: 0.101, delta: 0.001, low: -0.01, high: 0.012, beforeTotal: 0.1, afterTotal: 0.101, significant: false },
  ];
  const ready = { sessionId: 's', id: 'B', samples: 1000, unit: 'samples', top: [], meta: {} as P.ProfileReady.Params['meta'], moved, movedSince: 'A' };
  const top = {
    profile: 'B',
    samples: 1000,
    unit: 'samples',
    runs: [500, 500],
    functions: [row('grew', 500, [250, 250]), row('shrank', 200, [100, 100]), row('still', 100, [50, 50])],
  };
  const text = profileLines(ready, top, { color: true }, 10).join('\n');
  assert.match(text, /profile B: 1000 samples in 2 runs \(500, 500\)/);
  assert.match(text, /self {2}±self \(2 runs\) +total +change {2}function/, 'the band column with several runs');
  assert.match(text, /50\.0% {2}±1\.0 .*\x1b\[31m {2}\+40\.0\*\x1b\[0m {2}grew/, 'a real growth is red in the table');
  assert.match(text, /\x1b\[32m {2}-30\.0\*\x1b\[0m {2}shrank/, 'a real shrink is green');
  assert.match(text, /\x1b\[2m {7}·\x1b\[0m {2}still/, 'a function outside the moved list is a dim dot');
  assert.match(text, /what moved since A/);
  assert.match(text, /\x1b\[31m {2}\+40\.0\*\x1b\[0m {2}\[\+38\.0, \+42\.0\] +grew/, 'moved: the change with its interval');
  assert.match(text, /\x1b\[2m {5}\+0\.1 {3}\[-1\.0, \+1\.2\] +wobbled {2}\(within noise\)\x1b\[0m/, 'within noise: shown, dim, marked');
  const plain = profileLines({ ...ready, moved: [moved[2]!] }, { ...top, runs: undefined, functions: [row('wobbled', 101)] }, { color: false }, 10).join('\n');
  assert.ok(!plain.includes(ESC));
  assert.doesNotMatch(plain, /±self/, 'no band column for a profile of one run');
  assert.match(plain, /nothing beyond noise/);
  const first = profileLines({ ...ready, moved: undefined, movedSince: undefined }, top, { color: false }, 10).join('\n');
  assert.doesNotMatch(first, /what moved/, "a session's first profile has nothing to compare with");
});

/** A command on a pty of its own, kept running: its output so far, a wait for text in it, and keys typed into it. */
function ptyRun(command: string, extraEnv: Record<string, string>) {
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: work, env: { ...process.env, ...env, ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let waiter: { re: RegExp; resolve: () => void } | undefined;
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (waiter?.re.test(out)) waiter.resolve();
  });
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  return {
    get out() {
      return out;
    },
    until(re: RegExp, timeoutMs = 240_000): Promise<void> {
      if (re.test(out)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${re} in ${timeoutMs} ms; the pty showed: ${JSON.stringify(out.slice(-3000))}`)), timeoutMs);
        waiter = { re, resolve: () => (clearTimeout(t), (waiter = undefined), resolve()) };
      });
    },
    /** Type q, as a user leaves; the exit code. */
    leave(): Promise<number> {
      child.stdin!.write('q');
      return exited;
    },
  };
}

/** The last whole screen the live view drew that holds `marker`. */
function lastScreen(out: string, marker: string): string {
  const screens = out.split('\x1b[H\x1b[2J').filter((f) => f.includes(marker));
  assert.ok(screens.length > 0, `no screen shows ${marker}: ${JSON.stringify(out.slice(-3000))}`);
  return screens.at(-1)!;
}

test('flame watch on a pty: a real change in red with its interval, within noise dim; NO_COLOR; TERM=dumb gets plain lines', { timeout: 900_000 }, async () => {
  const main = path.join(work, 'src', 'main.rs');
  const src = readFileSync(main, 'utf8');
  // Full scale: enough samples that a change of many points stands out of sampling noise.
  const full = { FLAME_FIXTURE_SCALE: '1' };
  const w = ptyRun(`${flame} watch`, { ...full, TERM: 'xterm' });
  await w.until(/profile \S+: \d+ samples/);
  // A real change: fib does far more work (its default depth, the fixture's knob, from 32 to 40: about 47 times the calls).
  writeFileSync(main, src.replace('.unwrap_or(32)', '.unwrap_or(40)'));
  await w.until(/what moved since/);
  assert.equal(await w.leave(), 0, w.out.slice(-2000));
  const screen = lastScreen(w.out, 'what moved since');
  assert.match(screen, /\x1b\[31m +\+\d+\.\d\*\x1b\[0m {2}\[\+\d+\.\d, \+\d+\.\d\] +hotspots::fib/, `fib's growth is red, with its interval: ${screen}`);
  assert.match(screen, /\x1b\[32m +-\d+\.\d\*\x1b\[0m .*hotspots::mix/, "mix's shrink is green");
  // Structure, not luck: every row of what moved is coloured by its own verdict.
  const after = screen.slice(screen.indexOf('what moved since')).split('\n').slice(1);
  const movedRows = after.slice(
    0,
    after.findIndex((l) => l.trim() === ''),
  );
  assert.ok(movedRows.length > 0);
  for (const l of movedRows) {
    if (l.includes('(within noise)')) assert.match(l, /^\x1b\[2m .*\(within noise\)\x1b\[0m\r?$/, l);
    else if (!l.includes('…')) assert.match(l, /^ {2}\x1b\[3[12]m +[-+]\d+\.\d\*\x1b\[0m/, JSON.stringify(l));
  }

  // NO_COLOR: the screen is still redrawn in place, without a colour.
  const n = ptyRun(`${flame} watch`, { ...full, TERM: 'xterm', NO_COLOR: '1' });
  await n.until(/what moved since/);
  assert.equal(await n.leave(), 0, n.out.slice(-2000));
  assert.match(n.out, /\x1b\[H\x1b\[2J/);
  assert.doesNotMatch(n.out, /\x1b\[(31|32|2)m/, 'NO_COLOR: no colour');

  // TERM=dumb: no escape code at all; each state and each profile as plain lines.
  const d = ptyRun(`${flame} watch`, { ...full, TERM: 'dumb' });
  await d.until(/what moved since[^]*\r?\n\r?\n/);
  assert.equal(await d.leave(), 0, d.out.slice(-2000));
  assert.ok(!d.out.includes(ESC), `TERM=dumb gets no escape codes: ${JSON.stringify(d.out.slice(0, 600))}`);
  assert.match(d.out, /^state: build: building bin hotspots\r?$/m);
  // The band column is there when watch's default chose several runs (it fits them to 2 s).
  assert.match(d.out, /^ +self( +±self \(\d+ runs\))? +total +change {2}function\r?$/m);
  writeFileSync(main, src);
});
