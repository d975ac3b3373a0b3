// Parses `perf script --no-inline -F comm,pid,tid,time,period,event,ip,sym,symoff,dso` output
// into structured samples (addresses kept) for flame's own symbolization. Pure and push-based:
// feed lines, receive samples; a bad line is counted, never fatal.
//
// Why this is not flame-native's fold parser (native/src/fold.rs), though both read perf script:
// they read different texts for different ends, so one set of rules would serve neither.
// - The input. This reader takes only what flame itself asks perf for, with the field list
//   above, plus the mmap and lost-event records it needs (build-ids, lost samples); the fold
//   parser takes whatever `perf script` text a user hands it (any fields, any perf version,
//   stackcollapse-perf.pl's quirks under --compat perl) and must match inferno's foldings.
// - The output. This reader keeps each frame's address, symbol offset and file, per sample with
//   its thread, time and period, because flame resolves inline frames and source lines itself;
//   fold turns frames into display names at once (tidied, annotated _[k]/_[j], joined by ';')
//   and keeps counts only, so the addresses this reader exists for are gone.
// - The process. This reader runs inside the daemon and `flame record`, on perf's stdout as it
//   streams (the analysis follows the recording); sharing the Rust parser would mean a second
//   process and a text format between them that carries what fold drops.
// What they have in common is the shape of a sample header (a comm that may hold spaces,
// pid/tid, time, period, event), a handful of lines here with this reader's fixed field list.

/** One frame as perf printed it. `addr` is a file offset for user-space DSOs. */
export interface RawFrame {
  /** The address as hex text (kernel addresses do not fit a JS number exactly). */
  addrHex: string;
  /** perf's symbol name (already demangled by perf), or '[unknown]'. */
  sym: string;
  /** Offset into the symbol, when perf printed one. */
  symoff?: number;
  /** The mapped file perf names, e.g. /usr/lib/.../libc.so.6, [kernel.kallsyms], [unknown]. */
  dso: string;
}

export interface RawSample {
  comm: string;
  pid: number;
  tid: number;
  time: number;
  period: number;
  event: string;
  /** Leaf first, as perf prints them. */
  frames: RawFrame[];
}

export interface ParseStats {
  samples: number;
  /** Lines that matched neither a sample header nor a frame. */
  malformedLines: number;
  /** The first malformed line, for the one warning we print. */
  firstMalformed?: { lineNo: number; text: string };
  /** Samples perf reported lost (--show-lost-events: the sum of its PERF_RECORD_LOST lines). */
  lostEvents: number;
  /**
   * The build-id each mapped file had when it was recorded (--show-mmap-events of a recording
   * made with --buildid-mmap), by path; files mapped without one are absent.
   */
  buildIds: Map<string, string>;
  /** Samples whose event differed from the first event seen (not folded, as perf report -e does). */
  otherEventSamples: number;
}

// comm may contain spaces, so anchor on the fields at the end of the line.
const HEADER = /^(.*?)\s+(-?\d+)\/(-?\d+)\s+(\d+\.\d+):\s+(\d+)\s+([^\s:][^\s]*?):\s*$/;
const HEADER_NO_PERIOD = /^(.*?)\s+(-?\d+)\/(-?\d+)\s+(\d+\.\d+):\s+([^\s:][^\s]*?):\s*$/;
// What perf 6.1 prints: `comm pid/tid time: PERF_RECORD_LOST lost 5`.
const LOST = /\bPERF_RECORD_LOST\s+lost\s+(\d+)/;
// `... PERF_RECORD_MMAP2 pid/tid: [0xstart(0xlen) @ 0xpgoff <buildid>]: r-xp /path`; without a
// build-id the brackets hold device and inode numbers instead.
const MMAP = /\bPERF_RECORD_MMAP2?\s.*?\[0x[0-9a-f]+\(0x[0-9a-f]+\) @ \S+(?: <([0-9a-f]+)>)?[^\]]*\]: \S+ (.+)$/;

export class PerfScriptParser {
  readonly stats: ParseStats = { samples: 0, malformedLines: 0, lostEvents: 0, buildIds: new Map(), otherEventSamples: 0 };
  private current: RawSample | undefined;
  private firstEvent: string | undefined;
  private lineNo = 0;

  constructor(private readonly onSample: (s: RawSample) => void) {}

  /** Feed one line (without its newline). */
  line(text: string): void {
    this.lineNo++;
    if (text.length === 0 || text.trim().length === 0) {
      this.flush();
      return;
    }
    const c = text.charCodeAt(0);
    if (c === 9 || c === 32) {
      // A frame line: "\t    addr sym+0xoff (dso)"; a header never starts with white space
      // because perf left-aligns comm... except that comm can be empty, handled below.
      const frame = parseFrame(text);
      if (frame && this.current) {
        this.current.frames.push(frame);
        return;
      }
      if (!frame && (this.tryHeader(text.trimStart()) || this.tryEvent(text))) return;
      this.malformed(text);
      return;
    }
    if (c === 35 /* # */) return; // perf's comment lines
    if (this.tryHeader(text) || this.tryEvent(text)) return;
    this.malformed(text);
  }

  /** A side-band record perf script prints between samples: lost samples, a mapped file. */
  private tryEvent(text: string): boolean {
    const lost = LOST.exec(text);
    if (lost) {
      this.flush();
      this.stats.lostEvents += Number(lost[1]);
      return true;
    }
    const mmap = MMAP.exec(text);
    if (mmap) {
      this.flush();
      if (mmap[1] !== undefined) this.stats.buildIds.set(mmap[2]!, mmap[1]);
      return true;
    }
    return false;
  }

  /** Call at end of input. */
  end(): ParseStats {
    this.flush();
    return this.stats;
  }

  private tryHeader(text: string): boolean {
    let m = HEADER.exec(text);
    let period = 1;
    let event: string;
    if (m) {
      period = Number(m[5]);
      event = m[6]!;
    } else {
      m = HEADER_NO_PERIOD.exec(text);
      if (!m) return false;
      event = m[5]!;
    }
    this.flush();
    this.current = { comm: m[1]!.trim(), pid: Number(m[2]), tid: Number(m[3]), time: Number(m[4]), period, event, frames: [] };
    return true;
  }

  private flush(): void {
    const s = this.current;
    if (!s) return;
    this.current = undefined;
    if (this.firstEvent === undefined) this.firstEvent = s.event;
    if (s.event !== this.firstEvent) {
      this.stats.otherEventSamples++;
      return;
    }
    this.stats.samples++;
    this.onSample(s);
  }

  private malformed(text: string): void {
    this.stats.malformedLines++;
    if (!this.stats.firstMalformed) this.stats.firstMalformed = { lineNo: this.lineNo, text: text.slice(0, 200) };
  }
}

/** Parse "\t    1b31a hotspots::hash_chain+0x6a (/path/bin)"; undefined when it is not a frame. */
function parseFrame(text: string): RawFrame | undefined {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 9 || text.charCodeAt(i) === 32)) i++;
  const sp = text.indexOf(' ', i);
  if (sp < 0) return undefined;
  const addrHex = text.slice(i, sp);
  if (!/^[0-9a-f]+$/i.test(addrHex)) return undefined;
  const rest = text.slice(sp + 1).trimEnd();
  let sym = rest;
  let dso = '[unknown]';
  if (rest.endsWith(')')) {
    const open = rest.lastIndexOf(' (');
    if (open >= 0) {
      dso = rest.slice(open + 2, -1);
      sym = rest.slice(0, open);
    } else if (rest.startsWith('(')) {
      dso = rest.slice(1, -1);
      sym = '[unknown]';
    }
  }
  let symoff: number | undefined;
  const plus = sym.lastIndexOf('+0x');
  if (plus > 0 && /^[0-9a-f]+$/i.test(sym.slice(plus + 3))) {
    symoff = parseInt(sym.slice(plus + 3), 16);
    sym = sym.slice(0, plus);
  }
  if (sym.length === 0) sym = '[unknown]';
  return symoff === undefined ? { addrHex, sym, dso } : { addrHex, sym, symoff, dso };
}
