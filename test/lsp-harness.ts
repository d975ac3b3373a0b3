// Shared by the language-server tests and bench: a private daemon on a temp copy of the
// hotspots fixture, and a real `flame lsp` child process driven by a real LSP client connection.
import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection } from 'vscode-languageserver-protocol/node.js';
import type { MessageConnection } from 'vscode-jsonrpc';
import type { CodeLens, InlayHint } from 'vscode-languageserver-protocol';
import { connect, type Connection } from '../clients/connect.js';
import { startDaemon } from './daemon-fixture.js';
import { FLAME_BIN } from './helpers.js';

export interface Workspace {
  work: string;
  runtime: string;
  env: NodeJS.ProcessEnv;
  daemon: ChildProcess;
  stop(): void;
}

/** Copy the fixture, start a daemon for it on a private socket and wait until it listens. */
export async function startWorkspace(prefix: string, scale = '0.3'): Promise<Workspace> {
  const d = await startDaemon({ prefix, env: { FLAME_FIXTURE_SCALE: scale, FLAME_DEBOUNCE_MS: '300' } });
  return { work: d.work, runtime: d.runtime, env: { ...process.env, ...d.env }, daemon: d.child, stop: () => void d.stop() };
}

/** A protocol client of the workspace's daemon (the test's own, beside the language server's). */
export async function daemonClient(ws: Workspace): Promise<Connection> {
  const saved = { ...process.env };
  Object.assign(process.env, ws.env);
  try {
    return await connect({ cwd: ws.work, spawn: false, clientName: 'lsp-test' });
  } finally {
    process.env = saved;
  }
}

/** An inlay hint's label as text, whether a string or parts. */
export const labelOf = (h: InlayHint): string => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''));

export interface Message {
  method: string;
  params: unknown;
  at: number;
}

/** A real `flame lsp --stdio` child and an LSP client connection to it that records what the server sends. */
export class LspClient {
  readonly child: ChildProcess;
  readonly conn: ProtocolConnection;
  readonly received: Message[] = [];
  stderr = '';
  private waiters: Array<{ pred: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
  /** Called on each workspace/inlayHint/refresh request before it is answered. */
  onInlayRefresh: (() => void) | undefined;
  /** The "flame" section this client answers workspace/configuration with (the pull model). */
  config: unknown = {};

  constructor(env: NodeJS.ProcessEnv, cwd: string) {
    this.child = spawn(process.execPath, [FLAME_BIN, 'lsp', '--stdio'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.conn = createProtocolConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    const record = (method: string, params: unknown) => {
      const m = { method, params, at: performance.now() };
      this.received.push(m);
      this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
    };
    // One catch-all per kind: vscode-jsonrpc keeps one handler per method.
    const star = this.conn as unknown as MessageConnection;
    star.onNotification((method: string, params: unknown) => record(method, params));
    // $/progress goes to per-token handlers; none are registered, so all of it lands here.
    star.onUnhandledProgress((p: unknown) => record('$/progress', p));
    star.onRequest((method: string, params: unknown) => {
      if (method === 'workspace/inlayHint/refresh') this.onInlayRefresh?.();
      record(method, params);
      if (method === 'workspace/configuration') return (params as { items: unknown[] }).items.map(() => this.config);
      return null;
    });
    this.conn.listen();
  }

  async initialize(root: string, initializationOptions: unknown = {}): Promise<unknown> {
    const r = await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(root).href,
      workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'ws' }],
      initializationOptions,
      capabilities: {
        workspace: { inlayHint: { refreshSupport: true }, codeLens: { refreshSupport: true }, configuration: true },
        window: { workDoneProgress: true, showDocument: { support: true } },
        textDocument: { inlayHint: {}, codeLens: {}, hover: { contentFormat: ['markdown'] }, publishDiagnostics: {} },
      },
    });
    await this.conn.sendNotification('initialized', {});
    return r;
  }

  /** The first message (already received or to come) after index `from` that satisfies `pred`. */
  next(pred: (m: Message) => boolean, timeoutMs = 60000, from = 0): Promise<Message> {
    const seen = this.received.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new Error(
              `no matching message from the language server in ${timeoutMs} ms; got ${this.received.map((m) => m.method).join(', ')}; stderr: ${this.stderr}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });
  }

  /** Every inlay hint of a document (the whole file's range). */
  hints(uri: string): Promise<InlayHint[]> {
    return this.conn.sendRequest('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 10000, character: 0 } },
    }) as Promise<InlayHint[]>;
  }

  lenses(uri: string): Promise<CodeLens[]> {
    return this.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }) as Promise<CodeLens[]>;
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
      await this.conn.sendNotification('exit');
    } catch {
      // The server is gone already.
    }
    const exited = this.child.exitCode !== null || this.child.signalCode !== null ? Promise.resolve() : new Promise((r) => this.child.once('exit', r));
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
    this.conn.dispose();
  }
}
