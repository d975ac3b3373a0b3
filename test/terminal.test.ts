// The terminal rules of every verb (clients/cli/term.ts), and the CLI through a real pty
// (util-linux's `script`): `TERM=dumb` gets no escape codes, a terminal reporting 0 columns
// keeps whole messages, `flame diff` colours only real changes and honours NO_COLOR and
// --color, and every error starts with `error:`.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { terminal, paint, colorChoice } from '../clients/cli/term.js';
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
  env = { FLAME_RUNTIME_DIR: runtime, FLAME_CACHE_DIR: path.join(runtime, 'cache'), FLAME_FIXTURE_SCALE: '0.3' };
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
