// The page's JSON-RPC client over the daemon's WebSocket: requests by id, one handler for
// every notification, and reconnection when the daemon restarts its page server.
// Calls go through protocol/methods.ts's declarations (plain data, bundled with the page), so
// params and results are the declared types here too.
import type { RequestType } from '../../../protocol/declare.js';
import * as P from '../../../protocol/methods.js';
import { FLAME_VERSION, PROTOCOL_VERSION } from '../../../protocol/version.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class Rpc {
  private ws?: WebSocket;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private opened?: Promise<void>;

  constructor(
    private readonly onNotification: (n: P.DaemonNotification) => void,
    private readonly onState: (connected: boolean) => void,
  ) {}

  /** Open the socket and shake hands; resolves when requests may be sent. */
  connect(): Promise<void> {
    this.opened ??= new Promise<void>((resolve, reject) => {
      // Relative to the page: it lives under the daemon's own path (daemon/web.ts), its cookie too.
      const ws = new WebSocket(new URL('rpc', location.href.replace(/^http/, 'ws')));
      this.ws = ws;
      ws.onopen = () => {
        this.onState(true);
        // What the page cannot show anything without; a daemon of another flame that lacks one refuses.
        const required = [P.ProfileList, P.Tree, P.Top].map((n) => n.method);
        this.send(P.Initialize.type, {
          clientName: 'flame-web',
          clientVersion: FLAME_VERSION,
          protocolVersion: PROTOCOL_VERSION,
          capabilities: { required },
        }).then(() => resolve(), reject);
      };
      ws.onmessage = (ev) => this.receive(String(ev.data));
      ws.onclose = () => {
        this.onState(false);
        for (const p of this.pending.values()) p.reject(new Error('the connection to the daemon closed'));
        this.pending.clear();
        this.opened = undefined;
        reject(new Error('cannot reach the daemon; is it still running? run `flame web` again'));
      };
    });
    return this.opened;
  }

  async request<Params, R>(type: RequestType<Params, R>, params: Params): Promise<R> {
    await this.connect();
    return this.send(type, params);
  }

  private send<Params, R>(type: RequestType<Params, R>, params: Params): Promise<R> {
    const method = type.method;
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws!.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  private receive(text: string): void {
    const msg = JSON.parse(text) as { id?: number; method?: string; params?: unknown; result?: unknown; error?: { code: number; message: string } };
    if (msg.method !== undefined && msg.id === undefined) return this.onNotification({ method: msg.method, params: msg.params } as P.DaemonNotification);
    const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
    if (!p) return;
    this.pending.delete(msg.id!);
    if (msg.error) p.reject(new RpcError(msg.error.code, msg.error.message));
    else p.resolve(msg.result);
  }
}
