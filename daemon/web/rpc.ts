// The page's WebSocket as a JSON-RPC connection of the daemon (one JSON message per text
// frame), so the page speaks the same protocol as every client, but only its read-only methods.
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  type DataCallback,
  type Disposable,
  type Message,
  type MessageReader,
  type MessageWriter,
} from 'vscode-jsonrpc';
import type { WebSocket } from 'ws';
import { ErrorCodes } from '../../protocol/errors.js';
import * as P from '../../protocol/methods.js';

/**
 * What the page may ask: the methods declared `readOnly` (protocol/methods.ts), reads of
 * profiles and status only, no method that builds, records, starts a session, stops the daemon,
 * or takes a command or a path to run. (Watching from the page is left out on purpose: the page
 * follows whatever the editor or `flame watch` runs.)
 */
const WEB_METHODS = P.WEB_METHODS;

/** Largest message the page may send; its requests are a few hundred bytes. */
const MAX_MESSAGE = 64 * 1024;

class SocketReader extends AbstractMessageReader {
  constructor(
    private readonly ws: WebSocket,
    private readonly refuse: (msg: Message & { id?: unknown; method?: string }) => void,
  ) {
    super();
    ws.on('close', () => this.fireClose());
    ws.on('error', (err) => this.fireError(err));
  }
  listen(callback: DataCallback): Disposable {
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (isBinary || data.length > MAX_MESSAGE) {
        this.ws.close(1009, 'text JSON-RPC messages of at most 64 KiB only');
        return;
      }
      let msg: Message & { id?: unknown; method?: string };
      try {
        msg = JSON.parse(data.toString('utf8')) as Message & { id?: unknown; method?: string };
      } catch {
        this.ws.close(1007, 'not JSON');
        return;
      }
      if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
        this.ws.close(1007, 'not a JSON-RPC message');
        return;
      }
      if (typeof msg.method === 'string' && !WEB_METHODS.has(msg.method)) {
        this.refuse(msg);
        return;
      }
      if (typeof msg.method !== 'string') return; // The page answers no requests of ours.
      callback(msg);
    };
    this.ws.on('message', onMessage);
    return { dispose: () => this.ws.off('message', onMessage) };
  }
}

class SocketWriter extends AbstractMessageWriter {
  constructor(private readonly ws: WebSocket) {
    super();
    ws.on('close', () => this.fireClose());
  }
  write(msg: Message): Promise<void> {
    if (this.ws.readyState !== this.ws.OPEN) return Promise.resolve();
    return new Promise((resolve) => this.ws.send(JSON.stringify(msg), () => resolve()));
  }
  end(): void {
    this.ws.close();
  }
}

/** A reader and writer over the socket; refused methods are answered here and never reach the daemon. */
export function socketTransport(ws: WebSocket): { reader: MessageReader; writer: MessageWriter } {
  const writer = new SocketWriter(ws);
  const reader = new SocketReader(ws, (msg) => {
    if (msg.id === undefined || msg.id === null) return;
    const error = {
      code: ErrorCodes.InvalidRequest,
      message: `'${msg.method}' is not available to the web page; it may read profiles only (use the CLI or editor to build and record)`,
    };
    void writer.write({ jsonrpc: '2.0', id: msg.id, error } as Message);
  });
  return { reader, writer };
}
