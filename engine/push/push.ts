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
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      const delayMs = backoffDelay(attempt - 1, opts.baseDelayMs ?? 500, opts.maxDelayMs ?? 8000);
      opts.onRetry?.({ attempt, delayMs, reason });
      await new Promise((r) => setTimeout(r, delayMs));
    }
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
    } catch (err) {
      reason = networkReason(err);
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
  const data: PushFailure = { transient: true, attempts, ...(status === undefined ? {} : { status }) };
  throw new FlameError(
    ErrorCodes.PushFailed,
    `${dest.url} did not take the profile after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}; it stays queued and is pushed again by the next \`flame push\` or daemon start`,
    { data },
  );
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
