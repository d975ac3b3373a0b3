// A stored profile pushed to Grafana Pyroscope through the durable queue: queued first, then sent
// piece by piece, its entry rewritten after each piece the server takes. `flame push` and the
// daemon's push setting both go through here, so a push either of them could not finish is
// finished by the next one.
import os from 'node:os';
import type { ProfileMeta, PushState } from '../../protocol/types.js';
import { FLAME_VERSION } from '../../protocol/version.js';
import { ErrorCodes, FlameError, isFlameError } from '../../common/errors.js';
import type { ProfileStore } from '../store/store.js';
import { foldedBodies, type ChunkLimits } from './body.js';
import type { Destination } from './config.js';
import { ingestQuery, nanosPerSample, profileTypeId, pushIdentity, sampleRateOf, type LabelOptions, type PushFacts, type PushIdentity } from './labels.js';
import { isTransient, postIngest, type SendOptions } from './push.js';
import type { PushQueue, QueueEntry } from './queue.js';

/** What became of one profile's push; `flame push --json` prints these. */
export interface PushOutcome {
  id: string;
  url: string;
  state: PushState | 'busy';
  /** Pyroscope's application name (service_name) and the series' labels. */
  app: string;
  labels: Record<string, string>;
  /** The profile type the server stores it under, and the CPU nanoseconds it charges per sample (0 when it counts samples). */
  profileType: string;
  sampleRate: number;
  nanosPerSample: number;
  pieces: number;
  error?: string;
}

export interface PushOptions extends LabelOptions {
  send?: SendOptions;
  limits?: ChunkLimits;
  /** Push again a profile already pushed to this destination (it is then counted twice there). */
  force?: boolean;
}

/**
 * Retry settings from the environment: FLAME_PUSH_ATTEMPTS (tries per push, default 4) and
 * FLAME_PUSH_BACKOFF_MS (the first retry's wait, doubling, default 500).
 */
export function sendOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SendOptions {
  const opts: SendOptions = {};
  const n = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const x = Number(v);
    if (!Number.isInteger(x) || x < 0) throw new FlameError(ErrorCodes.BadInput, `${name} must be a whole number, not '${v}'`);
    return x;
  };
  const attempts = n('FLAME_PUSH_ATTEMPTS');
  const backoff = n('FLAME_PUSH_BACKOFF_MS');
  if (attempts !== undefined) opts.attempts = Math.max(1, attempts);
  if (backoff !== undefined) opts.baseDelayMs = backoff;
  return opts;
}

/** The machine's facts for labels: host name, flame's version, and CI's branch variables for a detached HEAD. */
export function pushFacts(env: NodeJS.ProcessEnv = process.env): PushFacts {
  const facts: PushFacts = { host: os.hostname(), flameVersion: FLAME_VERSION };
  const branch = env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || env.CI_COMMIT_REF_NAME || env.BUILDKITE_BRANCH || env.GIT_BRANCH;
  if (branch) facts.branch = branch;
  return facts;
}

/** Queue `meta`'s profile for `dest` (labels fixed now) and push it. */
export async function pushProfile(store: ProfileStore, queue: PushQueue, meta: ProfileMeta, dest: Destination, opts: PushOptions = {}): Promise<PushOutcome> {
  const data = await store.get(meta.id);
  const identity = pushIdentity(meta, data.totalPeriod, pushFacts(), opts);
  let entry = await queue.enqueue(meta.id, dest, identity);
  if (opts.force && entry.state !== 'queued') {
    entry = { ...entry, app: identity.app, labels: identity.labels, state: 'queued', piecesDone: 0 };
    await queue.save(entry);
  } else if (entry.state === 'failed') {
    // Asked for by name: a refusal is tried again (credentials or labels may have been fixed).
    entry = { ...entry, state: 'queued' };
  }
  return sendEntry(store, queue, entry, meta, opts);
}

export interface DrainOptions extends PushOptions {
  /** Entries not to try now (the one a caller has just tried). */
  skip?: (e: QueueEntry) => boolean;
  /** Stop at the first push that stays queued: its server is down, and the rest would wait on their retries for nothing. */
  stopOnTransient?: boolean;
}

/**
 * Push every queued entry (oldest first), each to its own destination; entries of profiles that
 * left the history (retention, `cargo clean`) are removed. Never throws for one entry's failure.
 */
export async function drainQueue(store: ProfileStore, queue: PushQueue, opts: DrainOptions = {}): Promise<PushOutcome[]> {
  await store.refresh();
  const kept = new Map(store.list().map((m) => [m.id, m]));
  const out: PushOutcome[] = [];
  for (const e of await queue.list()) {
    const meta = kept.get(e.id);
    if (!meta) {
      await queue.remove(e);
      continue;
    }
    if (e.state !== 'queued' || opts.skip?.(e)) continue;
    const o = await sendEntry(store, queue, e, meta, opts).catch((err) => failedOutcome(e, err));
    out.push(o);
    if (opts.stopOnTransient && o.state === 'queued') break;
  }
  return out;
}

async function sendEntry(store: ProfileStore, queue: PushQueue, entry: QueueEntry, meta: ProfileMeta, opts: PushOptions): Promise<PushOutcome> {
  const data = await store.get(meta.id);
  const id: PushIdentity = { app: entry.app, type: 'cpu', labels: entry.labels, sampleRate: sampleRateOf(meta.event, data.totalSamples, data.totalPeriod) };
  const outcome = (state: PushOutcome['state'], pieces: number, error?: string): PushOutcome => ({
    id: meta.id,
    url: entry.dest.url,
    state,
    app: id.app,
    labels: id.labels,
    profileType: profileTypeId(id.sampleRate),
    sampleRate: id.sampleRate,
    nanosPerSample: nanosPerSample(id.sampleRate),
    pieces,
    ...(error === undefined ? {} : { error }),
  });
  if (entry.state === 'pushed') return outcome('pushed', entry.pieces ?? 0);
  const release = await queue.claim(entry);
  if (!release) return outcome('busy', entry.pieces ?? 0, 'another flame process is pushing this profile now');
  try {
    const bodies = foldedBodies(data, opts.limits);
    let e: QueueEntry = { ...entry, pieces: bodies.length, attempts: entry.attempts + 1 };
    delete e.error;
    await queue.save(e);
    try {
      for (let i = e.piecesDone; i < bodies.length; i++) {
        await postIngest(e.dest, ingestQuery(id, meta, i), bodies[i]!, opts.send);
        e = { ...e, piecesDone: i + 1 };
        await queue.save(e);
      }
    } catch (err) {
      if (!isFlameError(err)) throw err;
      e = { ...e, state: isTransient(err) ? 'queued' : 'failed', error: err.message };
      await queue.save(e);
      return outcome(e.state, bodies.length, err.message);
    }
    e = { ...e, state: 'pushed' };
    await queue.save(e);
    return outcome('pushed', bodies.length);
  } finally {
    await release();
  }
}

function failedOutcome(e: QueueEntry, err: unknown): PushOutcome {
  return {
    id: e.id,
    url: e.dest.url,
    state: 'queued',
    app: e.app,
    labels: e.labels,
    profileType: '',
    sampleRate: 0,
    nanosPerSample: 0,
    pieces: e.pieces ?? 0,
    error: (err as Error)?.message ?? String(err),
  };
}
