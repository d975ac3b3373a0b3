// speedscope's file format (https://www.speedscope.app/file-format-schema.json): one sampled
// profile per thread, so the recording opens at speedscope.app or in its desktop build.
import { periodIsNanoseconds, stackLocs, type ProfileData } from '../../profile/profile.js';
import { selectStacks, type StackFilter } from '../../query/query.js';
import { FLAME_VERSION } from '../../../protocol/version.js';
import type { Exporter } from './format.js';

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

export interface SpeedscopeFrame {
  name: string;
  file?: string;
  line?: number;
}

export interface SpeedscopeSampledProfile {
  type: 'sampled';
  name: string;
  /** 'nanoseconds' when the weights are CPU time (perf's time events), 'none' when they are samples. */
  unit: 'nanoseconds' | 'none';
  startValue: number;
  endValue: number;
  /** Indexes into shared.frames, root first. */
  samples: number[][];
  weights: number[];
}

export interface SpeedscopeFile {
  $schema: typeof SPEEDSCOPE_SCHEMA;
  shared: { frames: SpeedscopeFrame[] };
  profiles: SpeedscopeSampledProfile[];
  name: string;
  activeProfileIndex: number;
  exporter: string;
}

export interface SpeedscopeOptions extends StackFilter {
  /** One profile for all threads instead of one per thread. */
  combineThreads?: boolean;
}

/**
 * The profile in speedscope's file format: one frame per function (so speedscope merges frames
 * as flame's call tree does), one 'sampled' profile per thread with each unique stack once and
 * its weight. For perf's time events (cpu-clock, task-clock) the weight is the stack's CPU time in
 * nanoseconds, its summed periods, so that speedscope shows times; for other events (cycles,
 * instructions), whose periods count the event, it is the stack's samples, unit 'none'. Opens on
 * the busiest thread.
 */
export function toSpeedscope(p: ProfileData, name: string, opts: SpeedscopeOptions = {}): SpeedscopeFile {
  const frames: SpeedscopeFrame[] = p.functions.map((f) => {
    const fr: SpeedscopeFrame = { name: f.name };
    if (f.file !== undefined) fr.file = f.file;
    if (f.line !== undefined) fr.line = f.line;
    return fr;
  });
  const groups = new Map<number, number[]>();
  for (const si of selectStacks(p, opts)) {
    const g = opts.combineThreads ? -1 : p.stacks.thread[si]!;
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(si);
  }
  const profiles: SpeedscopeSampledProfile[] = [];
  const inTime = periodIsNanoseconds(p.event);
  const weightOf = inTime ? p.stacks.period : p.stacks.samples;
  for (const [thread, stacks] of groups) {
    const samples: number[][] = new Array(stacks.length);
    const weights: number[] = new Array(stacks.length);
    let sum = 0;
    stacks.forEach((si, i) => {
      samples[i] = Array.from(stackLocs(p, si), (l) => p.locations[l]!.fn);
      weights[i] = Math.round(weightOf[si]!);
      sum += weights[i]!;
    });
    const t = p.threads[thread];
    profiles.push({
      type: 'sampled',
      name: t ? `${t.comm} (tid ${t.tid})` : name,
      unit: inTime ? 'nanoseconds' : 'none',
      startValue: 0,
      endValue: sum,
      samples,
      weights,
    });
  }
  let active = 0;
  profiles.forEach((pr, i) => {
    if (pr.endValue > profiles[active]!.endValue) active = i;
  });
  return { $schema: SPEEDSCOPE_SCHEMA, shared: { frames }, profiles, name, activeProfileIndex: active, exporter: `flame@${FLAME_VERSION}` };
}

export const exporter: Exporter = {
  render: (p, ctx) => JSON.stringify(toSpeedscope(p, ctx.title)),
};
