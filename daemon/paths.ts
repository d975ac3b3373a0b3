// Where a workspace's daemon lives: a short socket path derived from the workspace root, in a
// directory only the user can enter (unix socket paths are limited to ~107 bytes).
import { createHash } from 'node:crypto';
import { mkdirSync, statSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface DaemonPaths {
  dir: string;
  socket: string;
  logFile: string;
}

/** The private runtime directory: $FLAME_RUNTIME_DIR, else $XDG_RUNTIME_DIR/flame, else /tmp/flame-<uid>. */
export function runtimeDir(): string {
  if (process.env.FLAME_RUNTIME_DIR) return process.env.FLAME_RUNTIME_DIR;
  if (process.env.XDG_RUNTIME_DIR) return path.join(process.env.XDG_RUNTIME_DIR, 'flame');
  const uid = typeof process.getuid === 'function' ? process.getuid() : os.userInfo().username;
  return path.join(os.tmpdir(), `flame-${uid}`);
}

/** Paths for the daemon of `workspaceRoot`; FLAME_SOCKET overrides the socket. */
export function daemonPaths(workspaceRoot: string): DaemonPaths {
  const dir = runtimeDir();
  const key = createHash('sha256').update(path.resolve(workspaceRoot)).digest('hex').slice(0, 16);
  const socket = process.env.FLAME_SOCKET ?? path.join(dir, `${key}.sock`);
  return { dir, socket, logFile: path.join(dir, `${key}.log`) };
}

/** Create the runtime directory with mode 0700 and refuse one that others can enter. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (st.uid !== uid) throw new Error(`${dir} belongs to another user; set FLAME_RUNTIME_DIR to a directory of your own`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
