// Fuzz target over the live web page's server: random requests, paths and headers to the real
// server of a real daemon, at the root, under the page's base path and through its path-token
// entrance. Never a 5xx or a crash; without the token or with a wrong Host (outside the
// path-token entrance), a refusal; a redirect stays on the page's own origin.
import net from 'node:net';
import { int, mutateText, pick, type Rand } from './gen.js';

const METHODS = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'BREW', 'get', 'CONNECT'];
const PATHS = [
  '/',
  '/app.js',
  '/app.js.map',
  '/index.html',
  '/rpc',
  '/source',
  '/source?file=src/main.rs',
  '/source?file=src/lib.rs',
  '/source?file=/etc/passwd',
  '/source?file=../../../etc/passwd',
  '/source?file=%2e%2e/Cargo.toml',
  '/source?file=target',
  '/source?file=Cargo.toml',
  '//evil.example/',
  '/.//evil.example/',
  '/\\evil.example/',
  '/%2F%2Fevil.example',
  '/?x=1',
  '/a/../app.js',
  '*',
];

export class WebTarget {
  constructor(
    private readonly port: number,
    private readonly token: string,
    /** The page's base path, /ID/. */
    private readonly base: string,
  ) {}

  async one(r: Rand): Promise<{ input: string; failure?: string }> {
    const method = pick(r, METHODS);
    let p = pick(r, PATHS);
    if (r() < 0.3) p = mutateText(r, p).replace(/[\r\n ]/g, '');
    if (r() < 0.05) p = `/${'a'.repeat(int(r, 20_000))}`;
    const wrongToken = `${this.token.slice(0, -1)}${this.token.endsWith('x') ? 'y' : 'x'}`;
    const entrance = pick(r, ['root', 'base', 'base', 'path', 'path', 'wrong path'] as const);
    const prefix = { root: '', base: this.base.slice(0, -1), path: `${this.base}t/${this.token}`, 'wrong path': `${this.base}t/${wrongToken}` }[entrance];
    if (p.startsWith('/')) p = `${prefix}${p}`;
    else if (entrance !== 'root' && r() < 0.5) p = `${prefix}${p}`;
    const tokenMode = pick(r, ['none', 'query', 'cookie', 'wrong'] as const);
    if (tokenMode === 'query' || tokenMode === 'wrong') p += `${p.includes('?') ? '&' : '?'}token=${tokenMode === 'query' ? this.token : wrongToken}`;
    const goodHosts = [`127.0.0.1:${this.port}`];
    const host = pick(r, [
      ...goodHosts,
      ...goodHosts,
      ...goodHosts,
      'evil.example',
      `evil.example:${this.port}`,
      '127.0.0.1:1',
      '',
      `127.0.0.1.evil.example:${this.port}`,
      'code-server.example:8443',
    ]);
    const headers: string[] = [];
    if (host) headers.push(`Host: ${host}`);
    if (tokenMode === 'cookie') headers.push(`Cookie: flame_token=${this.token}`);
    if (r() < 0.2) headers.push(`Origin: ${pick(r, [`http://127.0.0.1:${this.port}`, 'http://evil.example', 'null', 'https://code-server.example:8443'])}`);
    if (r() < 0.1) headers.push(`X-Forwarded-Host: ${pick(r, ['code-server.example:8443', 'evil.example', `127.0.0.1:${this.port}`, ','])}`);
    if (r() < 0.1) headers.push('Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==');
    if (r() < 0.1)
      headers.push(
        pick(r, [
          'Content-Length: 5',
          'Transfer-Encoding: chunked',
          `X-${'h'.repeat(int(r, 100))}: ${'v'.repeat(int(r, 20_000))}`,
          'Cookie: flame_token=',
          'Cookie: ;;;=',
          'Range: bytes=0-1',
        ]),
      );
    if (!headers.some((h) => h.startsWith('Connection:'))) headers.push('Connection: close');
    const request = `${method} ${p} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`;
    const input = JSON.stringify(request.length > 2000 ? `${request.slice(0, 2000)}…` : request);
    const reply = await this.send(request);
    if (reply === undefined) return { input };
    const m = /^HTTP\/1\.1 (\d{3})/.exec(reply);
    if (!m) return { input, failure: `no status line: ${JSON.stringify(reply.slice(0, 200))}` };
    const status = Number(m[1]);
    if (status >= 500) return { input, failure: `status ${status}` };
    // The path-token entrance answers any Host, but only below its own (right) token.
    // The path as a URL parser reads it ('#' ends it, '\\' is '/'), which is how the server reads it.
    const pathname = URL.canParse(`http://x${p}`) ? new URL(`http://x${p}`).pathname : '';
    const viaPath = entrance === 'path' && (pathname === prefix || pathname.startsWith(`${prefix}/`));
    const trusted = viaPath || ((tokenMode === 'query' || tokenMode === 'cookie') && goodHosts.includes(host));
    const location = /\r\nLocation: ([^\r]*)/i.exec(reply)?.[1];
    // The base path without its slash is sent to the base (it serves nothing itself) before the token is checked.
    const toBase = status === 303 && goodHosts.includes(host) && location?.startsWith(this.base) === true;
    if (!trusted && !toBase && status < 400) return { input, failure: `status ${status} without a valid token and Host` };
    // Absolute paths under the page, or the path-token entrance's one relative step (TOKEN/).
    const sibling = location === `${this.token}/`;
    if (location !== undefined && !sibling && (!location.startsWith('/') || location.startsWith('//') || location.startsWith('/\\')))
      return { input, failure: `a redirect off the page's origin: Location ${location}` };
    return { input };
  }

  /** The response's head (or undefined when the server closes without one or takes too long). */
  private send(request: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const sock = net.connect(this.port, '127.0.0.1');
      let got = '';
      const done = () => {
        clearTimeout(timer);
        sock.destroy();
        resolve(got === '' ? undefined : got);
      };
      const timer = setTimeout(done, 5000);
      sock.on('error', done);
      sock.on('close', done);
      sock.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.includes('\r\n\r\n')) done();
      });
      sock.write(request);
    });
  }
}
