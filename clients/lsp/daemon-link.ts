// The language server's connection to the workspace daemon: connect-or-spawn through
// clients/connect.ts on first use, again after the daemon went away, and one notification
// handler that fans out to the features (vscode-jsonrpc keeps one handler per method).
import { connect, request, type Connection } from '../connect.js';
import { ErrorCodes, isFlameError } from '../../common/errors.js';
import type { RequestType } from '../../protocol/declare.js';
import * as P from '../../protocol/methods.js';

const RETRY_MS = 10_000;

export type NotificationListener = (n: P.DaemonNotification) => void;

export interface DaemonLinkHooks {
  /** Called after each successful connect, with how many came before (0: the first). */
  onConnected?: (c: Connection, previous: number) => void;
  /** Told (once per message) when the socket or its directory may not be trusted: the user must act. */
  onUntrusted?: (message: string) => void;
}

export class DaemonLink {
  private conn: Connection | undefined;
  private pending: Promise<Connection> | undefined;
  private listeners = new Set<NotificationListener>();
  /** The last failure to connect, given again for a while instead of retrying on every keystroke. */
  private failed: { at: number; err: unknown } | undefined;
  private connects = 0;

  constructor(
    readonly cwd: string,
    private readonly log: (msg: string) => void,
    private readonly hooks: DaemonLinkHooks = {},
  ) {}

  private untrustedSeen = new Set<string>();

  onNotification(fn: NotificationListener): void {
    this.listeners.add(fn);
  }

  /** The workspace root the daemon reports, once connected. */
  get workspaceRoot(): string | undefined {
    return this.conn?.workspaceRoot;
  }

  async connection(): Promise<Connection> {
    if (this.conn) return this.conn;
    if (!this.pending && this.failed && Date.now() - this.failed.at < RETRY_MS) throw this.failed.err;
    // What the editor's heat needs; the commands' methods are checked when they are used.
    this.pending ??= connect({ cwd: this.cwd, clientName: 'flame-lsp', requires: [P.Top.type, P.Lines.type, P.ProfileReady.type] }).then(
      (c) => {
        this.conn = c;
        this.pending = undefined;
        this.failed = undefined;
        c.conn.onNotification((method: string, params: unknown) => {
          for (const l of [...this.listeners]) {
            try {
              l({ method, params } as P.DaemonNotification);
            } catch (err) {
              this.log(`flame: a handler of ${method} failed: ${(err as Error).message}`);
            }
          }
        });
        c.conn.onClose(() => {
          if (this.conn === c) this.conn = undefined;
          this.log('flame: the daemon connection closed; it reconnects on the next request');
        });
        this.hooks.onConnected?.(c, this.connects++);
        return c;
      },
      (err: unknown) => {
        this.pending = undefined;
        this.failed = { at: Date.now(), err };
        this.log(`flame: cannot reach the daemon for ${this.cwd}: ${(err as Error).message}`);
        if (isFlameError(err, ErrorCodes.Untrusted) && !this.untrustedSeen.has(err.message)) {
          this.untrustedSeen.add(err.message);
          this.hooks.onUntrusted?.(err.message);
        }
        throw err;
      },
    );
    return this.pending;
  }

  async request<Params, R>(type: RequestType<Params, R>, params: Params): Promise<R> {
    return request(await this.connection(), type, params);
  }

  close(): void {
    this.conn?.close();
    this.conn = undefined;
  }
}
