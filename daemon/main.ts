// The daemon's wiring: find the workspace, open the store, watch the sources, listen on the
// private socket (or stdio), and exit when idle. Logic lives in session.ts and server.ts.
import { rmSync, chmodSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageReader, type MessageWriter } from 'vscode-jsonrpc/node.js';
import * as P from '../protocol/methods.js';
import { originContext, readMetadata } from '../engine/cargo/target.js';
import { configureLogging, logger } from '../common/log.js';
import { checkSocketPath, daemonPaths, ensurePrivateDir, socketUnusable, trustedSocket } from '../common/paths.js';
import { ErrorCodes, FlameError } from '../common/errors.js';
import { Clients, serve, type ServerContext } from './server/server.js';
import { SessionManager, type SessionEvents } from './sessions/session.js';
import { readyParams } from './sessions/moved.js';
import { FrameGuard } from './server/frame-guard.js';
import { startReaper } from '../common/spawn.js';
import { historyDir, retention } from '../engine/store/history.js';
import { historyQueries } from '../engine/query/history-queries.js';
import { QueryThreads } from './server/query-thread.js';
import { ProfileStore } from '../engine/store/store.js';
import { watchStore } from './watch/store-watch.js';
import { SourceWatcher } from './watch/watch.js';
import { WebServer } from './web/web.js';
import { AutoPush } from './push/auto-push.js';

export interface DaemonOptions {
  /** Any directory inside the cargo workspace (or its manifest). */
  workspace: string;
  manifestPath?: string;
  /** Serve one client over stdin/stdout instead of a socket. */
  stdio?: boolean;
  idleTimeoutMs?: number;
  retention?: number;
  debounceMs?: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60 * 1000;

/** Run the daemon until shutdown; resolves when it has stopped. */
export async function runDaemon(opts: DaemonOptions): Promise<void> {
  const meta = await readMetadata({ cwd: opts.workspace, manifestPath: opts.manifestPath });
  const root = meta.workspaceRoot;
  const paths = daemonPaths(root);
  ensurePrivateDir(paths.dir);
  if (!opts.stdio) {
    checkSocketPath(paths.socket);
    ensurePrivateDir(path.dirname(paths.socket));
  }
  configureLogging({ file: paths.logFile });
  startReaper();
  const log = logger('daemon');
  const idleTimeoutMs = opts.idleTimeoutMs ?? Number(process.env.FLAME_IDLE_TIMEOUT_MS ?? DEFAULT_IDLE_TIMEOUT_MS);
  // A parsed million-sample profile with its query indexes holds a few hundred MB; the latest
  // and its diff base are what clients ask for.
  const cacheSize = Number(process.env.FLAME_PROFILE_CACHE ?? 2);
  const store = await ProfileStore.open(historyDir(meta.targetDirectory), { retention: opts.retention ?? retention(), cacheSize });
  const queries = new QueryThreads({ storeDir: store.dir, retention: store.retention, cacheSize, workspace: originContext(meta) }, [
    ...historyQueries(store).keys(),
  ]);
  const clients = new Clients();
  // The push setting: each profile that joins the history goes to the configured Pyroscope server.
  const autoPush = new AutoPush({
    store,
    targetDir: meta.targetDirectory,
    readMetadata: () => readMetadata({ cwd: root, manifestPath: opts.manifestPath }),
    log: logger('push'),
  });
  const memberDirs = meta.packages.filter((p) => meta.workspaceMembers.includes(p.id)).map((p) => path.dirname(p.manifestPath));

  const events: SessionEvents = {
    buildStarted: (sessionId, target) => clients.broadcast(P.BuildStarted.type, { sessionId, target }),
    buildFinished: (sessionId, r) => clients.broadcast(P.BuildFinished.type, { sessionId, ...r }),
    recordStarted: (sessionId, executable) => clients.broadcast(P.RecordStarted.type, { sessionId, executable }),
    recordFinished: (sessionId, r) => clients.broadcast(P.RecordFinished.type, { sessionId, ...r }),
    progress: (sessionId, p) => clients.broadcast(P.Progress.type, { sessionId, ...p }),
    profileReady: (params) => {
      clients.broadcast(P.ProfileReady.type, params);
      if (params.meta) autoPush.profileJoined(params.meta);
    },
    error: (sessionId, code, message) => clients.broadcast(P.SessionError.type, { sessionId, code, message }),
    programOutput: (sessionId, batch) => clients.broadcast(P.ProgramOutput.type, { sessionId, ...batch }),
    stateChanged: () => touch(),
  };
  const sessions = new SessionManager({ root, targetDir: meta.targetDirectory, memberDirs }, store, events, {
    diff: (base, current) => queries.call(P.Diff.method, { base, current, limit: P.ProfileReady.MOVED_LIMIT }) as Promise<P.Diff.Result>,
  });
  const watcher = new SourceWatcher({
    root,
    memberDirs,
    targetDir: meta.targetDirectory,
    debounceMs: opts.debounceMs ?? envMs('FLAME_DEBOUNCE_MS'),
    maxWaitMs: envMs('FLAME_DEBOUNCE_MAX_MS'),
  });
  watcher.on('change', (changed: string[]) => {
    if (changed.some((f) => path.basename(f) === 'Cargo.toml')) autoPush.manifestChanged();
    sessions.sourcesChanged(changed);
  });

  let stopping = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let server: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down');
    void (async () => {
      await sessions.close();
      // A push under way is ended, not waited for: its entry stays queued.
      await autoPush.close();
      await watcher.close();
      storeWatch.close();
      await queries.close();
      for (const c of clients.all.values()) c.dispose();
      // Disposing a connection leaves its socket open, and an open socket keeps the process
      // alive: drop any client still connected once queued answers (daemon/shutdown's) are out.
      setTimeout(() => {
        for (const sock of sockets) sock.destroy();
      }, 500).unref();
      await web.close();
      if (server) {
        server.close();
        rmSync(paths.socket, { force: true });
      }
      resolveStopped();
    })();
  };

  // Idle exit: no client and nothing being watched for idleTimeoutMs.
  let idleTimer: NodeJS.Timeout | undefined;
  const touch = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    if (clients.all.size === 0 && !sessions.active && idleTimeoutMs > 0) {
      idleTimer = setTimeout(() => {
        if (clients.all.size === 0 && !sessions.active) {
          log.info({ idleTimeoutMs }, 'idle; exiting');
          shutdown();
        }
      }, idleTimeoutMs);
      idleTimer.unref();
    }
  };

  // The web page's WebSockets are clients like the socket's (web.ts); started on first web/url.
  const web = new WebServer({ workspaceRoot: root, attach: (reader, writer) => accept(reader, writer) });
  // Profiles that `flame record` stores itself, with or without telling us (profile/added): the
  // store takes each in once, whichever refresh finds it first, and every client hears of it.
  store.onTakenIn((m) => events.profileReady(readyParams(undefined, m)));
  const storeWatch = watchStore(store);
  const ctx: ServerContext = {
    workspaceRoot: root,
    socket: opts.stdio ? 'stdio' : paths.socket,
    logFile: paths.logFile,
    startedAt: Date.now(),
    idleTimeoutMs,
    store,
    sessions,
    shutdown,
    queries: queries.handlers(),
    webUrl: () => web.url(),
  };
  // `endsDaemon`: the stdio client, whose leaving ends a `--stdio` daemon (a web page's does not).
  const accept = (reader: MessageReader, writer: MessageWriter, opts: { endsDaemon?: boolean } = {}) => {
    const conn = createMessageConnection(reader, writer);
    serve(conn, ctx, clients);
    conn.onClose(() => {
      touch();
      if (opts.endsDaemon) shutdown();
    });
    conn.listen();
    touch();
  };

  // Every byte a client sends passes frame-guard.ts's bounds before vscode-jsonrpc buffers it.
  const guarded = (input: NodeJS.ReadableStream & { destroy(): void }, who: string): NodeJS.ReadableStream => {
    const guard = new FrameGuard((reason) => {
      log.warn({ client: who, reason }, 'closing a client connection: it sent more than the protocol allows');
      input.destroy();
      guard.destroy();
    });
    input.pipe(guard);
    input.once('close', () => guard.destroy());
    return guard;
  };

  await watcher.ready();
  if (opts.stdio) {
    accept(new StreamMessageReader(guarded(process.stdin, 'stdio')), new StreamMessageWriter(process.stdout), { endsDaemon: true });
  } else {
    try {
      server = await listen(paths.socket);
    } catch (err) {
      // The watcher, the query threads and the store's watch would keep a daemon that serves no one.
      shutdown();
      await stopped;
      throw err;
    }
    server.on('connection', (sock) => {
      sock.on('error', (err) => log.debug({ err }, 'socket error'));
      sockets.add(sock);
      sock.once('close', () => sockets.delete(sock));
      accept(new StreamMessageReader(guarded(sock, 'socket')), new StreamMessageWriter(sock));
    });
    touch();
  }
  log.info({ pid: process.pid, root, socket: ctx.socket, store: store.dir }, 'daemon started');
  autoPush.start();
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  await stopped;
}

function envMs(name: string): number | undefined {
  const v = process.env[name];
  return v ? Number(v) : undefined;
}

/** Listen on a unix socket readable only by us; a stale socket of a dead daemon is replaced. */
async function listen(socket: string): Promise<net.Server> {
  // Not ours (or not a socket): refused in one line rather than connected to or removed.
  if (trustedSocket(socket)) {
    const alive = await new Promise<boolean>((resolve) => {
      const c = net.connect(socket);
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (alive) throw new FlameError(ErrorCodes.InvalidRequest, `a flame daemon already listens on ${socket}: \`flame daemon stop\` stops it`);
    rmSync(socket, { force: true });
  }
  const server = net.createServer();
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => resolve());
    });
  } catch (err) {
    throw socketUnusable(socket, err);
  } finally {
    process.umask(oldMask);
  }
  chmodSync(socket, 0o600);
  return server;
}
