// The line-by-line state machine over perf-script text: sample headers ("comm pid time: period
// event:"), their stack lines, blank lines ending samples. It mirrors inferno's collapse-perf
// line for line (including its quirks) so the output matches; see fold.ts for the public API.
import { frameNames, isSpace, stackLineParts, trimSpace, type FrameRules } from './fold-names.js';
import { copyString, LineCache, type StackTable } from './fold-stacks.js';
import { grown } from '../profile/int-tables.js';

export interface ParserOptions extends FrameRules {
  pid: boolean;
  tid: boolean;
  eventFilter: string | undefined;
  skipAfter: string[];
  perl: boolean;
}

/** What the parser saw besides stacks; merged across parsers (workers) into the result. */
export interface ParserStats {
  samples: number;
  /** Some folded sample carried an event period. */
  periods: boolean;
  malformed: number;
  firstBad: { line: number; text: string } | undefined;
  /** The event type being folded (byte string), once known. */
  event: string | undefined;
  /** The event was picked as the first one seen, not given by the caller. */
  eventDefaulted: boolean;
  otherEventSamples: number;
  otherEvents: Set<string>;
}

const KEEP = 0;
const SKIP = 1;
const SKIP_REMAINING = 2;

/** A stack line that contributes no frame: a process name `(...)`, or not a stack line at all. */
const NO_FRAME = -1;
const WEIRD = -2;
const NO_PERIOD = -1;

/** A stack line's usual start: tab, padding, hex program counter, space. */
const PC_RE = /\t *[0-9a-fA-F]+ /y;

/** One resolved stack line: a single frame id, a marker, or several frames (Java `a->b`). */
type Resolved = number | { ids: number[]; stop: boolean };

export class SampleParser {
  readonly stats: ParserStats;
  private readonly rules: FrameRules;
  private readonly skipAfter: Set<string>;
  private readonly cache = new LineCache<Resolved>();
  private readonly javaCache = new LineCache<Resolved>();
  private readonly bySymbol = new Map<string, Resolved>();
  private readonly javaBySymbol = new Map<string, Resolved>();

  /** Lines fed so far (plus the line number before the first). */
  lineNo = 0;
  private inEvent = false;
  private filter = KEEP;
  private period = NO_PERIOD;
  private pname = 0;
  private pnameText = '';
  private isJava = false;
  private ids: Int32Array = new Int32Array(256);
  private depth = 0;
  // The previous sample's frames (outermost first) and tree nodes, to skip shared prefixes.
  private prevIds: Int32Array = new Int32Array(256);
  private prevNodes: Int32Array = new Int32Array(257);
  private prevDepth = 0;
  private prevRoot = -2;

  constructor(
    private readonly table: StackTable,
    private readonly opts: ParserOptions,
    /** Line number of the first line fed (workers start mid-file). */
    firstLine = 1,
  ) {
    this.rules = { kernel: opts.kernel, jit: opts.jit, addrs: opts.addrs };
    this.skipAfter = new Set(opts.skipAfter.map(toBytes));
    this.lineNo = firstLine - 1;
    const event = opts.eventFilter === undefined ? undefined : toBytes(opts.eventFilter);
    this.stats = {
      samples: 0,
      periods: false,
      malformed: 0,
      firstBad: undefined,
      event,
      eventDefaulted: false,
      otherEventSamples: 0,
      otherEvents: new Set(),
    };
  }

  /** Feed whole lines (a byte string); a last line without '\n' is taken as complete. */
  feed(text: string): void {
    const n = text.length;
    let pos = 0;
    while (pos < n) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = n;
      this.lineNo++;
      if (text.charCodeAt(pos) !== 35 /* # */) {
        let e = nl;
        while (e > pos && isSpace(text.charCodeAt(e - 1))) e--;
        if (e === pos) this.afterEvent();
        else if (this.inEvent) this.stackLine(text, pos, e);
        else this.eventLine(text.slice(pos, e));
      }
      pos = nl + 1;
    }
  }

  /** End of input: a sample not followed by a blank line still counts (not for Perl). */
  finish(): void {
    if (this.depth > 0 && !this.opts.perl) this.afterEvent();
  }

  private stackLine(text: string, s: number, e: number): void {
    if (this.filter !== KEEP) return;
    // Find the space after the program counter: perf's usual "\t   7f12ab34 " by a sticky
    // regex (native code even before V8 has optimised this function), anything else by hand.
    let sp = -1;
    PC_RE.lastIndex = s;
    if (PC_RE.test(text)) sp = PC_RE.lastIndex - 1;
    if (sp < 0 || sp >= e) {
      let p = s;
      while (p < e && isSpace(text.charCodeAt(p))) p++;
      sp = p;
      while (sp < e && text.charCodeAt(sp) !== 32) sp++;
      if (sp >= e) {
        this.bad(text.slice(s, e));
        return;
      }
    }
    // Without --addrs the program counter never reaches a name, so the key is what follows it.
    let k = sp + 1;
    if (this.opts.addrs) {
      k = s;
      while (isSpace(text.charCodeAt(k))) k++;
    }
    // The hash mixes the pc's last four digits with the key's length: cheap, and distinct
    // lines rarely share both.
    const pc = text.charCodeAt(sp - 1) | (text.charCodeAt(sp - 2) << 8) | (text.charCodeAt(sp - 3) << 16) | (text.charCodeAt(sp - 4) << 24);
    let h = Math.imul(pc, 0x9e3779b1) ^ Math.imul(e - k, 0x85ebca6b);
    h ^= h >>> 16;
    const cache = this.isJava ? this.javaCache : this.cache;
    let r = cache.get(h, text, k, e);
    if (r === undefined) {
      r = this.resolve(text, s, sp, e);
      cache.set(h, text, k, e, r);
    }
    if (typeof r === 'number') {
      if (r >= 0) {
        if (this.depth === this.ids.length) this.growIds();
        this.ids[this.depth++] = r;
      } else if (r === WEIRD) {
        this.bad(text.slice(s, e));
      }
    } else {
      const ids = r.ids;
      for (let i = ids.length - 1; i >= 0; i--) {
        if (this.depth === this.ids.length) this.growIds();
        this.ids[this.depth++] = ids[i]!;
      }
      if (r.stop) this.filter = SKIP_REMAINING;
    }
  }

  /** Resolve a stack line seen for the first time (by this parser's line cache). */
  /**
   * Resolve a stack line (text[p, e), its pc ending at sp) that missed the line cache. Lines
   * mostly miss because the symbol offset differs, so first try the line without its pc and
   * `+0x<hex>` offset: the name depends on nothing else.
   */
  private resolve(text: string, p: number, sp: number, e: number): Resolved {
    const bySymbol = this.isJava ? this.javaBySymbol : this.bySymbol;
    let key: string | undefined;
    if (!this.opts.addrs) {
      const ms = text.lastIndexOf(' ', e - 1);
      let q = ms;
      while (q > sp && isHexDigit(text.charCodeAt(q - 1))) q--;
      if (q - 3 > sp + 1 && text.charCodeAt(q - 1) === 120 && text.charCodeAt(q - 2) === 48 && text.charCodeAt(q - 3) === 43) {
        key = text.slice(sp + 1, q - 3) + '\u0001' + text.slice(ms, e);
        const known = bySymbol.get(key);
        if (known !== undefined) return known;
      }
    }
    let r: Resolved;
    const parts = stackLineParts(lossyUtf8(text.slice(p, e)));
    const named = parts === null ? null : frameNames(parts, this.isJava, this.rules);
    if (named === null) {
      r = WEIRD;
    } else if (named === 'skip') {
      r = NO_FRAME;
    } else {
      const ids = named.frames.map((f) => this.table.intern(f));
      const stop = this.skipAfter.has(named.rawfunc);
      r = ids.length === 1 && !stop ? ids[0]! : { ids, stop };
    }
    if (key !== undefined) bySymbol.set(copyString(key), r);
    return r;
  }

  private eventLine(raw: string): void {
    this.inEvent = true;
    const line = lossyUtf8(raw);
    const head = eventLineParts(line);
    if (head === null) {
      this.bad(raw);
      this.inEvent = false;
      return;
    }
    // After "comm pid": "time: [period ]event:[ single stack line]".
    const rest = line.slice(head.end);
    const c1 = rest.indexOf(':');
    let post: string | undefined;
    if (c1 >= 0) {
      const c2 = rest.indexOf(':', c1 + 1);
      const periodAndEvent = c2 >= 0 ? rest.slice(c1 + 1, c2) : rest.slice(c1 + 1);
      if (c2 >= 0) post = rest.slice(c2 + 1);
      const sp = periodAndEvent.lastIndexOf(' ');
      const event = periodAndEvent.slice(sp + 1);
      if (sp >= 0) {
        const prev = sp > 0 ? periodAndEvent.lastIndexOf(' ', sp - 1) : -1;
        this.period = parsePeriod(periodAndEvent.slice(prev + 1, sp));
      }
      const st = this.stats;
      if (st.event === undefined) {
        st.event = event;
        st.eventDefaulted = true;
      } else if (event !== st.event) {
        st.otherEventSamples++;
        if (st.otherEvents.size < 8) st.otherEvents.add(Buffer.from(event, 'latin1').toString('utf8'));
        this.filter = SKIP;
        return;
      }
    }
    // Some headers carry a one-frame stack after the event ("cycles:u:  ffff... sym (mod)"),
    // but a bare modifier list ("cycles:uppp:") is not one.
    let single = '';
    if (post !== undefined) {
      let i = 0;
      while (i < post.length && post.charCodeAt(i) !== 58 && post.charCodeAt(i) !== 32) i++;
      single = trimSpace(i < post.length ? post.slice(i + 1) : post);
    }
    let pname = head.comm.replaceAll(' ', '_');
    if (this.opts.tid) pname += `-${head.pid}/${head.tid}`;
    else if (this.opts.pid) pname += `-${head.pid}`;
    if (pname !== this.pnameText) {
      this.pnameText = pname;
      this.pname = this.table.intern(pname);
      this.isJava = this.opts.perl ? pname === 'java' : pname.startsWith('java');
    }
    if (single !== '') {
      this.stackLine(single, 0, single.length);
      this.inEvent = false;
      if (this.depth > 0) this.afterEvent();
    }
  }

  private afterEvent(): void {
    const depth = this.depth;
    if (depth > 0) {
      const t = this.table;
      const root = this.filter === SKIP_REMAINING ? -1 : this.pname;
      // Successive samples mostly share their outer frames: walk the previous sample's nodes
      // while the frames agree, and hash only below that.
      const ids = this.ids;
      let prev = this.prevNodes;
      if (prev.length < depth + 1) prev = this.prevNodes = grown(prev, depth + 1);
      const prevIds = this.prevIds;
      let node = 0;
      let same = root === this.prevRoot;
      let j = 0;
      if (root >= 0) node = same ? prev[0]! : t.child(0, root);
      prev[0] = node;
      for (let i = depth - 1; i >= 0; i--, j++) {
        const id = ids[i]!;
        if (same && j < this.prevDepth && prevIds[j] === id) {
          node = prev[j + 1]!;
        } else {
          same = false;
          node = t.child(node, id);
          prev[j + 1] = node;
          prevIds[j] = id;
        }
      }
      this.prevDepth = depth;
      this.prevRoot = root;
      t.add(node, this.period === NO_PERIOD ? 1 : this.period);
      this.stats.samples++;
      if (this.period !== NO_PERIOD) this.stats.periods = true;
    }
    this.inEvent = false;
    this.filter = KEEP;
    this.depth = 0;
    this.period = NO_PERIOD;
  }

  private bad(line: string): void {
    const st = this.stats;
    st.malformed++;
    if (st.firstBad === undefined) st.firstBad = { line: this.lineNo, text: copyString(line) };
  }

  private growIds(): void {
    this.ids = grown(this.ids);
    this.prevIds = grown(this.prevIds, this.ids.length);
  }
}

/**
 * Find "comm pid" or "comm pid/tid" at the start of a header: the comm (which may hold spaces)
 * ends before the first all-digit word. `end` is where the rest of the header starts.
 */
export function eventLineParts(line: string): { comm: string; pid: string; tid: string; end: number } | null {
  let wordStart = 0;
  let allDigits = false;
  let lastWasSpace = false;
  let slash = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) {
      if (allDigits && !lastWasSpace) {
        const pid = slash >= 0 ? line.slice(wordStart, slash) : '?';
        const tid = slash >= 0 ? line.slice(slash + 1, i) : line.slice(wordStart, i);
        return { comm: trimSpace(line.slice(0, wordStart - 1)), pid, tid, end: i + 1 };
      }
      wordStart = i + 1;
      allDigits = true;
    } else if (c === 47 /* / */) {
      if (allDigits) slash = i;
    } else if (c < 48 || c > 57) {
      allDigits = false;
      slash = -1;
    }
    lastWasSpace = c === 32;
  }
  return null;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** An unsigned 64-bit decimal, as Rust's u64 parser accepts it; NO_PERIOD otherwise. */
function parsePeriod(s: string): number {
  let i = s.charCodeAt(0) === 43 /* + */ ? 1 : 0;
  if (i >= s.length || s.length - i > 20) return NO_PERIOD;
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return NO_PERIOD;
  }
  const digits = s.slice(i);
  if (digits.length === 20 && BigInt(digits) > 0xffffffffffffffffn) return NO_PERIOD;
  return Number(digits);
}

/** A byte string of UTF-8, with invalid sequences replaced by U+FFFD as Rust's lossy decoding does. */
function lossyUtf8(s: string): string {
  return HIGH_BYTE.test(s) ? Buffer.from(Buffer.from(s, 'latin1').toString('utf8'), 'utf8').toString('latin1') : s;
}

const HIGH_BYTE = /[\x80-\xff]/;

/** A JS string as a byte string (its UTF-8 bytes, one char each). */
export function toBytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}
