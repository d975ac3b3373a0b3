// pprof's profile.proto, gzipped: what `go tool pprof` and pprof's web UI read.
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Label, Line, Location as PLocation, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { stackLocs, type ProfileData } from '../../profile/profile.js';
import { selectStacks, type StackFilter } from '../../query/query.js';
import type { Exporter } from './format.js';

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
    for (let start = 0; start < locs.length;) {
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

export const exporter: Exporter = {
  render: (p) => toPprof(p),
};
