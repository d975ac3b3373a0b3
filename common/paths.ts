// Where a workspace's daemon lives: a short socket path derived from the workspace root, in a
// directory only the user can enter (unix socket paths are limited to ~107 bytes). Whoever can
// put a socket at that path answers the user's clients (and root's), so a client trusts a
// socket only when it and its directory are the user's own and no one else may write there.
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorCodes, FlameError } from './errors.js';

export interface DaemonPaths {
  dir: string;
  socket: string;
  logFile: string;
}

/** The private runtime directory: $FLAME_RUNTIME_DIR, else $XDG_RUNTIME_DIR/flame, else /tmp/flame-<uid>. */
function runtimeDir(): string {
  if (process.env.FLAME_RUNTIME_DIR) return process.env.FLAME_RUNTIME_DIR;
  if (process.env.XDG_RUNTIME_DIR) return path.join(process.env.XDG_RUNTIME_DIR, 'flame');
  const uid = typeof process.getuid === 'function' ? process.getuid() : os.userInfo().username;
  return path.join(os.tmpdir(), `flame-${uid}`);
}

/** Paths for the daemon of `workspaceRoot`; FLAME_SOCKET overrides the socket. */
export function daemonPaths(workspaceRoot: string): DaemonPaths {
  const dir = runtimeDir();
  const key = createHash('sha256').update(path.resolve(workspaceRoot)).digest('hex').slice(0, 16);
  const socket = process.env.FLAME_SOCKET || path.join(dir, `${key}.sock`);
  return { dir, socket, logFile: path.join(dir, `${key}.log`) };
}

/** Create the runtime directory with mode 0700 and refuse one that others control (checkPrivateDir). */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // EEXIST: a dangling symlink or a file is there; checkPrivateDir names it.
    if (code !== 'EEXIST') throw untrusted(`cannot create flame's runtime directory ${dir} (${code ?? String(err)}): ${FIX_DIR}`, err);
  }
  checkPrivateDir(dir);
}

/**
 * Whether `dir` exists (false when it does not), refusing one a client must not trust: a
 * symlink (anyone who could make it could point it anywhere), another user's, or one that
 * others may write into (they could have put the socket there), as watchman refuses its state
 * directory. Group or world read/search bits on our own directory are just removed.
 */
export function checkPrivateDir(dir: string): boolean {
  const st = lstatOrUndefined(dir);
  if (!st) return false;
  if (st.isSymbolicLink())
    throw untrusted(`flame's runtime directory ${dir} is a symbolic link, which flame does not follow: remove it (flame makes a private one) or ${FIX_DIR}`);
  if (!st.isDirectory()) throw untrusted(`flame's runtime directory ${dir} is not a directory: remove it or ${FIX_DIR}`);
  if (st.uid !== myUid())
    throw untrusted(
      `flame's runtime directory ${dir} belongs to ${userName(st.uid)}, not to you (${userName(myUid())}), who could answer as flame's daemon: remove it or ${FIX_DIR}`,
    );
  if ((st.mode & 0o022) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    throw untrusted(
      `flame's runtime directory ${dir} is writable by other users (mode ${mode}), who could answer as flame's daemon: check that everything in it is yours, then \`chmod 700 ${dir}\`, or ${FIX_DIR}`,
    );
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return true;
}

/** The identity of a socket flame may connect to, or undefined when nothing is at `socket`. */
export interface TrustedSocket {
  dev: number;
  ino: number;
}

/**
 * The socket at `socket` if it is one and the user's own: only a process of the user (or root)
 * can bind a socket owned by the user, so its owner stands for the peer's uid, which Node cannot
 * ask the kernel for (no SO_PEERCRED). Checked before and after connecting (clients/connect.ts).
 */
export function trustedSocket(socket: string): TrustedSocket | undefined {
  const st = lstatOrUndefined(socket);
  if (!st) return undefined;
  if (!st.isSocket()) throw untrusted(`${socket} is not a socket (flame's daemon listens there): remove it and try again`);
  if (st.uid !== myUid())
    throw untrusted(
      `the socket ${socket} belongs to ${userName(st.uid)}, not to you (${userName(myUid())}): another user may be posing as flame's daemon; remove it and try again`,
    );
  return { dev: st.dev, ino: st.ino };
}

/**
 * Refuse a socket path the kernel would not take whole: sun_path holds 108 bytes with its NUL,
 * and a longer path is not an error to bind(2) from Node but a socket at a truncated name that
 * no client finds. Checked by the daemon before it listens and by clients before they connect,
 * so that neither waits for a daemon that cannot be reached.
 */
export function checkSocketPath(socket: string): void {
  const bytes = Buffer.byteLength(socket);
  if (bytes <= SOCKET_PATH_MAX) return;
  throw new FlameError(
    ErrorCodes.SocketUnusable,
    `the daemon's socket path ${socket} is ${bytes} bytes, longer than the ${SOCKET_PATH_MAX} a unix socket may have: ${fixSocket()}`,
  );
}

/** A socket the daemon could not listen on, with what to change. */
export function socketUnusable(socket: string, err: unknown): FlameError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  return new FlameError(ErrorCodes.SocketUnusable, `the flame daemon cannot listen on ${socket} (${code}): ${fixSocket()}`, { cause: err });
}

const SOCKET_PATH_MAX = 107;

const FIX_DIR = 'set FLAME_RUNTIME_DIR to a directory of your own with mode 0700';

function fixSocket(): string {
  return process.env.FLAME_SOCKET
    ? 'set FLAME_SOCKET to a shorter path in a directory of your own, or unset it'
    : 'set FLAME_RUNTIME_DIR to a shorter directory of your own with mode 0700';
}

function untrusted(message: string, cause?: unknown): FlameError {
  return new FlameError(ErrorCodes.Untrusted, message, cause === undefined ? {} : { cause });
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw untrusted(`cannot inspect ${p} (${(err as NodeJS.ErrnoException).code ?? String(err)}): ${FIX_DIR}`, err);
  }
}

function myUid(): number {
  return typeof process.geteuid === 'function' ? process.geteuid() : os.userInfo().uid;
}

/** "user evil (uid 1001)", or just the uid when /etc/passwd does not name it. */
function userName(uid: number): string {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid));
    if (line) return `user ${line.split(':')[0]} (uid ${uid})`;
  } catch {
    // No passwd file to read: the uid alone still says it.
  }
  return `uid ${uid}`;
}
