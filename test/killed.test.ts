// Tools killed under flame (the real cargo and perf, found in flame's process tree and sent
// SIGKILL) are reported as killed, with the signal, never as "unknown error", "not a cargo
// project" or the program's own output passed off as perf's error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, FLAME_BIN, scratch } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  pid: number;
  ppid: number;
  args: string[];
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      out.push({ pid: Number(name), ppid, args });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every process below `root` (not only its children: cargo runs under rustup's proxy). */
function descendants(root: number): Proc[] {
  const all = processes();
  const found: Proc[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
}

/** Wait for a process below `root` that `pred` picks. */
async function waitFor(root: number, pred: (p: Proc) => boolean, what: string): Promise<Proc> {
  for (let i = 0; i < 1200; i++) {
    const p = descendants(root).find(pred);
    if (p) return p;
    await sleep(100);
  }
  throw new Error(`no ${what} below pid ${root}`);
}

const tool = (name: string, sub: string) => (p: Proc) => p.args.some((a) => path.basename(a) === name) && p.args.includes(sub);

/** Run flame, let `act` kill something of its tree, and collect what it said. */
async function flameKilling(args: string[], cwd: string, act: (pid: number) => Promise<void>): Promise<{ code: number | null; stderr: string }> {
  const env = { ...process.env, FLAME_RUNTIME_DIR: scratch('flame-killed-rt-'), FLAME_CACHE_DIR: scratch('flame-killed-cache-') };
  const child = spawn(process.execPath, [FLAME_BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  child.stdout.resume();
  const closed = new Promise<number | null>((r) => child.on('close', r));
  try {
    await act(child.pid!);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { code: await closed, stderr };
}

/** flame's one-line error. */
const errorLine = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('error:')) ?? '';

test('a killed `cargo metadata` is reported as killed, not as "not a cargo project"', { timeout: 60_000 }, async () => {
  // A manifest that is a FIFO: cargo blocks reading it, long enough to be found and killed.
  const dir = scratch('flame-killed-meta-');
  execFileSync('mkfifo', [path.join(dir, 'Cargo.toml')]);
  const r = await flameKilling(['daemon', 'run', '--workspace', dir, '--idle-timeout', '0'], dir, async (pid) => {
    const cargo = await waitFor(pid, tool('cargo', 'metadata'), 'cargo metadata');
    process.kill(cargo.pid, 'SIGKILL');
  });
  assert.notEqual(r.code, 0);
  assert.match(errorLine(r.stderr), /cargo metadata was killed by signal SIGKILL .*run the command again/);
});

test('a killed `cargo build` is reported as killed by its signal, not "unknown error"', { timeout: 300_000 }, async () => {
  // slowbuild's build script sleeps for an hour: the build is there to be killed.
  const ws = scratch('flame-killed-build-');
  cpSync(path.join(FIXTURES, 'slowbuild'), ws, { recursive: true, filter: (s) => !s.includes(`${path.sep}target`) });
  let left: Proc[] = [];
  const r = await flameKilling(['record', '-o', path.join(ws, 'out.svg')], ws, async (pid) => {
    const cargo = await waitFor(pid, tool('cargo', 'build'), 'cargo build');
    await waitFor(cargo.pid, (p) => p.args.some((a) => a.includes('build-script-build')), 'the build script');
    left = descendants(cargo.pid);
    process.kill(cargo.pid, 'SIGKILL');
  });
  // What cargo ran dies with it only by its own hand; the test cleans up after itself.
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  assert.equal(r.code, 1, r.stderr);
  assert.match(errorLine(r.stderr), /cargo build was killed by signal SIGKILL/);
});

test("a killed perf is reported as killed, without the program's output as its error", { timeout: 300_000 }, async () => {
  const ws = scratch('flame-killed-perf-');
  cpSync(path.join(FIXTURES, 'graceful'), ws, { recursive: true, filter: (s) => !s.includes(`${path.sep}target`) });
  let program: Proc | undefined;
  const r = await flameKilling(['record', '-o', path.join(ws, 'out.svg')], ws, async (pid) => {
    const perf = await waitFor(pid, tool('perf', 'record'), 'perf record');
    program = await waitFor(perf.pid, (p) => p.args.some((a) => path.basename(a) === 'graceful'), 'the program');
    await sleep(500);
    process.kill(perf.pid, 'SIGKILL');
  });
  if (program) {
    try {
      process.kill(program.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  assert.equal(r.code, 1, r.stderr);
  const line = errorLine(r.stderr);
  assert.match(line, /perf record was killed by signal SIGKILL/);
  assert.doesNotMatch(line, /graceful:/);
});
