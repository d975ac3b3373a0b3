// A profile in other tools' formats: folded text (inferno, flamegraph.pl), speedscope's JSON file
// format, and pprof's profile.proto, so users can open flame's recordings where they like.
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Label, Line, Location as PLocation, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { formatFolded } from '../render/folded.js';
import { stackLocs, type ProfileData } from '../profile/profile.js';
import { foldedStacks, selectStacks, type FoldedOptions, type StackFilter } from '../query/query.js';
import { FLAME_VERSION } from '../../protocol/version.js';
import { ErrorCodes, FlameError } from '../../common/errors.js';
import type { SvgOptions } from '../render/svg-options.js';
import { renderGuarded } from '../render/svg-guard.js';

/** Folded stacks as text: one "a;b;c N" line per stack, sorted, newline-terminated. */
export function toFolded(p: ProfileData, opts: FoldedOptions = {}): string {
  return formatFolded(foldedStacks(p, opts));
}

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

export interface SpeedscopeFrame {
  name: string;
  file?: string;
  line?: number;
}

export interface SpeedscopeSampledProfile {
  type: 'sampled';
  name: string;
  unit: 'none';
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
 * its sample count as weight. Opens on the busiest thread.
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
  for (const [thread, stacks] of groups) {
    const samples: number[][] = new Array(stacks.length);
    const weights: number[] = new Array(stacks.length);
    let sum = 0;
    stacks.forEach((si, i) => {
      samples[i] = Array.from(stackLocs(p, si), (l) => p.locations[l]!.fn);
      weights[i] = p.stacks.samples[si]!;
      sum += weights[i]!;
    });
    const t = p.threads[thread];
    profiles.push({ type: 'sampled', name: t ? `${t.comm} (tid ${t.tid})` : name, unit: 'none', startValue: 0, endValue: sum, samples, weights });
  }
  let active = 0;
  profiles.forEach((pr, i) => {
    if (pr.endValue > profiles[active]!.endValue) active = i;
  });
  return { $schema: SPEEDSCOPE_SCHEMA, shared: { frames }, profiles, name, activeProfileIndex: active, exporter: `flame@${FLAME_VERSION}` };
}

/**
 * The profile as a gzipped profile.proto (what `go tool pprof` and pprof's web UI read; they also
 * take it unzipped). Sample values are [samples]; each sample carries its thread as labels
 * "thread" (name) and "thread_id". A run of frames inlined into one another is one Location with
 * a Line per frame, innermost first, as pprof models inlining.
 */
export function toPprof(p: ProfileData, opts: StackFilter = {}): Uint8Array {
  const strings = new StringTable();
  const functions = p.functions.map(
    (f, i) =>
      new PFunction({
        id: i + 1,
        name: strings.dedup(f.name),
        systemName: strings.dedup(f.name),
        filename: strings.dedup(f.file ?? f.dso ?? ''),
        startLine: f.line ?? 0,
      }),
  );
  const locations: PLocation[] = [];
  // Most frames have no inlinees: those map to their Location by index, without a string key.
  const singleIds = new Int32Array(p.locations.length);
  const chainIds = new Map<string, number>();
  /** The pprof Location of ProfileData locations locs[from..to), an outer frame and its inlinees. */
  const locationOf = (locs: Uint32Array, from: number, to: number): number => {
    const key = to - from === 1 ? '' : locs.subarray(from, to).join(',');
    let id = key === '' ? singleIds[locs[from]!]! || undefined : chainIds.get(key);
    if (id === undefined) {
      id = locations.length + 1;
      const lines: Line[] = [];
      for (let k = to - 1; k >= from; k--) {
        const loc = p.locations[locs[k]!]!;
        lines.push(new Line({ functionId: loc.fn + 1, line: loc.line ?? 0 }));
      }
      locations.push(new PLocation({ id, line: lines }));
      if (key === '') singleIds[locs[from]!] = id;
      else chainIds.set(key, id);
    }
    return id;
  };
  const threadKey = strings.dedup('thread');
  const tidKey = strings.dedup('thread_id');
  // The labels depend only on the thread: made once per thread, shared by its samples.
  const labelsOf: Label[][] = [];
  const samples: Sample[] = [];
  for (const si of selectStacks(p, opts)) {
    const ids: number[] = [];
    const locs = stackLocs(p, si);
    for (let start = 0; start < locs.length; ) {
      let end = start + 1;
      while (end < locs.length && p.locations[locs[end]!]!.inlined) end++;
      ids.push(locationOf(locs, start, end));
      start = end;
    }
    ids.reverse(); // pprof lists the leaf first
    const ti = p.stacks.thread[si]!;
    const t = p.threads[ti]!;
    const label = (labelsOf[ti] ??= [new Label({ key: threadKey, str: strings.dedup(t.comm) }), new Label({ key: tidKey, num: t.tid })]);
    samples.push(new Sample({ locationId: ids, value: [p.stacks.samples[si]!], label }));
  }
  const profile = new Profile({
    sampleType: [new ValueType({ type: strings.dedup('samples'), unit: strings.dedup('count') })],
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
    comment: p.event ? [strings.dedup(`event: ${p.event}`)] : [],
  });
  return gzipSync(profile.encode());
}

/** The export formats, in the order help texts list them. */
export const EXPORT_FORMATS = ['folded', 'svg', 'speedscope', 'pprof'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportedProfile {
  format: ExportFormat;
  mediaType: string;
  /** How `data` is written: text as is, binary as base64 (the wire carries JSON). */
  encoding: 'utf8' | 'base64';
  data: string;
}

/**
 * One profile in one format, as the daemon's `profile/export` and the CLI's `flame export` (from
 * the history or straight from a recording) give it.
 */
export async function exportProfile(p: ProfileData, format: unknown, opts: { title: string; svg?: Record<string, unknown> }): Promise<ExportedProfile> {
  switch (format) {
    case 'folded':
      return { format, mediaType: 'text/plain', encoding: 'utf8', data: toFolded(p) };
    case 'svg':
    {
      const svgOpts: SvgOptions = { countName: p.unit, ...(opts.svg ?? {}) };
      const r = await renderGuarded(foldedStacks(p), svgOpts);
      if ('tooBig' in r) throw new FlameError(ErrorCodes.BadInput, r.tooBig);
      return { format, mediaType: 'image/svg+xml', encoding: 'utf8', data: r.svg.toString('utf8') };
    }
    case 'speedscope':
      return { format, mediaType: 'application/json', encoding: 'utf8', data: JSON.stringify(toSpeedscope(p, opts.title)) };
    case 'pprof':
      return { format, mediaType: 'application/vnd.google.protobuf', encoding: 'base64', data: Buffer.from(toPprof(p)).toString('base64') };
    default:
      throw new FlameError(ErrorCodes.InvalidParams, `unknown export format '${String(format)}'; use ${EXPORT_FORMATS.join(', ')}`);
  }
}
