// The live web page's server: HTTP for the page, its script and workspace source files, and a
// WebSocket that is a JSON-RPC connection of the daemon. Started lazily on the first `web/url`
// request, on 127.0.0.1 and an ephemeral port; every request passes web-security.ts's checks.
// Everything lives under a random base path, /<id>/: the login cookie is scoped to it, so the
// browser sends it to no other server on 127.0.0.1 (cookies ignore ports, not paths). Behind a
// proxy the page is reached at /<id>/t/<TOKEN>/ instead (security.ts's pathToken): any Host,
// the token checked on every request, no cookie.
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MessageReader, MessageWriter } from 'vscode-jsonrpc';
import { WebSocketServer, type WebSocket } from 'ws';
import { logger } from '../../common/log.js';
import { rustSources } from '../../engine/symbols/rust-src.js';
import {
  cookieName,
  cookieTokens,
  forwardedOriginAllowed,
  hostAllowed,
  LOOPBACK_BIND,
  originAllowed,
  pathToken,
  resolveLibrarySource,
  resolveSource,
  singleHeader,
  tokenEquals,
} from './security.js';
import { socketTransport } from './rpc.js';

export interface WebOptions {
  workspaceRoot: string;
  /** Serve one WebSocket as a JSON-RPC client of the daemon (it then counts for the idle timeout). */
  attach: (reader: MessageReader, writer: MessageWriter) => void;
  /** Loopback only; anything else is refused. Default 127.0.0.1. */
  host?: string;
  /** Where index.html and app.js are (default dist/web beside this module's dist/daemon). */
  assetsDir?: string;
}

const DEFAULT_ASSETS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const ASSETS: Record<string, string> = { '/': 'index.html', '/app.js': 'app.js', '/app.js.map': 'app.js.map' };
const MEDIA: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json' };
/** Source files larger than this are not shown (a generated file, not code to read). */
const MAX_SOURCE = 4 * 1024 * 1024;

/** Where the page is: `url` for a browser on this machine, `forwardUrl` for one behind a proxy. */
export interface WebAddress {
  url: string;
  forwardUrl: string;
  port: number;
}

export class WebServer {
  private readonly token = randomBytes(24).toString('base64url');
  /** The page's base path; unguessable, so no other server on 127.0.0.1 is sent the cookie. */
  private readonly base = `/${randomBytes(12).toString('base64url')}/`;
  private started?: Promise<WebAddress>;
  private server?: http.Server;
  private wss?: WebSocketServer;
  private port = 0;
  private readonly log = logger('web');

  constructor(private readonly opts: WebOptions) {
    const host = opts.host ?? '127.0.0.1';
    if (!LOOPBACK_BIND.has(host)) throw new Error(`the web page binds loopback only (127.0.0.1, ::1), not ${host}: whoever reaches it can run builds`);
  }

  /** Start once; later calls get the same address. */
  url(): Promise<WebAddress> {
    this.started ??= this.listen();
    return this.started;
  }

  async close(): Promise<void> {
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    this.wss?.close();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((r) => this.server!.close(() => r()));
    }
  }

  private async listen(): Promise<WebAddress> {
    const host = this.opts.host ?? '127.0.0.1';
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log.warn({ err }, 'web request failed');
        if (!res.headersSent) send(res, 500, 'internal error; see the daemon log');
        else res.destroy();
      });
    });
    const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    server.on('upgrade', (req, socket, head) => {
      const refuse = (status: number, message: string) => {
        socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${message}\n`);
      };
      socket.on('error', () => {});
      const pathname = requestPath(req) ?? '';
      const forward = pathToken(pathname, this.base);
      if (forward) {
        if (!tokenEquals(forward.token, this.token)) return refuse(403, WRONG_PATH_TOKEN);
        const origin = singleHeader(req.rawHeaders, 'origin');
        if (!forwardedOriginAllowed(origin, singleHeader(req.rawHeaders, 'host'), singleHeader(req.rawHeaders, 'x-forwarded-host')))
          return refuse(403, 'WebSocket from another origin refused (the Origin must be the Host or X-Forwarded-Host the proxy sends)');
        if (forward.rest !== '/rpc') return refuse(404, "the WebSocket is at the page's rpc");
      } else {
        const denied = this.deny(req);
        if (denied) return refuse(403, denied);
        if (!originAllowed(singleHeader(req.rawHeaders, 'origin'), singleHeader(req.rawHeaders, 'host'), this.port))
          return refuse(403, 'WebSocket from another origin refused');
        if (pathname !== `${this.base}rpc`) return refuse(404, "the WebSocket is at the page's rpc");
      }
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        const { reader, writer } = socketTransport(ws);
        this.opts.attach(reader, writer);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    this.server = server;
    this.wss = wss;
    this.port = (server.address() as { port: number }).port;
    const shown = host.includes(':') ? `[${host}]` : host === 'localhost' ? '127.0.0.1' : host;
    const origin = `http://${shown}:${this.port}`;
    this.log.info({ port: this.port }, 'web page serving');
    return { url: `${origin}${this.base}?token=${this.token}`, forwardUrl: `${origin}${this.base}t/${this.token}/`, port: this.port };
  }

  /** Why a request is refused (Host, token), or undefined when it may proceed. */
  private deny(req: http.IncomingMessage, queryToken?: string | null): string | undefined {
    if (!hostAllowed(singleHeader(req.rawHeaders, 'host'), this.port))
      return `wrong Host header (or more than one); open the page at 127.0.0.1:${this.port} (the address \`flame web\` prints)`;
    const cookies = cookieTokens(req.headers.cookie, cookieName(this.port));
    if (cookies.some((t) => tokenEquals(t, this.token)) || tokenEquals(queryToken ?? undefined, this.token)) return undefined;
    return 'no valid token; open the address `flame web` prints (it carries the token)';
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const pathname = requestPath(req);
    const forward = pathname === undefined ? undefined : pathToken(pathname, this.base);
    if (forward) {
      // Any Host (the proxy's), so no cookie and no redirect: the token is in every address.
      if (!tokenEquals(forward.token, this.token)) return send(res, 403, WRONG_PATH_TOKEN);
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only');
      if (forward.rest === '') {
        // Relative, so that it keeps a proxy's prefix; built of our own token, never the request's text.
        res.writeHead(303, { Location: `${this.token}/`, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
        return void res.end();
      }
      return this.serve(forward.rest, new URL(`http://x${req.url}`), req, res);
    }
    if (!hostAllowed(singleHeader(req.rawHeaders, 'host'), this.port)) return send(res, 403, this.deny(req)!);
    if (pathname === undefined) return send(res, 400, 'a request for a path is expected');
    const u = new URL(`http://x${req.url}`);
    // Only a location under our own base, built here: never the request's own text (an open redirect).
    const redirect = (rel: string, cookie?: string) => {
      res.writeHead(303, { Location: `${this.base}${rel}`, 'Cache-Control': 'no-store', ...(cookie ? { 'Set-Cookie': cookie } : {}) });
      res.end();
    };
    if (pathname === this.base.slice(0, -1)) return redirect(u.search);
    if (!pathname.startsWith(this.base)) return send(res, 404, 'no such page; open the address `flame web` prints');
    const denied = this.deny(req, u.searchParams.get('token'));
    if (denied) return send(res, 403, denied);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only');
    const rel = `/${pathname.slice(this.base.length)}`;
    if (u.searchParams.get('token') !== null) {
      // First visit: keep the token in a cookie scripts cannot read, sent only under our base
      // path and named for our port, and drop it from the address bar.
      return redirect(ASSETS[rel] ? rel.slice(1) : '', `${cookieName(this.port)}=${this.token}; HttpOnly; SameSite=Strict; Path=${this.base}`);
    }
    return this.serve(rel, u, req, res);
  }

  /** A page, script or source file, once the request passed its entrance's checks. */
  private async serve(rel: string, u: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (rel === '/source') return this.source(u.searchParams.get('file'), res);
    const asset = ASSETS[rel];
    if (!asset) return send(res, 404, `no such page: ${rel}`);
    const file = path.join(this.opts.assetsDir ?? DEFAULT_ASSETS, asset);
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return send(res, 404, `the page's ${asset} is missing; run \`npm run build\``);
    }
    res.writeHead(200, { 'Content-Type': MEDIA[path.extname(file)] ?? 'application/octet-stream', ...SECURITY_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private async source(requested: string | null, res: http.ServerResponse): Promise<void> {
    let r = resolveSource(this.opts.workspaceRoot, requested);
    if (!r.ok && r.status === 403) {
      // Standard-library frames name the local rust-src (rust-src.ts): those files may be shown too.
      const roots = [...(await rustSources(this.opts.workspaceRoot)).values()].map((src) => path.join(src, 'library'));
      const lib = resolveLibrarySource(roots, requested);
      if (lib.ok || lib.status === 404) r = lib;
    }
    if (!r.ok) return send(res, r.status, r.message);
    let text: Buffer;
    try {
      // Size first: target/ is inside the workspace, and a binary there need not be read to be refused.
      if ((await stat(r.path)).size > MAX_SOURCE) return send(res, 400, 'the file is larger than 4 MiB; not shown');
      text = await readFile(r.path);
    } catch {
      return send(res, 404, `cannot read ${requested}`);
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
    res.end(text);
  }
}

const WRONG_PATH_TOKEN = 'wrong token in the address; open the address `flame web --forward` prints';

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
};

/** The request's path, undefined for a target that is not a path (`*`, an absolute URL). */
function requestPath(req: http.IncomingMessage): string | undefined {
  // Prefixed, not resolved against a base: `//evil.example/` must stay a path, not become a host.
  return req.url?.startsWith('/') ? new URL(`http://x${req.url}`).pathname : undefined;
}

function send(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
  res.end(`${message}\n`);
}
