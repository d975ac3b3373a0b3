// What a session is, apart from running it: its spec as keyed (specs that run alike are one
// session), its key, which stored profiles it made, and how many runs a watch session records
// when its spec names none.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ProfileMeta, SessionSpec } from '../../protocol/types.js';

/**
 * A spec as its session is keyed and run: what runs alike is spelled alike, so that `flame
 * watch` joins the session an editor started. Empty parts (`programArgs: []`, `record: {}`) go,
 * and so does a cwd or manifest path that names the workspace root, the default.
 */
export function canonicalSpec(spec: SessionSpec, root: string): SessionSpec {
  const target = { ...spec.target };
  if (target.cwd !== undefined && path.resolve(target.cwd) === root) delete target.cwd;
  if (target.manifestPath !== undefined && path.resolve(target.cwd ?? root, target.manifestPath) === path.join(root, 'Cargo.toml')) delete target.manifestPath;
  return (pruned({ ...spec, target }) ?? {}) as SessionSpec;
}

/** `o` without undefined values, empty arrays and empty objects, at any depth. */
function pruned(o: unknown): unknown {
  if (Array.isArray(o)) return o.length === 0 ? undefined : o;
  if (o === null || typeof o !== 'object') return o;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const p = pruned(v);
    if (p !== undefined) out[k] = p;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** A stable id for a spec: the same target and options give the same session. */
export function sessionKey(spec: SessionSpec): string {
  const canon = JSON.stringify(spec, Object.keys(flatKeys(spec)).sort());
  return createHash('sha256').update(canon).digest('hex').slice(0, 12);
}

function flatKeys(o: unknown, acc: Record<string, true> = {}): Record<string, true> {
  if (o && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) {
      acc[k] = true;
      flatKeys(v, acc);
    }
  }
  return acc;
}

/** The recording time of a watch session's runs, when it asked for no number of runs: watchRuns' budget. */
export const WATCH_RUNS_BUDGET_MS = 2000;
/** At most this many runs a profile in watch mode by default. */
export const WATCH_RUNS_MAX = 5;

/**
 * How many runs a watch session's next profile records when its spec names none: as many as fit
 * WATCH_RUNS_BUDGET_MS at the previous profile's time per run, from 1 to WATCH_RUNS_MAX; 1 when
 * the session has no previous profile to time (the README says how these were chosen).
 */
export function watchRuns(previous: Pick<ProfileMeta, 'durationMs' | 'runs'> | undefined): number {
  if (previous?.durationMs === undefined || previous.durationMs <= 0) return 1;
  const perRun = previous.durationMs / Math.max(1, previous.runs?.length ?? 1);
  return Math.max(1, Math.min(WATCH_RUNS_MAX, Math.floor(WATCH_RUNS_BUDGET_MS / perRun)));
}

/** The session a stored profile was made by (`options.session`), if a session made it. */
export function sessionOf(meta: ProfileMeta): string | undefined {
  const o = meta.options as { session?: unknown } | undefined;
  return typeof o?.session === 'string' ? o.session : undefined;
}
