// The language server's connection to the workspace daemon: connect-or-spawn through
// clients/connect.ts on first use, again after the daemon went away, and one notification
// handler that fans out to the features (vscode-jsonrpc keeps one handler per method).
import { connect, type Connection } from '../connect.js';

export type NotificationListener = (method: string, params: unknown) => void;

export class DaemonLink {
  private conn: Connection | undefined;
  private pending: Promise<Connection> | undefined;
  private listeners = new Set<NotificationListener>();

  constructor(
    readonly cwd: string,
    private readonly log: (msg: string) => void,
    private readonly onConnected: (c: Connection) => void = () => {},
  ) {}

  onNotification(fn: NotificationListener): void {
    this.listeners.add(fn);
  }

  /** The workspace root the daemon reports, once connected. */
  get workspaceRoot(): string | undefined {
    return this.conn?.workspaceRoot;
  }

  get connected(): boolean {
    return this.conn !== undefined;
  }

  async connection(): Promise<Connection> {
    if (this.conn) return this.conn;
    this.pending ??= connect({ cwd: this.cwd, clientName: 'flame-lsp' }).then(
      (c) => {
        this.conn = c;
        this.pending = undefined;
        c.conn.onNotification((method: string, params: unknown) => {
          for (const l of [...this.listeners]) {
            try {
              l(method, params);
            } catch (err) {
              this.log(`flame: a handler of ${method} failed: ${(err as Error).message}`);
            }
          }
        });
        c.conn.onClose(() => {
          if (this.conn === c) this.conn = undefined;
          this.log('flame: the daemon connection closed; it reconnects on the next request');
        });
        this.onConnected(c);
        return c;
      },
      (err: unknown) => {
        this.pending = undefined;
        throw err;
      },
    );
    return this.pending;
  }

  async request<R>(method: string, params: unknown): Promise<R> {
    const c = await this.connection();
    return (await c.conn.sendRequest(method, params)) as R;
  }

  close(): void {
    this.conn?.close();
    this.conn = undefined;
  }
}
