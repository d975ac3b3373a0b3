// Failures of the user's world on the way to a daemon (a runtime directory too deep for a unix
// socket, a socket where nobody may listen, a workspace that is not there) are one line that says
// what to change, exit 1; never "internal error … please report this" with a stack (exit 70).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, runFlame, scratch, type RunResult } from './helpers.js';

const WORKSPACE = path.join(FIXTURES, 'hotspots');

function oneLine(r: RunResult, pattern: RegExp): void {
  assert.equal(r.exitCode, 1, `exit 1 expected; stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
}

/** A private runtime directory whose sockets' paths are longer than the 107 bytes unix allows. */
function deepRuntime(): string {
  return path.join(scratch('flame-deep-'), 'd'.repeat(100));
}

test('a runtime directory too deep for a unix socket is refused by the daemon with the fix', { timeout: 60_000 }, async () => {
  const env = { FLAME_RUNTIME_DIR: deepRuntime(), FLAME_SOCKET: '' };
  const r = await runFlame(['daemon', 'run', '--workspace', WORKSPACE, '--idle-timeout', '0'], { cwd: WORKSPACE, env });
  oneLine(
    r,
    /^error: the daemon's socket path .*\.sock is \d+ bytes, longer than the 107 a unix socket may have: set FLAME_RUNTIME_DIR to a shorter directory/,
  );
});

test('clients refuse the same socket path before they look for a daemon or start one', async () => {
  const env = { FLAME_RUNTIME_DIR: deepRuntime(), FLAME_SOCKET: '' };
  // `status` would say that no daemon runs, `start` would wait 20 s for one that cannot listen.
  for (const verb of ['status', 'start']) {
    oneLine(await runFlame(['daemon', verb], { cwd: WORKSPACE, env }), /longer than the 107 a unix socket may have: set FLAME_RUNTIME_DIR/);
  }
  const long = path.join(scratch('flame-deep-'), `${'s'.repeat(110)}.sock`);
  oneLine(await runFlame(['daemon', 'status'], { cwd: WORKSPACE, env: { FLAME_SOCKET: long } }), /longer than the 107 .*: set FLAME_SOCKET to a shorter path/);
});

test('a socket path nobody may listen on is refused in one line', { timeout: 60_000 }, async () => {
  // /proc takes no new files, even from root.
  const r = await runFlame(['daemon', 'run', '--workspace', WORKSPACE, '--idle-timeout', '0'], {
    cwd: WORKSPACE,
    env: { FLAME_SOCKET: '/proc/flame-test.sock' },
  });
  oneLine(
    r,
    /^error: the flame daemon cannot listen on \/proc\/flame-test\.sock \(EACCES\): set FLAME_SOCKET to a shorter path in a directory of your own, or unset it$/,
  );
});

test('a second daemon for a workspace refuses and exits, leaving nothing running', { timeout: 60_000 }, async () => {
  const env = { FLAME_RUNTIME_DIR: scratch('flame-rt-'), FLAME_SOCKET: '' };
  await runFlame(['daemon', 'start'], { cwd: WORKSPACE, env });
  try {
    // It used to print the refusal and then stay up: its watcher and query threads were running.
    const r = await runFlame(['daemon', 'run', '--idle-timeout', '0'], { cwd: WORKSPACE, env });
    oneLine(r, /^error: a flame daemon already listens on .*: `flame daemon stop` stops it$/);
  } finally {
    await runFlame(['daemon', 'stop'], { cwd: WORKSPACE, env });
  }
});

test('a workspace directory that does not exist is named as such, not as a missing cargo', async () => {
  const missing = path.join(scratch('flame-gone-'), 'nowhere');
  oneLine(
    await runFlame(['daemon', 'run', '--workspace', missing, '--idle-timeout', '0'], { env: { FLAME_RUNTIME_DIR: scratch('flame-rt-') } }),
    new RegExp(`^error: ${missing} does not exist: run flame inside a cargo project or pass --manifest-path$`),
  );
});
