// The web page's security checks, pure and separate so each rule is read and tested alone:
// whoever reaches the page can make the daemon build and run code, so the page is guarded by
// a loopback bind, a token, Host and Origin checks, and source reads confined to the workspace.
import { realpathSync } from 'node:fs';
import path from 'node:path';

/** Host names the page answers to; anything else is a DNS-rebinding attempt. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
/** Addresses the server may bind; there is no way to ask for another. */
export const LOOPBACK_BIND = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The login cookie's name for the server on `port`. Browsers send a host's cookies to all its
 * ports, so two workspaces' pages on 127.0.0.1 would overwrite one cookie of a shared name; the
 * cookie's Path (the server's secret base path, web.ts) keeps it from servers on other ports.
 */
export function cookieName(port: number): string {
  return `flame_token_${port}`;
}

/**
 * The request's one value of a header that must not repeat (Host, Origin), undefined when it is
 * missing or repeated: Node keeps only the first of repeated ones in req.headers, while a proxy
 * or the browser may have read another.
 */
export function singleHeader(rawHeaders: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  let seen = 0;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() !== name) continue;
    seen++;
    value = rawHeaders[i + 1];
  }
  return seen === 1 ? value : undefined;
}

/** True when the Host header names a loopback host with our port. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return LOOPBACK_NAMES.some((n) => host.toLowerCase() === `${n}:${port}`);
}

/** True when a WebSocket's Origin is the page's own origin (http://<the Host we accepted>). */
export function originAllowed(origin: string | undefined, host: string | undefined, port: number): boolean {
  if (!origin || !hostAllowed(host, port)) return false;
  return origin.toLowerCase() === `http://${host!.toLowerCase()}`;
}

/**
 * The path-token entrance, `<base>t/<TOKEN>/…`, for a page reached through a proxy (code-server,
 * VS Code Remote, Codespaces): the proxy sends a Host of its own, drops query strings or serves
 * the page under a prefix, so neither the Host check nor the cookie can hold there. The token in
 * the path is the credential instead, checked on every request; a DNS-rebinding page does not
 * know it. Returns the token as written and the rest of the path (from its `/`), or undefined
 * when the path is not of this form.
 */
export function pathToken(pathname: string, base: string): { token: string; rest: string } | undefined {
  const prefix = `${base}t/`;
  if (!pathname.startsWith(prefix)) return undefined;
  const slash = pathname.indexOf('/', prefix.length);
  if (slash < 0) return { token: pathname.slice(prefix.length), rest: '' };
  return { token: pathname.slice(prefix.length, slash), rest: pathname.slice(slash) };
}

/**
 * For the path-token entrance: a WebSocket's Origin must be the page's origin as the browser saw
 * it, which is the Host the proxy passed on or the one it names in X-Forwarded-Host (when it
 * rewrote Host to ours); http or https, since a proxy may add TLS.
 */
export function forwardedOriginAllowed(origin: string | undefined, host: string | undefined, forwardedHost: string | undefined): boolean {
  if (!origin) return false;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false;
  }
  if ((o.protocol !== 'http:' && o.protocol !== 'https:') || o.origin !== origin.toLowerCase()) return false;
  // Through a chain of proxies X-Forwarded-Host lists each hop's Host; the browser's is the first.
  const candidates = [host, forwardedHost?.split(',')[0]].map((h) => h?.trim()).filter((h): h is string => !!h);
  return candidates.some((h) => {
    // A bare host[:port]; user info or a path would make the parse below read another host.
    if (/[@/\\?#\s]/.test(h)) return false;
    try {
      // Parsed with the Origin's scheme, so that a default port (https's 443) compares as absent.
      return new URL(`${o.protocol}//${h}`).host === o.host;
    } catch {
      return false;
    }
  });
}

/** The values of the cookie `name` in a Cookie header (a browser may send several of one name). */
export function cookieTokens(cookie: string | undefined, name: string): string[] {
  if (!cookie) return [];
  const found: string[] = [];
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) found.push(part.slice(eq + 1).trim());
  }
  return found;
}

/** Compare two tokens without leaking where they differ through timing. */
export function tokenEquals(a: string | undefined, b: string): boolean {
  if (a === undefined || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export type SourceCheck = { ok: true; path: string } | { ok: false; status: 400 | 403 | 404; message: string };

/**
 * Where a requested source file really is, if it is inside the workspace: relative names are
 * taken from the root; the real path (symlinks resolved) must stay under the root's real path.
 */
export function resolveSource(root: string, requested: string | null): SourceCheck {
  if (!requested || requested.includes('\0')) return { ok: false, status: 400, message: 'pass ?file=PATH of a source file inside the workspace' };
  const realRoot = realpathSync(root);
  const candidate = path.resolve(realRoot, requested);
  const lexical = path.relative(realRoot, candidate);
  // Profiles record absolute paths under the workspace as the daemon saw it; accept that spelling.
  const viaRoot = path.relative(root, path.resolve(root, requested));
  if ((lexical.startsWith('..') || path.isAbsolute(lexical)) && (viaRoot.startsWith('..') || path.isAbsolute(viaRoot))) {
    return { ok: false, status: 403, message: 'only files inside the workspace are served' };
  }
  let real: string;
  try {
    real = realpathSync(lexical.startsWith('..') ? path.resolve(root, requested) : candidate);
  } catch {
    return { ok: false, status: 404, message: `no such file in the workspace: ${requested}` };
  }
  const rel = path.relative(realRoot, real);
  if (rel.startsWith('..') || path.isAbsolute(rel))
    return { ok: false, status: 403, message: 'the file leads outside the workspace (symlink); only files inside it are served' };
  return { ok: true, path: real };
}

/**
 * The other files the page may show: the standard library's sources of an installed toolchain
 * (rust-src), which the profile names for std frames. Public text, but still only `.rs` files
 * whose real path lies under one of `roots` (each `<sysroot>/lib/rustlib/src/rust/library`).
 */
export function resolveLibrarySource(roots: readonly string[], requested: string | null): SourceCheck {
  const refused: SourceCheck = { ok: false, status: 403, message: "only files inside the workspace or the toolchain's rust-src are served" };
  if (!requested || requested.includes('\0') || !path.isAbsolute(requested) || !requested.endsWith('.rs')) return refused;
  const under = (dir: string, p: string): boolean => {
    const rel = path.relative(dir, p);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = realpathSync(root);
    } catch {
      continue;
    }
    const lexical = path.resolve(requested);
    if (!under(root, lexical) && !under(realRoot, lexical)) continue;
    let real: string;
    try {
      real = realpathSync(lexical);
    } catch {
      return { ok: false, status: 404, message: `no such file in the toolchain's rust-src: ${requested}` };
    }
    return under(realRoot, real) ? { ok: true, path: real } : refused;
  }
  return refused;
}
