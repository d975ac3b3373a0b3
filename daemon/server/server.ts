// JSON-RPC handlers: translate protocol requests into store lookups and pure queries, and the
// session manager's events into notifications. Nothing else lives here.
import path from 'node:path';
import { ResponseError, type MessageConnection } from 'vscode-jsonrpc';
import * as P from '../../protocol/methods.js';
import { ErrorCodes } from '../../protocol/errors.js';
import { FLAME_VERSION, PROTOCOL_VERSION } from '../../protocol/version.js';
import { takeIn, type Handler } from '../../engine/query/history-queries.js';
import { describeFault, FlameError } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import type { SessionManager } from '../sessions/session.js';
import type { ProfileStore } from '../../engine/store/store.js';
import type { RequestType } from '../../protocol/declare.js';
import { describeSpec } from '../../protocol/types.js';

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

/**
 * The version this daemon reports, and methods it leaves out: FLAME_TEST_DAEMON_VERSION and
 * FLAME_TEST_DAEMON_WITHOUT (comma-separated) let tests run a real daemon that answers as
 * another flame would, to hold clients to working with, or refusing, another version.
 */
function identity(): { version: string; without: Set<string> } {
  const without = (process.env.FLAME_TEST_DAEMON_WITHOUT ?? '').split(',').filter((m) => m !== '' && m !== P.Initialize.method);
  return { version: process.env.FLAME_TEST_DAEMON_VERSION || FLAME_VERSION, without: new Set(without) };
}

/** Register every handler on one connection. */
export function serve(conn: MessageConnection, ctx: ServerContext, clients: Clients): string {
  const id = `c${nextClient++}`;
  const log = logger('server').child({ client: id });
  let initialized = false;
  // Work done for this client alone (an import) stops when it disconnects.
  const gone = new AbortController();

  const { version, without } = identity();
  /** The methods with a handler on this connection: what `initialize` reports as capabilities. */
  const registered = new Set<string>();

  /**
   * Wrap a handler: handshake first, params checked by the method's declaration (InvalidParams
   * naming the field), FlameErrors become JSON-RPC errors, bugs are logged.
   */
  const handle = <Params, Result>(type: RequestType<Params, Result>, fn: (params: Params) => Promise<Result> | Result, opts: { beforeInit?: boolean } = {}) => {
    if (without.has(type.method)) return;
    registered.add(type.method);
    conn.onRequest(type.method, async (raw: unknown) => {
      if (!initialized && !opts.beforeInit) {
        return new ResponseError(ErrorCodes.InvalidRequest, `send 'initialize' first (see protocol/README.md)`);
      }
      try {
        const params = raw ?? {};
        type.check(params);
        return await fn(params as Params);
      } catch (caught) {
        const err = describeFault(caught);
        if (err instanceof FlameError) return new ResponseError(err.code, err.message, err.data);
        if (err instanceof ResponseError) return err;
        log.error({ err, method: type.method }, 'handler failed');
        return new ResponseError(
          ErrorCodes.Internal,
          `internal error in flame's daemon: ${(err as Error)?.message ?? String(err)}; see the log at ${ctx.logFile}`,
        );
      }
    });
  };

  // The handshake compares capabilities, not versions (watchman's `version` command): any flame
  // whose daemon has what the client requires may use it; the protocol version changes only
  // for what no capability can describe.
  handle(
    P.Initialize.type,
    (p) => {
      if (p.protocolVersion !== PROTOCOL_VERSION) {
        throw new FlameError(
          ErrorCodes.VersionMismatch,
          `the workspace's flame daemon (flame ${version}) speaks protocol ${PROTOCOL_VERSION} and ${p.clientName} (flame ${p.clientVersion}) speaks ${p.protocolVersion}: stop it with \`flame daemon stop\` and the next command starts this flame's daemon`,
          { data: { daemonVersion: version, protocolVersion: PROTOCOL_VERSION } },
        );
      }
      const have = new Set([...registered, ...P.NOTIFICATIONS]);
      const required = p.capabilities?.required ?? [];
      const missing = required.filter((c) => !have.has(c));
      if (missing.length > 0) throw P.missingCapability(missing, { daemonVersion: version, clientName: p.clientName, clientVersion: p.clientVersion });
      const asked = Object.fromEntries([...required, ...(p.capabilities?.optional ?? [])].map((c) => [c, have.has(c)]));
      initialized = true;
      log.info({ clientName: p.clientName, clientVersion: p.clientVersion }, 'client connected');
      return {
        daemonVersion: version,
        protocolVersion: PROTOCOL_VERSION,
        workspaceRoot: ctx.workspaceRoot,
        targetDir: path.dirname(path.dirname(ctx.store.dir)),
        pid: process.pid,
        capabilities: { methods: [...registered], notifications: [...P.NOTIFICATIONS], asked },
      };
    },
    { beforeInit: true },
  );

  handle(
    P.Status.type,
    async () => {
      await ctx.store.refresh().catch(() => []);
      const r: P.Status.Result = {
        pid: process.pid,
        version,
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
    },
    { beforeInit: true },
  );

  handle(
    P.Shutdown.type,
    () => {
      setImmediate(ctx.shutdown);
      return { ok: true };
    },
    { beforeInit: true },
  );

  handle(P.WatchStart.type, (p) => ctx.sessions.watch(p, id));
  handle(P.WatchStop.type, (p) => ({ stopped: ctx.sessions.leave(p.sessionId, id) }));
  handle(P.ProfileOnce.type, (p) => ctx.sessions.once(p));
  handle(P.ProfileImport.type, (p) => {
    const target = p.target
      ? { kind: 'requested' as const, name: describeSpec(p.target), spec: p.target }
      : { kind: 'recording' as const, name: path.basename(p.perfData), perfData: p.perfData };
    return ctx.sessions.importRecording(p.perfData, { target, options: p.options }, gone.signal);
  });
  handle(P.ProfileAdded.type, async (p) => {
    // Clients hear of it through the store's onTakenIn (daemon/main.ts), like any profile another process added.
    return takeIn(ctx.store, p.id);
  });
  for (const [method, fn] of ctx.queries) {
    const type = P.requestType(method);
    if (!type) throw new Error(`the query ${method} has no declaration in protocol/methods.ts`);
    handle(type, (p) => fn(p as Record<string, unknown>));
  }

  handle(P.WebUrl.type, () => ctx.webUrl());

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
