// Connect to the workspace's daemon, starting it when none runs, and shake hands. Shared by
// every client (CLI verbs, the language server, scripts).
import { closeSync, existsSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node.js';
import * as P from '../protocol/methods.js';
import type { NotificationType, RequestType } from '../protocol/declare.js';
import { ErrorCodes } from '../protocol/errors.js';
import { FLAME_VERSION, PROTOCOL_VERSION } from '../protocol/version.js';
import { FlameError } from '../common/errors.js';
import { checkPrivateDir, checkSocketPath, daemonPaths, ensurePrivateDir, trustedSocket, type TrustedSocket } from '../common/paths.js';
import { execFile, spawn } from '../common/spawn.js';

export interface Connection {
  conn: MessageConnection;
  info: P.Initialize.Result;
  workspaceRoot: string;
  socket: string;
  /** Who we said we are at handshake, for messages. */
  clientName: string;
  close(): void;
}

export interface ConnectOptions {
  /** A directory inside the workspace (default: cwd). */
  cwd?: string;
  manifestPath?: string;
  clientName?: string;
  /** Start the daemon when none runs (default true). */
  spawn?: boolean;
  /** The workspace root when the caller knows it (skips `cargo locate-project`). */
  workspaceRoot?: string;
  /**
   * Methods the client cannot work without: a daemon that lacks one (another flame version) is
   * refused at handshake with -32910, and left running. Any other method is checked against the
   * daemon's capabilities when it is called.
   */
  requires?: ReadonlyArray<RequestType<unknown, unknown> | NotificationType<unknown>>;
}

const FLAME_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'flame.js');

/** The cargo workspace root for a directory or manifest, via `cargo locate-project`. */
export async function workspaceRootOf(cwd: string, manifestPath?: string): Promise<string> {
  const args = ['locate-project', '--workspace', '--message-format', 'plain'];
  if (manifestPath) args.push('--manifest-path', path.resolve(cwd, manifestPath));
  try {
    // Plain execFile, not execa: clients stay light (common/spawn.ts).
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('cargo', args, { cwd, encoding: 'utf8' }, (err, out, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve(out)));
    });
    return path.dirname(stdout.trim());
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    // spawn names a missing working directory ENOENT too, as if cargo were missing.
    if (e.code === 'ENOENT' && !existsSync(cwd))
      throw new FlameError(ErrorCodes.NotCargoProject, `${cwd} does not exist: run flame inside a cargo project or pass --manifest-path`, { cause: err });
    if (e.code === 'ENOENT')
      throw new FlameError(ErrorCodes.ToolMissing, 'cargo is not installed: install Rust with rustup (https://rustup.rs) and try again', { cause: err });
    throw new FlameError(ErrorCodes.NotCargoProject, `${manifestPath ?? cwd} is not inside a cargo project: run flame inside one or pass --manifest-path`, {
      cause: err,
    });
  }
}

/**
 * Connect to the daemon's socket when one is there and may be trusted (daemon/paths.ts): the
 * runtime directory and the socket's directory private and the user's, the socket the user's,
 * and the directory and socket still so once connected, the socket the same file (a swap
 * between the look and the connect shows). Undefined when no daemon listens there; a
 * FlameError (Untrusted) when another user could be listening.
 */
export async function openSocket(socket: string, runtime = path.dirname(socket), attempt = 0): Promise<net.Socket | undefined> {
  checkPrivateDir(runtime);
  if (!checkPrivateDir(path.dirname(socket))) return undefined;
  const before = trustedSocket(socket);
  if (!before) return undefined;
  const sock = await new Promise<net.Socket | undefined>((resolve) => {
    const s = net.connect(socket);
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(undefined));
  });
  if (!sock) return undefined;
  let after: TrustedSocket | undefined;
  try {
    checkPrivateDir(path.dirname(socket));
    after = trustedSocket(socket);
  } catch (err) {
    sock.destroy();
    throw err;
  }
  if (after && after.dev === before.dev && after.ino === before.ino) return sock;
  sock.destroy();
  if (!after) return undefined; // The daemon is going away (it removes its socket when it stops).
  // Another socket of ours: a daemon replaced a stale one meanwhile (only we can write here). Again.
  if (attempt < 3) return openSocket(socket, runtime, attempt + 1);
  throw new FlameError(
    ErrorCodes.Untrusted,
    `the socket ${socket} keeps being replaced while flame connects to it, so flame does not know who answers: check ${path.dirname(socket)} and try again`,
  );
}

/** Start a detached daemon for `root`; its output goes to its log. */
export function spawnDaemon(root: string): void {
  const paths = daemonPaths(root);
  ensurePrivateDir(paths.dir);
  const out = openSync(`${paths.logFile}.stderr`, 'a', 0o600);
  const child = spawn(process.execPath, [FLAME_BIN, 'daemon', 'run', '--workspace', root], {
    cwd: root,
    detached: true,
    stdio: ['ignore', out, out],
    env: process.env,
  });
  closeSync(out); // the daemon has its own copy; ours would leak one descriptor per spawn
  child.unref();
}

/** Connect (starting the daemon if needed) and shake hands. */
export async function connect(opts: ConnectOptions = {}): Promise<Connection> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const root = opts.workspaceRoot ?? (await workspaceRootOf(cwd, opts.manifestPath));
  const { socket, logFile, dir } = daemonPaths(root);
  checkSocketPath(socket);
  const tryConnect = () => openSocket(socket, dir);
  let sock = await tryConnect();
  if (!sock) {
    if (opts.spawn === false) throw new FlameError(ErrorCodes.DaemonNotRunning, `no flame daemon runs for ${root}; start one with \`flame daemon start\``);
    spawnDaemon(root);
    const deadline = Date.now() + 20_000;
    while (!sock && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      sock = await tryConnect();
    }
    if (!sock) throw new FlameError(ErrorCodes.Internal, `the flame daemon did not start; see ${logFile}.stderr and \`flame daemon status\``);
  }
  const conn = createMessageConnection(new SocketMessageReader(sock), new SocketMessageWriter(sock));
  conn.listen();
  let info: P.Initialize.Result;
  const clientName = opts.clientName ?? 'flame-cli';
  try {
    // Another flame's daemon is used when it has what we require, and otherwise refused and
    // left running: stopping it would stop it for the other flame's clients too (two installed
    // versions would keep replacing each other's daemon). Its refusal says how to stop it.
    const params: P.Initialize.Params = {
      clientName,
      clientVersion: FLAME_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      capabilities: { required: (opts.requires ?? []).map((t) => t.method) },
    };
    info = (await conn.sendRequest(P.Initialize.method, params)) as P.Initialize.Result;
  } catch (err) {
    conn.dispose();
    sock.destroy();
    if (err instanceof ResponseError) throw toFlameError(err);
    // The connection broke before any answer (EPIPE, a reset): say where to look, in one line.
    throw new FlameError(
      ErrorCodes.Internal,
      `the flame daemon at ${socket} closed the connection before answering (${(err as Error)?.message ?? String(err)}); see ${logFile} and \`flame daemon status\``,
      { cause: err },
    );
  }
  return {
    conn,
    info,
    workspaceRoot: root,
    socket,
    clientName,
    close() {
      conn.dispose();
      sock!.end();
    },
  };
}

/** JSON-RPC errors from the daemon, as FlameErrors the CLI prints. */
function toFlameError(err: unknown): unknown {
  if (err instanceof ResponseError) return new FlameError(err.code as never, err.message, { data: err.data, cause: err });
  return err;
}

/**
 * Send a request through its declaration, so params and result are the declared types; a method
 * the daemon lacks is -32910 saying what to do, JSON-RPC errors become FlameErrors.
 */
export async function request<P, R>(c: Connection, type: RequestType<P, R>, params: P): Promise<R> {
  if (!c.info.capabilities.methods.includes(type.method)) {
    throw P.missingCapability([type.method], { daemonVersion: c.info.daemonVersion, clientName: c.clientName, clientVersion: FLAME_VERSION });
  }
  try {
    return await send(c.conn, type, params);
  } catch (err) {
    throw toFlameError(err);
  }
}

/** Send a request through its declaration on a bare JSON-RPC connection (errors as they come). */
export function send<P, R>(conn: MessageConnection, type: RequestType<P, R>, params: P): Promise<R> {
  return conn.sendRequest(type.method, params) as Promise<R>;
}

/** Handle a notification through its declaration, typed, on a bare JSON-RPC connection. */
export function listen<P>(conn: MessageConnection, type: NotificationType<P>, fn: (params: P) => void): void {
  conn.onNotification(type.method, fn);
}

/** Handle a notification through its declaration, typed. */
export function onNotification<P>(c: Connection, type: NotificationType<P>, fn: (params: P) => void): void {
  listen(c.conn, type, fn);
}

/**
 * Stop the workspace's daemon, whatever flame version it is (status and shutdown answer before
 * the handshake in every version): what it was, or undefined when none runs.
 */
export async function stopDaemon(root: string): Promise<{ pid: number; version: string } | undefined> {
  const { socket, dir } = daemonPaths(root);
  const sock = await openSocket(socket, dir);
  if (!sock) return undefined;
  const conn = createMessageConnection(new SocketMessageReader(sock), new SocketMessageWriter(sock));
  conn.listen();
  try {
    const status = (await conn.sendRequest(P.Status.method, {})) as P.Status.Result;
    await conn.sendRequest(P.Shutdown.method, {});
    return { pid: status.pid, version: status.version };
  } catch (err) {
    throw toFlameError(err);
  } finally {
    conn.dispose();
    sock.destroy();
  }
}
