// One POST to Grafana Pyroscope's /ingest, retried with exponential backoff while the server is
// unreachable or says it is overloaded (network errors, 408, 429, 5xx); any other refusal is
// final, and its error carries the server's own message.
import { ErrorCodes, FlameError } from '../../common/errors.js';
import { authHeaders, type Destination } from './config.js';

export interface SendOptions {
  /** Tries in all, the first included (default 4). */
  attempts?: number;
  /** The wait before the first retry; each further one waits twice as long, up to maxDelayMs (default 500). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Ends the push (and its waits) early: a stopping daemon's. The push then fails as transient. */
  signal?: AbortSignal;
  /** Told before each retry's wait. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/** What a failed push's FlameError carries as `data`. */
export interface PushFailure {
  /** true when trying again later may succeed (unreachable, overloaded); false when the server refused. */
  transient: boolean;
  status?: number;
  attempts: number;
}

/** Whether an HTTP status is worth retrying: the server is overloaded or failed, not refusing the request. */
export function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** The wait before retry `n` (1-based): base·2^(n-1), at most max. */
export function backoffDelay(n: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** (n - 1));
}

/** POST `body` (folded text) to `<url>/ingest?<query>`; resolves once the server has taken it. */
export async function postIngest(dest: Destination, query: string, body: string, opts: SendOptions = {}): Promise<void> {
  const attempts = Math.max(1, opts.attempts ?? 4);
  const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'User-Agent': 'flame', ...authHeaders(dest) };
  const url = `${dest.url}/ingest?${query}`;
  let reason = '';
  let status: number | undefined;
  let tried = 0;
  for (let attempt = 1; attempt <= attempts && !opts.signal?.aborted; attempt++) {
    if (attempt > 1) {
      const delayMs = backoffDelay(attempt - 1, opts.baseDelayMs ?? 500, opts.maxDelayMs ?? 8000);
      opts.onRetry?.({ attempt, delayMs, reason });
      await wait(delayMs, opts.signal);
      if (opts.signal?.aborted) break;
    }
    tried = attempt;
    let res: Response;
    try {
      const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
      res = await fetch(url, { method: 'POST', headers, body, signal: opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout });
    } catch (err) {
      reason = opts.signal?.aborted ? 'stopped' : networkReason(err);
      status = undefined;
      continue;
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return;
    status = res.status;
    reason = `HTTP ${res.status}${serverMessage(text)}`;
    if (!retryable(res.status)) {
      const data: PushFailure = { transient: false, status, attempts: attempt };
      throw new FlameError(ErrorCodes.PushFailed, `${dest.url} refused the profile: ${reason}`, { data });
    }
  }
  const data: PushFailure = { transient: true, attempts: tried, ...(status === undefined ? {} : { status }) };
  throw new FlameError(
    ErrorCodes.PushFailed,
    `${dest.url} did not take the profile after ${tried} attempt${tried === 1 ? '' : 's'}: ${reason || 'stopped'}; it stays queued and is pushed again by the next \`flame push\` or daemon start`,
    { data },
  );
}

/**
 * Whether the server answers (`flame doctor`): a GET of its /ready, signed in as a push would be.
 * Any answer below 500 means it is there (a server behind a gateway may not serve /ready).
 */
export async function probeServer(dest: Destination, env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; ok: boolean; detail: string }> {
  let headers: Record<string, string>;
  try {
    headers = { 'User-Agent': 'flame', ...authHeaders(dest, env) };
  } catch (err) {
    return { url: dest.url, ok: false, detail: (err as Error).message };
  }
  try {
    const res = await fetch(`${dest.url}/ready`, { headers, signal: AbortSignal.timeout(5000) });
    const text = (await res.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 120);
    return { url: dest.url, ok: res.status < 500, detail: `GET /ready answered ${res.status}${text ? ` (${text})` : ''}` };
  } catch (err) {
    return { url: dest.url, ok: false, detail: `cannot reach it: ${networkReason(err)}` };
  }
}

/** Resolve after `ms`, or at once when `signal` aborts. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Whether an error is a push that may succeed later. */
export function isTransient(err: unknown): boolean {
  return err instanceof FlameError && err.code === ErrorCodes.PushFailed && (err.data as PushFailure | undefined)?.transient === true;
}

/** The cause of a failed fetch in a few words (undici hides it under `cause`). */
function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'no answer in time';
  const c = e?.cause;
  if (c?.code) return `${c.code}${c.message && !c.message.includes(c.code) ? ` (${c.message})` : ` ${c.message ?? ''}`.trimEnd()}`;
  return c?.message ?? e?.message ?? String(err);
}

/** The server's explanation, on one line and bounded. */
function serverMessage(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  if (one === '') return '';
  return `: ${one.length > 400 ? `${one.slice(0, 400)}…` : one}`;
}
