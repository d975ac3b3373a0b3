// Fuzz target over the daemon's socket: random and mutated JSON-RPC requests to a real daemon.
// The daemon must answer every framed request (or close only that connection), never with
// -32999 (a client's mistake is a params error), and never die; garbage framing may cost the
// sender its connection, nobody else anything.
import net from 'node:net';
import * as P from '../../protocol/methods.js';
import type { TestDaemon } from '../daemon-fixture.js';
import { mutateBytes, mutateText, pick, randomValue, type Rand } from './gen.js';

/** One connection speaking the LSP framing by hand, so any bytes can be sent. */
export class RawClient {
  private buf = Buffer.alloc(0);
  private readonly waiting = new Map<number | string, (msg: { error?: { code: number; message: string } }) => void>();
  closed = false;
  private readonly sock: net.Socket;

  constructor(socketPath: string) {
    this.sock = net.connect(socketPath);
    this.sock.on('data', (d: Buffer) => this.take(d));
    this.sock.on('error', () => {});
    this.sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.values()) w({ error: { code: 0, message: 'closed' } });
      this.waiting.clear();
    });
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sock.once('connect', () => resolve());
      this.sock.once('error', reject);
    });
  }

  write(bytes: Buffer | string): void {
    if (!this.closed) this.sock.write(bytes);
  }

  frame(body: string): void {
    this.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  /** Send a request; the answer, 'closed', or 'timeout'. */
  request(id: number, body: string, timeoutMs: number): Promise<{ error?: { code: number; message: string } } | 'closed' | 'timeout'> {
    if (this.closed) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve('timeout');
      }, timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(this.closed && m.error?.message === 'closed' ? 'closed' : m);
      });
      this.frame(body);
    });
  }

  destroy(): void {
    this.sock.destroy();
  }

  private take(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /Content-Length: (\d+)/i.exec(this.buf.toString('latin1', 0, end));
      if (!m) return this.destroy();
      const len = Number(m[1]);
      if (this.buf.length < end + 4 + len) return;
      const msg = JSON.parse(this.buf.toString('utf8', end + 4, end + 4 + len)) as { id?: number; error?: { code: number; message: string } };
      this.buf = this.buf.subarray(end + 4 + len);
      if (msg.id !== undefined && this.waiting.has(msg.id)) {
        this.waiting.get(msg.id)!(msg);
        this.waiting.delete(msg.id);
      }
    }
  }
}

/** Methods fuzzed; daemon/shutdown would end the daemon, as it should, and is left out. */
const METHODS = P.REQUESTS.filter((m) => m !== P.Shutdown.method);
/** Methods that start real work (a build, a recording) when their params are valid. */
const WORKING = new Set<string>([P.ProfileOnce.method, P.WatchStart.method, P.ProfileImport.method]);
/** One invalid field each, so those methods are refused instead of building. */
const SPOILERS: Array<Record<string, unknown>> = [
  { record: { frequency: -1 } },
  { target: { features: 5 } },
  { programArgs: [1] },
  { record: { callGraph: 'x' } },
  { target: { profile: 3 } },
];

export class RpcTarget {
  private client?: RawClient;
  private nextId = 1;
  constructor(private readonly d: TestDaemon) {}

  private async connection(): Promise<RawClient> {
    if (this.client && !this.client.closed) return this.client;
    const c = new RawClient(this.d.socket);
    await c.ready();
    const init = await c.request(
      0,
      JSON.stringify({ jsonrpc: '2.0', id: 0, method: P.Initialize.method, params: { clientName: 'fuzz', clientVersion: '0', protocolVersion: 1 } }),
      15_000,
    );
    if (typeof init === 'string' || init.error) throw new Error(`initialize failed: ${JSON.stringify(init)}`);
    this.client = c;
    return c;
  }

  /** One input; a failure's description, or undefined. */
  async one(r: Rand): Promise<{ input: string; failure?: string }> {
    const id = this.nextId++;
    if (r() < 0.1) {
      // Garbage framing on a connection of its own.
      const g = new RawClient(this.d.socket);
      await g.ready().catch(() => {});
      const junk = pick(r, [
        'Content-Length: 5\r\n\r\n{bad}',
        'Content-Length: -1\r\n\r\n',
        'Content-Length: 99999999\r\n\r\n{',
        'nonsense\r\n\r\n',
        'Content-Type: x\r\n\r\n{}',
        '\r\n\r\n\r\n',
      ]);
      const bytes = mutateBytes(r, Buffer.from(junk));
      g.write(bytes);
      await new Promise((res) => setTimeout(res, 20));
      g.destroy();
      return { input: `raw bytes ${bytes.toString('base64')}`, failure: await this.alive() };
    }
    const method = r() < 0.95 ? pick(r, METHODS) : pick(r, ['', 'profile/', 'x'.repeat(300), '__proto__', 'rpc.internal']);
    let params = randomValue(r);
    if (WORKING.has(method)) params = { ...(params && typeof params === 'object' && !Array.isArray(params) ? params : {}), ...pick(r, SPOILERS) };
    const msg: Record<string, unknown> = { jsonrpc: '2.0', id, method };
    if (params !== undefined) msg.params = params;
    let body = JSON.stringify(msg);
    const mutated = r() < 0.15;
    if (mutated) body = mutateText(r, body);
    const c = await this.connection();
    // A mutated body may have lost its id (a parse error is answered with id null): no long wait.
    const reply = await c.request(id, body, mutated ? 300 : 20_000);
    const input = `request ${body.length > 2000 ? `${body.slice(0, 2000)}…` : body}`;
    if (reply === 'timeout') {
      // A mutated body may have lost its id or its framing: no answer is owed.
      if (mutated) {
        c.destroy();
        return { input, failure: await this.alive() };
      }
      return { input, failure: `no answer within 20 s to ${method}` };
    }
    if (reply !== 'closed' && reply.error?.code === -32999) return { input, failure: `internal error answered: ${reply.error.message}` };
    return { input, failure: await this.alive() };
  }

  /** Undefined while the daemon lives and a fresh connection gets its status. */
  async alive(): Promise<string | undefined> {
    if (this.d.child.exitCode !== null || this.d.child.signalCode !== null) return `the daemon died (${this.d.child.exitCode ?? this.d.child.signalCode})`;
    if (this.nextId % 25 !== 0) return undefined;
    const c = new RawClient(this.d.socket);
    try {
      await c.ready();
      const s = await c.request(1, JSON.stringify({ jsonrpc: '2.0', id: 1, method: P.Status.method, params: {} }), 20_000);
      if (typeof s === 'string' || s.error) return `a fresh connection got no status: ${JSON.stringify(s)}`;
      return undefined;
    } catch (err) {
      return `cannot connect to the daemon: ${(err as Error).message}`;
    } finally {
      c.destroy();
    }
  }

  close(): void {
    this.client?.destroy();
  }
}
