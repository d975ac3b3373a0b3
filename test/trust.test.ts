// Who answers root's client: as root, a throwaway user listens where flame's daemon would (in a
// 0777 runtime directory, through a symlink, in a directory of its own, or with its socket
// moved into root's private directory). Every client (the CLI, the language server, the daemon
// itself) refuses in one line with exit 1, and the other user's listener is never reached.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, renameSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { daemonPaths } from '../common/paths.js';
import { LspClient } from './lsp-harness.js';
import { FIXTURES, runFlame, scratch, type RunResult } from './helpers.js';

const USER = `flame-t${process.pid % 100000}`;
let uid = 0;
let gid = 0;
let work: string;
const listeners: ChildProcess[] = [];

// The other user's "daemon": answers every JSON-RPC request, initialize with a plausible
// handshake and anything else with a function name of its own, and says when it is reached.
const IMPOSTOR = `
const net = require('node:net');
net.createServer((c) => {
  process.stdout.write('reached\\n');
  let buf = Buffer.alloc(0);
  c.on('error', () => {});
  c.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const h = buf.indexOf('\\r\\n\\r\\n');
      if (h < 0) return;
      const len = Number(/Content-Length: *(\\d+)/i.exec(buf.subarray(0, h).toString())[1]);
      if (buf.length < h + 4 + len) return;
      const msg = JSON.parse(buf.subarray(h + 4, h + 4 + len).toString());
      buf = buf.subarray(h + 4 + len);
      if (msg.id === undefined) continue;
      const result = msg.method === 'initialize'
        ? { daemonVersion: msg.params.clientVersion, protocolVersion: msg.params.protocolVersion, workspaceRoot: '/', pid: process.pid, capabilities: { methods: [] } }
        : { profile: 'impostor', samples: 1, unit: 'samples', functions: [{ name: 'impostor_function', self: 1, total: 1 }], url: 'http://evil.example/phish' };
      const body = JSON.stringify({ jsonrpc: '2.0', id: msg.id, result });
      c.write('Content-Length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body);
    }
  });
}).listen(process.argv[1], () => process.stdout.write('listening\\n'));
`;

/** Run the impostor as USER on `socket`; resolves once it listens, with a probe of whether it was reached. */
function impostor(socket: string): Promise<{ reached: () => boolean }> {
  const child = spawn('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', process.execPath, '-e', IMPOSTOR, socket], {
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  listeners.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening')) resolve({ reached: () => out.includes('reached') });
    });
    child.once('exit', (code) => reject(new Error(`the impostor exited with ${code}: ${err}`)));
  });
}

/** A directory owned by USER with `mode`. */
function userDir(prefix: string, mode: number): string {
  const d = scratch(prefix);
  chownSync(d, uid, gid);
  chmodSync(d, mode);
  return d;
}

function oneLine(r: RunResult, pattern: RegExp): void {
  assert.equal(r.exitCode, 1, `exit 1 expected; stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stdout, /impostor_function|evil\.example/);
}

before(() => {
  assert.equal(process.getuid?.(), 0, 'the cross-user cases run as root (as CI does)');
  delete process.env.FLAME_SOCKET; // The default socket path in the runtime directory, as a user has it.
  execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
  uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
  gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
  work = scratch('flame-trust-ws-');
  cpSync(path.join(FIXTURES, 'hotspots'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
});

after(() => {
  for (const l of listeners) l.kill('SIGKILL');
  try {
    execFileSync('userdel', [USER]);
  } catch {
    // Its processes may still be exiting; try once more.
    execFileSync('sleep', ['1']);
    execFileSync('userdel', ['--force', USER]);
  }
});

/** Where root's client looks for the daemon of `work` with FLAME_RUNTIME_DIR=`runtime`. */
function socketIn(runtime: string): string {
  const saved = process.env.FLAME_RUNTIME_DIR;
  process.env.FLAME_RUNTIME_DIR = runtime;
  try {
    return daemonPaths(work).socket;
  } finally {
    process.env.FLAME_RUNTIME_DIR = saved;
  }
}

const envFor = (runtime: string) => ({ FLAME_RUNTIME_DIR: runtime });

test("another user's socket moved into root's private runtime directory is refused", async () => {
  const runtime = scratch('flame-trust-rt-');
  const own = userDir('flame-trust-evil-', 0o755);
  const imp = await impostor(path.join(own, 'd.sock'));
  renameSync(path.join(own, 'd.sock'), socketIn(runtime));
  const r = await runFlame(['top'], { cwd: work, env: envFor(runtime) });
  oneLine(r, new RegExp(`^error: the socket .*\\.sock belongs to user ${USER} \\(uid ${uid}\\), not to you .*posing as flame's daemon; remove it`));
  assert.equal(imp.reached(), false);
});

test('a runtime directory that others may write into (0777, made by root) is refused, not used', async () => {
  const runtime = scratch('flame-trust-rt-');
  chmodSync(runtime, 0o777);
  const imp = await impostor(socketIn(runtime));
  const r = await runFlame(['top'], { cwd: work, env: envFor(runtime) });
  oneLine(r, /^error: flame's runtime directory .* is writable by other users \(mode 0777\).*`chmod 700 /);
  assert.equal(imp.reached(), false);
  // `flame web --json` would have printed the impostor's address for `--open` to open.
  oneLine(await runFlame(['web', '--json'], { cwd: work, env: envFor(runtime) }), /writable by other users/);
  assert.equal(imp.reached(), false);
  // The daemon refuses to serve there too, rather than quietly making the directory private.
  const d = await runFlame(['daemon', 'run', '--workspace', work, '--idle-timeout', '0'], { cwd: work, env: envFor(runtime) });
  oneLine(d, /writable by other users \(mode 0777\)/);
  assert.equal(statSync(runtime).mode & 0o777, 0o777);
});

test('a symlinked runtime directory is refused', async () => {
  const target = userDir('flame-trust-evil-', 0o700);
  const runtime = path.join(scratch('flame-trust-link-'), 'rt');
  symlinkSync(target, runtime);
  const imp = await impostor(socketIn(target));
  const r = await runFlame(['top'], { cwd: work, env: envFor(runtime) });
  oneLine(r, /^error: flame's runtime directory .*\/rt is a symbolic link, which flame does not follow: remove it/);
  assert.equal(imp.reached(), false);
});

test('a runtime directory of another user is refused in one line, not as an internal error', async () => {
  const runtime = userDir('flame-trust-rt-', 0o700);
  const imp = await impostor(socketIn(runtime));
  oneLine(
    await runFlame(['top'], { cwd: work, env: envFor(runtime) }),
    new RegExp(`^error: flame's runtime directory .* belongs to user ${USER} \\(uid ${uid}\\), not to you \\(user root \\(uid 0\\)\\)`),
  );
  // Starting a daemon (what `flame watch` and `flame web` do when none runs) is refused the same way.
  oneLine(await runFlame(['daemon', 'start'], { cwd: work, env: envFor(runtime) }), new RegExp(`belongs to user ${USER}`));
  assert.equal(imp.reached(), false);
});

test('the language server (and so the VS Code extension) shows the same one-line refusal', async () => {
  const runtime = scratch('flame-trust-rt-');
  chmodSync(runtime, 0o777);
  const imp = await impostor(socketIn(runtime));
  const lsp = new LspClient({ ...process.env, ...envFor(runtime) }, work);
  try {
    await lsp.initialize(work);
    const shown = await lsp.next((m) => m.method === 'window/showMessage' && /runtime directory/.test((m.params as { message: string }).message), 60000);
    const { type, message } = shown.params as { type: number; message: string };
    assert.equal(type, 1); // Error
    assert.match(message, /^flame: flame's runtime directory .* is writable by other users \(mode 0777\)/);
    assert.doesNotMatch(message, /\n/);
  } finally {
    await lsp.close();
  }
  assert.equal(imp.reached(), false);
  assert.ok(existsSync(runtime));
});
