// A real daemon for tests and benchmarks: a private runtime directory and socket, a temp copy of
// a fixture crate (or a workspace the caller prepared), run as `flame daemon run` in a child.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { connect, type Connection } from '../clients/connect.js';
import { FIXTURES, FLAME_BIN, scratch } from './helpers.js';

export interface TestDaemon {
  /** The cargo workspace the daemon serves. */
  work: string;
  runtime: string;
  socket: string;
  /** FLAME_RUNTIME_DIR, FLAME_SOCKET, FLAME_CACHE_DIR and the caller's extras: pass to every client. */
  env: Record<string, string>;
  child: ChildProcess;
  /** A protocol client of this daemon. */
  client(name?: string): Promise<Connection>;
  /** Start the daemon again after it exited (a restart keeps the workspace and its store). */
  restart(): Promise<void>;
  /** SIGTERM, then SIGKILL if it is still there after 5 s. */
  stop(): Promise<void>;
}

export interface DaemonOptions {
  /** Prefix of the temp directories. */
  prefix: string;
  /** Serve this prepared workspace instead of a fresh copy of `crate`. */
  workspace?: string;
  /** The fixture crate to copy (default test/fixtures/hotspots), without its target/. */
  crate?: string;
  /** More environment for the daemon and its clients (FLAME_FIXTURE_SCALE, FLAME_DEBOUNCE_MS…). */
  env?: Record<string, string>;
}

/**
 * Copy the crate (unless given a workspace), start a daemon for it and wait until it listens.
 * Its directories go when the process exits.
 */
export async function startDaemon(opts: DaemonOptions): Promise<TestDaemon> {
  let work = opts.workspace;
  if (work === undefined) {
    work = scratch(`${opts.prefix}-ws-`);
    cpSync(opts.crate ?? path.join(FIXTURES, 'hotspots'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  }
  const runtime = scratch(`${opts.prefix}-rt-`);
  const socket = path.join(runtime, 'd.sock');
  const env = { FLAME_RUNTIME_DIR: runtime, FLAME_SOCKET: socket, FLAME_CACHE_DIR: path.join(runtime, 'cache'), ...opts.env };
  const d: TestDaemon = {
    work,
    runtime,
    socket,
    env,
    child: undefined as unknown as ChildProcess,
    async client(name = 'test') {
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        return await connect({ cwd: work, spawn: false, clientName: name });
      } finally {
        process.env = saved;
      }
    },
    async restart() {
      d.child = spawn(process.execPath, [FLAME_BIN, 'daemon', 'run', '--workspace', work!, '--idle-timeout', '0'], {
        env: { ...process.env, ...env },
        stdio: 'ignore',
      });
      await waitForSocket(socket, d.child);
    },
    async stop() {
      const child = d.child;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  await d.restart();
  return d;
}

/** Resolve once `socket` accepts a connection; reject when the child exits or time runs out. */
export function waitForSocket(socket: string, child?: ChildProcess, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      if (child && child.exitCode !== null) return reject(new Error(`the daemon exited with ${child.exitCode} before listening`));
      const s = net.connect(socket);
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () =>
        Date.now() > deadline ? reject(new Error(`the daemon did not listen on ${socket} within ${timeoutMs} ms`)) : setTimeout(poll, 100),
      );
    };
    poll();
  });
}
