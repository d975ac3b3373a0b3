// The push queue on disk, `<target dir>/flame/push/`: per (profile, destination) a small JSON
// entry, rewritten after each piece the server takes, and the bodies to post (gzipped), written
// once before the first attempt and removed once the server has them all. So a profile whose push
// failed (server down, daemon killed) is still queued on the next `flame push` or daemon start,
// even after the history's retention has removed the profile itself, and a push cut short resumes
// after its last piece. The daemon and `flame push` share it: a lock file per entry, claimed with
// link(2), keeps two processes from pushing one profile twice.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { claimLock, writeFileAtomic, writeFileNoReplace } from '../../common/fsutil.js';
import type { PushState, PushStatus } from '../../protocol/types.js';
import type { Destination } from './config.js';

/** One profile's push to one destination. */
export interface QueueEntry {
  format: typeof ENTRY_FORMAT;
  /** The profile's id in the history. */
  id: string;
  dest: Destination;
  /** The application name and labels, fixed when the profile was queued (host, branch, version of that moment). */
  app: string;
  labels: Record<string, string>;
  state: PushState;
  /** Samples per second (labels.ts's sampleRateOf): what the server multiplies counts by. */
  sampleRate: number;
  queuedAt: string;
  updatedAt: string;
  /** Push rounds tried (each with its own retries). */
  attempts: number;
  /** Pieces of the body the server has taken, in order; a push resumes after them. */
  piecesDone: number;
  pieces?: number;
  /** The last failure's message. */
  error?: string;
}

/** What is posted, kept apart from the entry so that the entry's rewrites stay small. */
export interface Payload {
  /** The query's time range: the profile's. */
  createdAt: string;
  durationMs?: number;
  /** The folded bodies, one POST each. */
  bodies: string[];
}

const ENTRY_FORMAT = 'flame-push/1';
const SUFFIX = '.json';
const LOCK = '.lock';
const PAYLOAD = '.payload.gz';

/** Where a workspace queues its pushes: beside the history, inside the target dir. */
export function queueDir(targetDir: string): string {
  return path.join(targetDir, 'flame', 'push');
}

/** The queue of the history in `historyDir` (`<target dir>/flame/profiles`). */
export function queueBesideHistory(historyDir: string): string {
  return path.join(path.dirname(historyDir), 'push');
}

/** The queue's entries as `profile/list` reports them, by profile id. */
export async function pushStatuses(queue: PushQueue): Promise<Record<string, PushStatus[]>> {
  const out: Record<string, PushStatus[]> = {};
  for (const e of await queue.list()) {
    const s: PushStatus = { url: e.dest.url, state: e.state, at: e.updatedAt, attempts: e.attempts };
    if (e.error !== undefined) s.error = e.error;
    (out[e.id] ??= []).push(s);
  }
  return out;
}

export class PushQueue {
  /** Entries this process holds the lock of. */
  private readonly held = new Set<string>();

  constructor(readonly dir: string) {}

  /** The entry of `id` for `dest`; created as queued, with its payload, when there is none yet. */
  async enqueue(
    id: string,
    dest: Destination,
    identity: { app: string; labels: Record<string, string>; sampleRate: number },
    payload: () => Payload,
  ): Promise<QueueEntry> {
    const existing = await this.get(id, dest);
    if (existing) return existing;
    const now = new Date().toISOString();
    const entry: QueueEntry = {
      format: ENTRY_FORMAT,
      id,
      dest,
      app: identity.app,
      labels: identity.labels,
      state: 'queued',
      sampleRate: identity.sampleRate,
      queuedAt: now,
      updatedAt: now,
      attempts: 0,
      piecesDone: 0,
    };
    // The payload first: an entry on disk always has what it needs. The entry is created only if
    // absent (link(2)): of two processes queuing one profile at once, one entry wins, and a push
    // already under way is never reset to queued.
    await this.savePayload(entry, payload());
    if (await writeFileNoReplace(this.fileOf(id, dest), Buffer.from(JSON.stringify(entry) + '\n'))) return entry;
    return (await this.get(id, dest)) ?? entry;
  }

  async savePayload(entry: QueueEntry, payload: Payload): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.fileOf(entry.id, entry.dest) + PAYLOAD, gzipSync(JSON.stringify(payload)));
  }

  /** The entry's payload; undefined once pushed (or if removed by hand). */
  async readPayload(entry: QueueEntry): Promise<Payload | undefined> {
    try {
      return JSON.parse(gunzipSync(await readFile(this.fileOf(entry.id, entry.dest) + PAYLOAD)).toString('utf8')) as Payload;
    } catch {
      return undefined;
    }
  }

  /** The server has every piece: the bodies are not needed again. */
  async dropPayload(entry: QueueEntry): Promise<void> {
    await rm(this.fileOf(entry.id, entry.dest) + PAYLOAD, { force: true });
  }

  async get(id: string, dest: Destination): Promise<QueueEntry | undefined> {
    return this.read(this.fileOf(id, dest));
  }

  /** Every entry, oldest profile first; unreadable files (another flame's format) are skipped. */
  async list(): Promise<QueueEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: QueueEntry[] = [];
    for (const n of names.filter((x) => x.endsWith(SUFFIX)).sort()) {
      const e = await this.read(path.join(this.dir, n));
      if (e) entries.push(e);
    }
    return entries;
  }

  /** Write an entry whole (a reader sees the old one or this one). */
  async save(entry: QueueEntry): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.fileOf(entry.id, entry.dest), JSON.stringify({ ...entry, updatedAt: new Date().toISOString() }) + '\n');
  }

  /** Remove an entry and its payload (a finished push whose profile left the history). */
  async remove(entry: QueueEntry): Promise<void> {
    await this.dropPayload(entry);
    await rm(this.fileOf(entry.id, entry.dest), { force: true });
  }

  /**
   * Take the entry's lock: a release function, or undefined while another live process (or
   * another push in this one) holds it. A lock left by a dead process is taken over.
   */
  async claim(entry: QueueEntry): Promise<(() => Promise<void>) | undefined> {
    const lock = this.fileOf(entry.id, entry.dest) + LOCK;
    if (this.held.has(lock)) return undefined;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const claimed = await claimLock(lock);
    if (!('release' in claimed)) return undefined;
    this.held.add(lock);
    return async () => {
      this.held.delete(lock);
      await claimed.release();
    };
  }

  private fileOf(id: string, dest: Destination): string {
    return path.join(this.dir, `${id}.${destKey(dest)}${SUFFIX}`);
  }

  private async read(file: string): Promise<QueueEntry | undefined> {
    try {
      const e = JSON.parse(await readFile(file, 'utf8')) as QueueEntry;
      return e.format === ENTRY_FORMAT ? e : undefined;
    } catch {
      return undefined;
    }
  }
}

/** A destination's part of an entry's file name: the same server and tenant, the same queue slot. */
function destKey(d: Destination): string {
  return createHash('sha256')
    .update(`${d.url}\n${d.tenant ?? ''}`)
    .digest('hex')
    .slice(0, 12);
}
