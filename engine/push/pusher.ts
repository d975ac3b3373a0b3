// A stored profile pushed to Grafana Pyroscope through the durable queue: queued first (its
// labels and bodies fixed then), then sent piece by piece, its entry rewritten after each piece
// the server takes. `flame push` and the daemon's push setting both go through here, so a push
// either of them could not finish is finished by the next one.
import os from 'node:os';
import type { ProfileMeta, PushState } from '../../protocol/types.js';
import { FLAME_VERSION } from '../../protocol/version.js';
import { ErrorCodes, FlameError, isFlameError } from '../../common/errors.js';
import type { ProfileData } from '../profile/profile.js';
import type { ProfileStore } from '../store/store.js';
import { foldedBodies, type ChunkLimits } from './body.js';
import { destinationOf, settingForProfile, type Destination } from './config.js';
import type { CargoMetadata } from '../cargo/target.js';
import { ingestQuery, nanosPerSample, profileTypeId, pushIdentity, type LabelOptions, type PushFacts, type PushIdentity } from './labels.js';
import { isTransient, postIngest, type SendOptions } from './push.js';
import { PushQueue, queueDir, type Payload, type QueueEntry } from './queue.js';

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
  /** How long to wait for another process's push of the same profile to end (default 0: 'busy' at once). */
  waitMs?: number;
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

/**
 * Queue `meta`'s profile for `dest` and push it. Labels and bodies are fixed when it is first
 * queued; a push that failed (refused), or one queued under other labels that has not started, is
 * prepared again from the profile with these options, and `force` pushes again one already pushed.
 */
export async function pushProfile(store: ProfileStore, queue: PushQueue, meta: ProfileMeta, dest: Destination, opts: PushOptions = {}): Promise<PushOutcome> {
  const data = await store.get(meta.id);
  const identity = pushIdentity(meta, data.totalPeriod, pushFacts(), opts);
  const payload = () => payloadOf(meta, data, opts);
  const first = await queue.enqueue(meta.id, dest, identity, payload);
  let release = await queue.claim(first);
  // Another process pushes it now (the daemon, told of a new profile): wait for its outcome.
  for (const end = Date.now() + (opts.waitMs ?? 0); !release && Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 200));
    release = await queue.claim(first);
  }
  if (!release) return outcomeOf(first, 'busy', 'another flame process is pushing this profile now');
  try {
    let e = (await queue.get(meta.id, dest)) ?? first;
    if (e.state === 'pushed' && !opts.force) return outcomeOf(e, 'pushed');
    const same = e.app === identity.app && JSON.stringify(e.labels) === JSON.stringify(identity.labels);
    // Asked for with other labels (`flame push --label`) before any piece went: those labels.
    if (e.state !== 'queued' || opts.force || (!same && e.piecesDone === 0)) {
      // A refusal part-way keeps the pieces the server took, unless what they are filed under changed.
      const piecesDone = e.state === 'failed' && same && !opts.force ? e.piecesDone : 0;
      e = { ...e, app: identity.app, labels: identity.labels, sampleRate: identity.sampleRate, state: 'queued', piecesDone };
      await queue.savePayload(e, payload());
      await queue.save(e);
    }
    return await sendClaimed(queue, e, opts);
  } finally {
    await release();
  }
}

/**
 * Queue a profile just stored by a process other than the daemon (`flame record`), when the
 * setting of its package says the daemon pushes: the daemon sends it when told (or when it
 * starts), else the next `flame push`. Undefined when the setting is off.
 */
export async function queueBySetting(store: ProfileStore, md: CargoMetadata, meta: ProfileMeta): Promise<QueueEntry | undefined> {
  const setting = settingForProfile(md, meta);
  if (!setting.enabled || setting.url === undefined) return undefined;
  const dest = destinationOf(setting, setting.url, 'the push setting url');
  const data = await store.get(meta.id);
  const opts: PushOptions = { labels: setting.labels };
  if (setting.app !== undefined) opts.app = setting.app;
  const queue = new PushQueue(queueDir(md.targetDirectory));
  return queue.enqueue(meta.id, dest, pushIdentity(meta, data.totalPeriod, pushFacts(), opts), () => payloadOf(meta, data, opts));
}

export interface DrainOptions extends PushOptions {
  /** Entries not to try now (the one a caller has just tried). */
  skip?: (e: QueueEntry) => boolean;
  /** Stop at the first push that stays queued: its server is down, and the rest would wait on their retries for nothing. */
  stopOnTransient?: boolean;
}

/**
 * Push every queued entry (oldest first), each to its own destination, from its own payload:
 * one whose profile left the history since (retention, `cargo clean`) is pushed all the same.
 * Finished entries of profiles that left the history are removed. Never throws for one entry.
 */
export async function drainQueue(store: ProfileStore, queue: PushQueue, opts: DrainOptions = {}): Promise<PushOutcome[]> {
  await store.refresh();
  const kept = new Set(store.list().map((m) => m.id));
  const out: PushOutcome[] = [];
  for (const e of await queue.list()) {
    if (e.state !== 'queued') {
      if (!kept.has(e.id)) await queue.remove(e);
      continue;
    }
    if (opts.skip?.(e)) continue;
    const release = await queue.claim(e);
    if (!release) continue;
    let o: PushOutcome;
    try {
      const now = await queue.get(e.id, e.dest);
      if (now?.state !== 'queued') continue;
      o = await sendClaimed(queue, now, opts).catch((err) => outcomeOf(now, 'queued', (err as Error)?.message ?? String(err)));
    } finally {
      await release();
    }
    out.push(o);
    if (opts.stopOnTransient && o.state === 'queued') break;
  }
  return out;
}

/** The profile's bodies and time range, as the queue keeps them until the server has them. */
function payloadOf(meta: ProfileMeta, data: ProfileData, opts: PushOptions): Payload {
  const p: Payload = { createdAt: meta.createdAt, bodies: foldedBodies(data, opts.limits) };
  if (meta.durationMs !== undefined) p.durationMs = meta.durationMs;
  return p;
}

/** Send what is left of a queued entry whose lock the caller holds. */
async function sendClaimed(queue: PushQueue, entry: QueueEntry, opts: PushOptions): Promise<PushOutcome> {
  const payload = await queue.readPayload(entry);
  if (!payload) {
    const e: QueueEntry = { ...entry, state: 'failed', error: 'its queued bodies are gone from the push queue: push it again by name' };
    await queue.save(e);
    return outcomeOf(e, 'failed', e.error);
  }
  const id: PushIdentity = { app: entry.app, type: 'cpu', labels: entry.labels, sampleRate: entry.sampleRate };
  let e: QueueEntry = { ...entry, pieces: payload.bodies.length, attempts: entry.attempts + 1 };
  delete e.error;
  await queue.save(e);
  try {
    for (let i = e.piecesDone; i < payload.bodies.length; i++) {
      await postIngest(e.dest, ingestQuery(id, payload, i), payload.bodies[i]!, opts.send);
      e = { ...e, piecesDone: i + 1 };
      await queue.save(e);
    }
  } catch (err) {
    if (!isFlameError(err)) throw err;
    e = { ...e, state: isTransient(err) ? 'queued' : 'failed', error: err.message };
    await queue.save(e);
    return outcomeOf(e, e.state, err.message);
  }
  e = { ...e, state: 'pushed' };
  await queue.save(e);
  await queue.dropPayload(e);
  return outcomeOf(e, 'pushed');
}

function outcomeOf(e: QueueEntry, state: PushOutcome['state'], error?: string): PushOutcome {
  return {
    id: e.id,
    url: e.dest.url,
    state,
    app: e.app,
    labels: e.labels,
    profileType: profileTypeId(e.sampleRate),
    sampleRate: e.sampleRate,
    nanosPerSample: nanosPerSample(e.sampleRate),
    pieces: e.pieces ?? 0,
    ...(error === undefined ? {} : { error }),
  };
}
