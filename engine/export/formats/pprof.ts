// pprof's profile.proto, gzipped: what `go tool pprof`, pprof's web UI and Grafana Pyroscope read.
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Label, Line, Location as PLocation, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { periodIsNanoseconds, stackLocs, type ProfileData } from '../../profile/profile.js';
import { selectStacks, type StackFilter } from '../../query/query.js';
import type { Exporter } from './format.js';

/**
 * The profile as a gzipped profile.proto (pprof also takes it unzipped), made so that pprof's
 * default settings show it as flame does:
 * - Sample values are [samples/count, cpu/nanoseconds] for perf's time events (cpu-clock,
 *   task-clock, whose periods are nanoseconds), [samples/count, <event>/count] for others; pprof
 *   shows the last by default. The period type and mean period, the recording's start and
 *   duration go with them. Each sample carries its thread as labels "thread" and "thread_id".
 * - A Function is one (name, the line's file, declaration line), as pprof's own symbolizer makes
 *   them, so that each Line shows its own file. Its system name is the linkage (mangled) name
 *   where flame has it, else empty: never the name itself, which pprof would take for one still to
 *   demangle, cutting Rust's `<T as Trait>` out of it.
 * - A Location is one instruction: its ELF virtual address in a Mapping of the binary (path,
 *   build-id, the loaded segment's addresses and file offset), so `-disasm` reads the binary; its
 *   Lines are the instruction's inline chain, innermost first. Every Mapping says it has
 *   functions, files, lines and inline frames, so pprof does not symbolize it again.
 */
export function toPprof(p: ProfileData, opts: StackFilter = {}): Uint8Array {
  const strings = new StringTable();
  const mappingIds = mappingOrder(p);
  const functions: PFunction[] = [];
  const functionIds = new Map<string, number>();
  const functionOf = (fn: number, file: string): number => {
    const f = p.functions[fn]!;
    const key = `${fn}\u0000${file}`;
    let id = functionIds.get(key);
    if (id === undefined) {
      id = functions.length + 1;
      functions.push(
        new PFunction({
          id,
          name: strings.dedup(f.name),
          systemName: strings.dedup(f.systemName ?? ''),
          filename: strings.dedup(file),
          startLine: f.line ?? 0,
        }),
      );
      functionIds.set(key, id);
    }
    return id;
  };
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
        lines.push(new Line({ functionId: functionOf(loc.fn, loc.file ?? ''), line: loc.line ?? 0 }));
      }
      const outer = p.locations[locs[from]!]!;
      const mappingId = outer.mapping === undefined ? 0 : mappingIds[outer.mapping]!;
      locations.push(new PLocation({ id, line: lines, mappingId, address: mappingId === 0 ? 0 : (outer.address ?? 0) }));
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
  const withPeriod = p.event !== '';
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
    const value = withPeriod ? [p.stacks.samples[si]!, Math.round(p.stacks.period[si]!)] : [p.stacks.samples[si]!];
    samples.push(new Sample({ locationId: ids, value, label }));
  }
  const valueType = (type: string, unit: string): ValueType => new ValueType({ type: strings.dedup(type), unit: strings.dedup(unit) });
  const periodType = !withPeriod ? undefined : periodIsNanoseconds(p.event) ? valueType('cpu', 'nanoseconds') : valueType(eventName(p.event), 'count');
  const hasFiles = new Uint8Array(p.mappings?.length ?? 0);
  const hasLines = new Uint8Array(hasFiles.length);
  for (const l of p.locations) {
    if (l.mapping === undefined) continue;
    if (l.file !== undefined) hasFiles[l.mapping] = 1;
    if (l.line !== undefined) hasLines[l.mapping] = 1;
  }
  const mapping = (p.mappings ?? []).map(
    (m, i) =>
      new Mapping({
        id: mappingIds[i]!,
        memoryStart: m.start,
        memoryLimit: m.limit,
        fileOffset: m.offset,
        filename: strings.dedup(m.file),
        buildId: strings.dedup(m.buildId ?? ''),
        hasFunctions: true,
        hasFilenames: hasFiles[i] === 1,
        hasLineNumbers: hasLines[i] === 1,
        hasInlineFrames: true,
      }),
  );
  mapping.sort((a, b) => Number(a.id) - Number(b.id));
  const profile = new Profile({
    sampleType: [valueType('samples', 'count'), ...(periodType ? [periodType] : [])],
    sample: samples,
    mapping,
    location: locations,
    function: functions,
    stringTable: strings,
    comment: p.event ? [strings.dedup(`event: ${p.event}`)] : [],
    ...(periodType ? { periodType, period: p.totalSamples > 0 ? Math.round(p.totalPeriod / p.totalSamples) : 0 } : {}),
    ...(p.time ? { timeNanos: BigInt(p.time.startMs) * 1_000_000n, durationNanos: p.time.durationNs } : {}),
  });
  return gzipSync(profile.encode());
}

/** perf's event name without its modifiers (`cycles:P` → `cycles`). */
function eventName(event: string): string {
  return event.replace(/:.*$/, '');
}

/**
 * pprof ids of the profile's mappings (1-based, by mapping index). pprof takes the first mapping
 * for the main binary: that is the one holding the outermost mapped frame of the most samples
 * (the program's `_start` and `main`, not the libc its hot loop calls).
 */
function mappingOrder(p: ProfileData): number[] {
  const n = p.mappings?.length ?? 0;
  const weight = new Float64Array(n);
  for (let si = 0; si < p.stacks.thread.length; si++) {
    for (const l of stackLocs(p, si)) {
      const m = p.locations[l]!.mapping;
      if (m !== undefined) {
        weight[m] += p.stacks.samples[si]!;
        break;
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => weight[b]! - weight[a]! || a - b);
  const ids = new Array<number>(n);
  order.forEach((m, k) => (ids[m] = k + 1));
  return ids;
}

export const exporter: Exporter = {
  render: (p) => toPprof(p),
};
