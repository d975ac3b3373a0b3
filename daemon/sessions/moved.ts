// What moved between a session's previous profile and its new one: profile/diff's rows (its
// false-discovery rule over every function and line) as `profile/ready`'s `moved`, computed once
// in the daemon so that every client shows the same verdict.
import { ProfileReady, type Diff } from '../../protocol/methods.js';
import type { MovedRow, ProfileMeta } from '../../protocol/types.js';

/** The diff's function rows as `moved`: the largest changes first, at most MOVED_LIMIT. */
export function movedRows(diff: Diff.Result): MovedRow[] {
  return diff.functions.slice(0, ProfileReady.MOVED_LIMIT).map((f) => ({
    name: f.name,
    before: f.base.selfShare,
    after: f.current.selfShare,
    delta: f.deltaSelfShare,
    low: f.change.self.low,
    high: f.change.self.high,
    beforeTotal: f.base.totalShare,
    afterTotal: f.current.totalShare,
    significant: f.significant,
  }));
}

/** The `profile/ready` of a stored profile; `moved` when it has an earlier profile of its session. */
export function readyParams(sessionId: string | undefined, meta: ProfileMeta, moved?: { since: string; rows: MovedRow[] }): ProfileReady.Params {
  const p: ProfileReady.Params = { sessionId, id: meta.id, samples: meta.samples, unit: meta.unit, top: meta.summary ?? [], meta };
  if (moved) {
    p.moved = moved.rows;
    p.movedSince = moved.since;
  }
  return p;
}
