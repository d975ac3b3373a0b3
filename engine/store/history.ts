// The workspace's profile history as every process reaches it: where it lives, what a stored
// profile says about its run, and the one way a finished recording joins it. The daemon's
// sessions and the CLI's `flame record`/`flame exec` both store through here, so a profile looks
// the same whoever made it, and every client (editor, page, `flame diff`, `flame export`) sees it.
import path from 'node:path';
import type { ProfileMeta, ProfileTarget, SourceState } from '../../protocol/types.js';
import type { BuildResult } from '../cargo/build.js';
import type { ProfileData } from '../profile/profile.js';
import { topFunctions } from '../query/query.js';
import type { ProgramOutcome } from '../record/record.js';
import { DEFAULT_RETENTION, ProfileStore, type NewProfileMeta } from './store.js';

/** Where a workspace keeps its history: inside the target dir, which cargo and git ignore. */
export function historyDir(targetDir: string): string {
  return path.join(targetDir, 'flame', 'profiles');
}

/** How many profiles a history keeps: FLAME_RETENTION, else 50. */
export function retention(): number {
  const env = process.env.FLAME_RETENTION;
  return env === undefined || env === '' ? DEFAULT_RETENTION : Number(env);
}

/** Open the workspace's history (any process may, at the same time as others). */
export function openHistory(targetDir: string, opts: { cacheSize?: number } = {}): Promise<ProfileStore> {
  return ProfileStore.open(historyDir(targetDir), { retention: retention(), cacheSize: opts.cacheSize });
}

/** What a stored profile records about the run that made it. */
export interface RunFacts {
  profile: ProfileData;
  /** What was profiled: the cargo target (with its executable and profile), a command, or a recording. */
  target?: ProfileTarget;
  options?: unknown;
  source?: SourceState;
  durationMs?: number;
  program?: ProgramOutcome;
}

/** The meta a finished run is stored with; samples, unit, event and quality come from the profile. */
function runMeta(run: RunFacts): NewProfileMeta {
  const meta: NewProfileMeta = { summary: summaryOf(run.profile) };
  if (run.profile.runs.length > 1) meta.runs = [...run.profile.runs];
  if (run.target !== undefined) meta.target = run.target;
  if (run.options !== undefined) meta.options = run.options;
  if (run.source !== undefined) meta.source = run.source;
  if (run.durationMs !== undefined) meta.durationMs = Math.round(run.durationMs);
  if (run.program !== undefined) meta.program = run.program;
  return meta;
}

/** How a stored profile names the cargo target it was built from. */
export function buildTargetMeta(build: BuildResult): ProfileTarget {
  const t = build.target;
  return {
    kind: t.kind,
    name: t.name,
    package: t.package,
    ...(t.unitKind ? { unitKind: t.unitKind } : {}),
    executable: build.executable,
    profile: build.profile,
  };
}

/** Store a finished run; resolves once it is durable and listed. */
export function storeRun(store: ProfileStore, run: RunFacts): Promise<ProfileMeta> {
  return store.add(runMeta(run), run.profile);
}

/** The ten hottest functions, as a profile's meta carries them. */
function summaryOf(profile: ProfileData): Array<{ name: string; self: number; total: number }> {
  return topFunctions(profile, { limit: 10 }).map((f) => ({ name: f.name, self: f.self, total: f.total }));
}
