// A small real reverse proxy, as code-server's /proxy/PORT/ is to a browser: it strips the
// prefix, passes the rest of the path and the query on to 127.0.0.1:PORT, and sends a Host of
// its own (naming the browser's in X-Forwarded-Host), for plain requests and WebSocket upgrades.
import http from 'node:http';
import net from 'node:net';

export interface ReverseProxy {
  port: number;
  /** The address under which the proxy serves 127.0.0.1:upstream's `path`. */
  url(upstream: number, path: string): string;
  /** How many WebSocket upgrades it passed on. */
  upgrades: number;
  close(): Promise<void>;
}

/** The Host header the proxy sends upstream: neither the browser's nor a loopback name. */
export const PROXY_HOST = 'code-server.internal:8080';

const PREFIX = /^\/proxy\/(\d+)(\/.*)$/;

export async function startReverseProxy(): Promise<ReverseProxy> {
  const sockets = new Set<net.Socket>();
  const headersFor = (req: http.IncomingMessage): Record<string, string | string[]> => {
    const h: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && k !== 'host') h[k] = v;
    h.host = PROXY_HOST;
    h['x-forwarded-host'] = req.headers.host ?? '';
    return h;
  };
  const server = http.createServer((req, res) => {
    const m = PREFIX.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end('the proxy serves /proxy/PORT/…\n');
      return;
    }
    const up = http.request({ host: '127.0.0.1', port: Number(m[1]), path: m[2], method: req.method, headers: headersFor(req), setHost: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end('upstream failed\n'));
    req.pipe(up);
  });
  const proxy: ReverseProxy = {
    port: 0,
    upgrades: 0,
    url: (upstream, path) => `http://localhost:${proxy.port}/proxy/${upstream}${path}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server.on('upgrade', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const m = PREFIX.exec(req.url ?? '');
    if (!m) return void client.destroy();
    proxy.upgrades++;
    const upstream = net.connect({ host: '127.0.0.1', port: Number(m[1]) }, () => {
      const lines = [`${req.method} ${m[2]} HTTP/1.1`];
      for (const [k, v] of Object.entries(headersFor(req))) for (const one of [v].flat()) lines.push(`${k}: ${one}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.port = (server.address() as net.AddressInfo).port;
  return proxy;
}
