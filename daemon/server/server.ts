// JSON-RPC handlers: translate protocol requests into store lookups and pure queries, and the
// session manager's events into notifications. Nothing else lives here.
import path from 'node:path';
import { ResponseError, type MessageConnection } from 'vscode-jsonrpc';
import * as P from '../../protocol/methods.js';
import { ErrorCodes } from '../../protocol/errors.js';
import { FLAME_VERSION, PROTOCOL_VERSION } from '../../protocol/version.js';
import type { ProfileMeta } from '../../protocol/types.js';
import { takeIn, type Handler } from '../../engine/query/history-queries.js';
import { describeFault, FlameError } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import type { SessionManager } from '../sessions/session.js';
import type { ProfileStore } from '../../engine/store/store.js';
import { check, checkFields, checkSpec, RECORD_RULES, TARGET_RULES } from '../../engine/query/validate.js';

export interface ServerContext {
  workspaceRoot: string;
  socket: string;
  logFile: string;
  startedAt: number;
  idleTimeoutMs: number;
  store: ProfileStore;
  sessions: SessionManager;
  shutdown: () => void;
  /** A profile another process stored: tell every client (`profile/ready`). */
  onProfileAdded: (meta: ProfileMeta) => void;
  /** The history's read-only methods (history-queries.ts), answered off the event loop. */
  queries: Map<string, Handler>;
  /** Start (once) the live web page's server and give its address. */
  webUrl: () => Promise<P.WebUrl.Result>;
}

/** Every open connection, for notifications. */
export class Clients {
  readonly all = new Map<string, MessageConnection>();
  broadcast<T>(type: { method: string }, params: T): void {
    for (const c of this.all.values()) {
      try {
        // A write to a client that is going away rejects (EPIPE); its close event drops it.
        c.sendNotification(type.method, params).catch(() => {});
      } catch {
        // A client that went away is dropped on its close event.
      }
    }
  }
}

let nextClient = 1;

/** Register every handler on one connection. */
export function serve(conn: MessageConnection, ctx: ServerContext, clients: Clients): string {
  const id = `c${nextClient++}`;
  const log = logger('server').child({ client: id });
  let initialized = false;
  // Work done for this client alone (an import) stops when it disconnects.
  const gone = new AbortController();

  /** Wrap a handler: handshake first, FlameErrors become JSON-RPC errors, bugs are logged. */
  const handle = <Params, Result>(type: { method: string }, fn: (params: Params) => Promise<Result> | Result, opts: { beforeInit?: boolean } = {}) => {
    conn.onRequest(type.method, async (params: Params) => {
      if (!initialized && !opts.beforeInit) {
        return new ResponseError(ErrorCodes.InvalidRequest, `send 'initialize' first (see protocol/README.md)`);
      }
      try {
        return await fn((params ?? {}) as Params);
      } catch (caught) {
        const err = describeFault(caught);
        if (err instanceof FlameError) return new ResponseError(err.code, err.message, err.data);
        if (err instanceof ResponseError) return err;
        log.error({ err, method: type.method }, 'handler failed');
        return new ResponseError(ErrorCodes.Internal, `internal error in flame's daemon: ${(err as Error)?.message ?? String(err)}; see the log at ${ctx.logFile}`);
      }
    });
  };

  handle<P.Initialize.Params, P.Initialize.Result>(
    P.Initialize.type,
    (p) => {
      check(p, { clientName: 'string', clientVersion: 'string', protocolVersion: 'number' });
      if (p.protocolVersion !== PROTOCOL_VERSION) {
        throw new FlameError(
          ErrorCodes.VersionMismatch,
          `this daemon speaks protocol ${PROTOCOL_VERSION} (flame ${FLAME_VERSION}) and ${p.clientName} speaks ${p.protocolVersion}; stop it with \`flame daemon stop\` and the next command starts a matching one`,
          { data: { daemonVersion: FLAME_VERSION, protocolVersion: PROTOCOL_VERSION } },
        );
      }
      initialized = true;
      log.info({ clientName: p.clientName, clientVersion: p.clientVersion }, 'client connected');
      return { daemonVersion: FLAME_VERSION, protocolVersion: PROTOCOL_VERSION, workspaceRoot: ctx.workspaceRoot, targetDir: path.dirname(path.dirname(ctx.store.dir)), pid: process.pid, capabilities: { methods: P.REQUESTS } };
    },
    { beforeInit: true },
  );

  handle<P.Status.Params, P.Status.Result>(P.Status.type, async () => {
    await ctx.store.refresh().catch(() => []);
    const r: P.Status.Result = {
      pid: process.pid,
      version: FLAME_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      uptimeMs: Date.now() - ctx.startedAt,
      socket: ctx.socket,
      logFile: ctx.logFile,
      workspaceRoot: ctx.workspaceRoot,
      state: ctx.sessions.state,
      clients: clients.all.size,
      sessions: ctx.sessions.list(),
      idleTimeoutMs: ctx.idleTimeoutMs,
    };
    const last = ctx.store.latest();
    if (last) r.lastProfile = last;
    return r;
  }, { beforeInit: true });

  handle<P.Shutdown.Params, P.Shutdown.Result>(P.Shutdown.type, () => {
    setImmediate(ctx.shutdown);
    return { ok: true };
  }, { beforeInit: true });

  handle<P.WatchStart.Params, P.WatchStart.Result>(P.WatchStart.type, (p) => {
    checkSpec(p);
    return ctx.sessions.watch(p, id);
  });
  handle<P.WatchStop.Params, P.WatchStop.Result>(P.WatchStop.type, (p) => {
    check(p, { sessionId: 'string' });
    return { stopped: ctx.sessions.leave(p.sessionId, id) };
  });
  handle<P.ProfileOnce.Params, P.ProfileOnce.Result>(P.ProfileOnce.type, (p) => {
    checkSpec(p);
    return ctx.sessions.once(p);
  });
  handle<P.ProfileImport.Params, P.ProfileImport.Result>(P.ProfileImport.type, (p) => {
    check(p, { perfData: 'string' });
    if (!path.isAbsolute(p.perfData)) throw new FlameError(ErrorCodes.InvalidParams, `'perfData' must be an absolute path, not ${JSON.stringify(p.perfData)}`);
    checkFields(p.target, TARGET_RULES, 'target.');
    checkFields(p.options, RECORD_RULES, 'options.');
    return ctx.sessions.importRecording(p.perfData, { target: p.target, options: p.options }, gone.signal);
  });
  handle<P.ProfileAdded.Params, P.ProfileAdded.Result>(P.ProfileAdded.type, async (p) => {
    check(p, { id: 'string' });
    const { meta, added } = await takeIn(ctx.store, p.id);
    for (const m of added) ctx.onProfileAdded(m);
    return meta;
  });
  for (const [method, fn] of ctx.queries) handle({ method }, fn);

  handle<P.WebUrl.Params, P.WebUrl.Result>(P.WebUrl.type, () => ctx.webUrl());

  clients.all.set(id, conn);
  conn.onClose(() => {
    gone.abort();
    clients.all.delete(id);
    ctx.sessions.clientGone(id);
    log.info('client disconnected');
  });
  conn.onError(([err]) => log.warn({ err }, 'connection error'));
  return id;
}
