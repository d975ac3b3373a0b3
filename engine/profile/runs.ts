// Several recordings of one build as one profile: the runs' functions, locations and threads
// interned once, every stack's count summed, and its count in each run kept beside the sum.
import { ProfileBuilder, stackCount, stackLocs, type ProfileData, type ThreadInfo } from './profile.js';

/**
 * One profile of `runs`, recorded in this order from the same build. A thread is the same thread
 * in every run when it has the same name and the same place among its namesakes by thread id (a
 * program starts its threads in the same order each time); it keeps the first run's pid and tid.
 * Without this, each run's threads (new pids and tids every time) would split every stack into
 * one per run, and the profile would grow by whole runs instead of by one count per stack.
 */
export function mergeRuns(runs: readonly ProfileData[]): ProfileData {
  if (runs.length === 1) return runs[0]!;
  const b = new ProfileBuilder();
  b.event = runs[0]?.event ?? '';
  const byRole = new Map<string, number>();
  let unknown = 0;
  let truncated = 0;
  let lost = 0;
  runs.forEach((p, r) => {
    if (r > 0) b.nextRun();
    const fns = p.functions.map((f) => b.fn(f));
    const maps = (p.mappings ?? []).map((m) => b.mapping(m));
    const locs = p.locations.map((l) => b.location(fns[l.fn]!, { ...l, mapping: l.mapping === undefined ? undefined : maps[l.mapping] }));
    const roles = threadRoles(p.threads);
    const threads = p.threads.map((t, i) => {
      const role = roles[i]!;
      let id = byRole.get(role);
      if (id === undefined) byRole.set(role, (id = b.thread(t)));
      return id;
    });
    const mapped: number[] = [];
    for (let i = 0; i < stackCount(p); i++) {
      mapped.length = 0;
      for (const l of stackLocs(p, i)) mapped.push(locs[l]!);
      b.add(mapped, threads[p.stacks.thread[i]!]!, p.stacks.samples[i]!, p.stacks.period[i]!, NO_FLAGS);
    }
    unknown += p.quality.unknownShare * p.totalSamples;
    truncated += p.quality.truncatedShare * p.totalSamples;
    lost += p.quality.lost;
    if (b.event === '' && p.event !== '') b.event = p.event;
    // The runs' time as pprof merges profiles': from the first start, for their summed durations.
    if (p.time) b.time = b.time ? { startMs: Math.min(b.time.startMs, p.time.startMs), durationNs: b.time.durationNs + p.time.durationNs } : p.time;
  });
  const merged = b.finish();
  const n = merged.totalSamples;
  // The stacks' flags are not kept per stack, so the runs' shares are weighed together instead.
  merged.quality = { samples: n, unknownShare: n === 0 ? 0 : unknown / n, truncatedShare: n === 0 ? 0 : truncated / n, lost };
  return merged;
}

const NO_FLAGS = { unknown: false, truncated: false };

/** Each thread's identity across runs: its name and its rank among the threads of that name, by pid and tid. */
function threadRoles(threads: readonly ThreadInfo[]): string[] {
  const order = threads.map((_, i) => i).sort((a, b) => threads[a]!.pid - threads[b]!.pid || threads[a]!.tid - threads[b]!.tid);
  const seen = new Map<string, number>();
  const roles = new Array<string>(threads.length);
  for (const i of order) {
    const comm = threads[i]!.comm;
    const k = seen.get(comm) ?? 0;
    seen.set(comm, k + 1);
    roles[i] = `${k}\u0000${comm}`;
  }
  return roles;
}
