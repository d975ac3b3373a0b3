// How a profile is laid out on disk: a small JSON header (names, locations, threads, totals)
// followed by the stack columns as raw little-endian typed arrays. Reading it back makes the
// columns views over the file's own bytes, so loading a million-sample profile costs one buffer
// of its size and no parsing of the stacks at all (the JSON form of format 1 cost a string and
// a parse several times the profile's size, and that peak stayed in the daemon's RSS).
//
//   bytes 0..7    magic "FLAMEPF3" (format 3) or "FLAMEPF2" (format 2, read only)
//   bytes 8..11   header length H (u32 LE); bytes 12..15 zero
//   16..16+H      header JSON, UTF-8, padded with spaces to a multiple of 8
//   then          start u32[n+1], locs u32[m], thread u32[n] (padded to 8), samples f64[n], period f64[n]
//   format 3      then, when the header's `runs` lists R ≥ 2 runs, runSamples f64[R·n], run-major
// Fields added to the header since (locations' addresses and mappings, the recording's time) are
// optional: a profile stored before them reads as one without them.
// Format 3 is format 2 plus the per-run counts: a profile of one run is the same bytes but for the
// magic and `runs: [samples]` in the header, and each extra run adds one column of n counts.
import { StackColumnsBuilder, type ProfileData, type StackColumns } from '../profile/profile.js';

const MAGIC = Buffer.from('FLAMEPF3', 'latin1');
const MAGIC_2 = Buffer.from('FLAMEPF2', 'latin1');

/** The header: everything but the stack columns, plus their sizes (format 2 has no `runs`). */
type Header = Omit<ProfileData, 'stacks' | 'format' | 'runs'> & { stackCount: number; locCount: number; runs?: number[] };

/** The profile in format 3, as the pieces to write in order (no copy of the columns). */
export function encodeProfile(p: ProfileData): Buffer[] {
  assertLittleEndian();
  const s = p.stacks;
  const { stacks: _, ...rest } = p;
  const header: Header = { ...rest, stackCount: s.thread.length, locCount: s.locs.length };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const head = Buffer.alloc(16);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(json.length, 8);
  const view = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const u32 = s.start.length + s.locs.length + s.thread.length;
  const pad = Buffer.alloc((u32 % 2) * 4);
  const pieces = [head, json, view(s.start), view(s.locs), view(s.thread), pad, view(s.samples), view(s.period)];
  if (p.runs.length > 1) pieces.push(view(s.runSamples));
  return pieces;
}

/** Whether a (decompressed) data file is in a binary format (3, or 2 as flame wrote before several runs). */
export function isBinaryFormat(buf: Buffer): boolean {
  return buf.length >= 16 && (buf.subarray(0, 8).equals(MAGIC) || buf.subarray(0, 8).equals(MAGIC_2));
}

/**
 * A profile from format-3 or format-2 bytes (format 2 is one run). The stack columns are views
 * over `buf` (copied first only if it is not 8-byte aligned), so keep no other reference to
 * `buf`. Throws on any inconsistency.
 */
export function decodeProfile(buf: Buffer): ProfileData {
  if (!isBinaryFormat(buf)) throw new Error('not a flame profile (format 3 or 2): bad magic');
  assertLittleEndian();
  const version2 = buf.subarray(0, 8).equals(MAGIC_2);
  const hlen = buf.readUInt32LE(8);
  if (hlen % 8 !== 0 || 16 + hlen > buf.length) throw new Error(`bad header length ${hlen}`);
  const header = JSON.parse(buf.toString('utf8', 16, 16 + hlen)) as Header;
  const n = header.stackCount;
  const m = header.locCount;
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 0 || m < 0) throw new Error('bad stack counts in header');
  const runs = version2 ? [header.totalSamples] : header.runs;
  if (!Array.isArray(runs) || runs.length < 1 || !runs.every((r) => typeof r === 'number' && Number.isFinite(r) && r >= 0))
    throw new Error('bad header: no list of runs');
  const perRun = runs.length > 1 ? runs.length : 0;
  const u32 = n + 1 + m + n;
  const expected = 16 + hlen + (u32 + (u32 % 2)) * 4 + n * 16 + perRun * n * 8;
  if (buf.length !== expected) throw new Error(`size ${buf.length} bytes, expected ${expected} for ${n} stacks and ${m} frames`);
  let data = buf;
  if (data.byteOffset % 8 !== 0) data = Buffer.from(data); // Buffer.from(Buffer) copies into a fresh, aligned store
  let off = data.byteOffset + 16 + hlen;
  const u32s = (len: number): Uint32Array => {
    const a = new Uint32Array(data.buffer, off, len);
    off += len * 4;
    return a;
  };
  const start = u32s(n + 1);
  const locs = u32s(m);
  const thread = u32s(n);
  off += (u32 % 2) * 4;
  const f64s = (len: number): Float64Array => {
    const a = new Float64Array(data.buffer, off, len);
    off += len * 8;
    return a;
  };
  const samples = f64s(n);
  const period = f64s(n);
  const runSamples = f64s(perRun * n);
  const stacks: StackColumns = { start, locs, thread, samples, period, runSamples };
  checkColumns(stacks, header.locations.length, header.threads.length);
  checkRuns(stacks, runs);
  // The header's own references too: a location naming no function would fail every query later.
  if (
    !Array.isArray(header.functions) ||
    !Array.isArray(header.threads) ||
    !header.locations.every((l) => l !== null && typeof l === 'object' && Number.isInteger(l.fn) && l.fn >= 0 && l.fn < header.functions.length)
  ) {
    throw new Error('bad header: a location refers to no function');
  }
  if (!header.functions.every((f) => f !== null && typeof f === 'object' && typeof f.name === 'string'))
    throw new Error('bad header: a function without a name');
  const mappings = header.mappings ?? [];
  if (
    !Array.isArray(mappings) ||
    !header.locations.every((l) => l.mapping === undefined || (Number.isInteger(l.mapping) && l.mapping >= 0 && l.mapping < mappings.length))
  )
    throw new Error('bad header: a location refers to no mapping');
  const { stackCount: _n, locCount: _m, runs: _r, ...rest } = header;
  return { ...rest, format: 'flame-profile/3', runs, stacks };
}

/** A format-1 profile (JSON with a record per stack, written before format 2) in today's form. */
export function upgradeFormat1(old: unknown): ProfileData {
  const o = old as Omit<ProfileData, 'stacks' | 'format'> & {
    format?: string;
    stacks?: Array<{ locs: number[]; thread: number; samples: number; period: number }>;
  };
  if (o?.format !== 'flame-profile/1' || !Array.isArray(o.stacks)) throw new Error(`format is ${String(o?.format)}`);
  const b = new StackColumnsBuilder();
  for (const s of o.stacks) b.push(s.locs, s.thread, s.samples, s.period);
  const stacks = b.finish();
  checkColumns(stacks, o.locations.length, o.threads.length);
  return { ...o, format: 'flame-profile/3', runs: [o.totalSamples], stacks };
}

/** Every offset in order and every id in range, so queries can index without checks. */
function checkColumns(s: StackColumns, locations: number, threads: number): void {
  const n = s.thread.length;
  if (s.start[0] !== 0 || s.start[n] !== s.locs.length) throw new Error('stack offsets do not cover the frames');
  for (let i = 0; i < n; i++) {
    if (s.start[i + 1]! < s.start[i]!) throw new Error(`stack ${i} has a negative length`);
    if (s.thread[i]! >= threads) throw new Error(`stack ${i} names thread ${s.thread[i]} of ${threads}`);
  }
  for (let k = 0; k < s.locs.length; k++) if (s.locs[k]! >= locations) throw new Error(`frame ${k} names location ${s.locs[k]} of ${locations}`);
}

/** Each stack's runs sum to its count and each run's column to the run's total, so per-run shares add up. */
function checkRuns(s: StackColumns, runs: number[]): void {
  if (runs.length < 2) return;
  const n = s.thread.length;
  const totals = new Float64Array(runs.length);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let r = 0; r < runs.length; r++) {
      const c = s.runSamples[r * n + i]!;
      if (!(c >= 0)) throw new Error(`stack ${i} has a negative count in run ${r + 1}`);
      sum += c;
      totals[r] += c;
    }
    if (sum !== s.samples[i]) throw new Error(`stack ${i}: its runs' counts sum to ${sum}, not its ${s.samples[i]} samples`);
  }
  runs.forEach((t, r) => {
    if (totals[r] !== t) throw new Error(`run ${r + 1}'s counts sum to ${totals[r]}, not the ${t} samples the header says`);
  });
}

/** Typed arrays are read and written in the machine's byte order; the formats are little-endian. */
function assertLittleEndian(): void {
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('flame profile files are little-endian; this machine is not');
}
