// Counting stacks without building a string per sample: frames are interned to ids and stacks
// are nodes of a prefix tree kept in typed arrays, so a sample costs one probe per frame and the
// joined "a;b;c" strings are built once per distinct stack, at the end.
import { grown } from '../profile/int-tables.js';

/** A StackTable as plain data, for moving it between threads. */
export interface TableParts {
  names: string[];
  parent: Int32Array;
  frame: Int32Array;
  count: Float64Array;
}

/** Interned frame names (byte strings) and a prefix tree of frame ids with a count per node. */
export class StackTable {
  /** Frame name by id. */
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();

  // Tree nodes: node 0 is the (nameless) root.
  private parent: Int32Array = new Int32Array(1024);
  private frame: Int32Array = new Int32Array(1024);
  private count = new Float64Array(1024);
  private nodes = 1;

  // Open-addressing map (parent, frame) → child node; slot value 0 means empty.
  private slots = new Int32Array(4096);
  private mask = 4095;

  /** The id of a frame name; `name` is copied so that it does not pin a large input string. */
  intern(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      const own = copyString(name);
      this.names.push(own);
      this.ids.set(own, id);
    }
    return id;
  }

  /** The node for `frame` called from `node` (0 for the root), created on first use. */
  child(node: number, frame: number): number {
    let h = (Math.imul(node, 0x9e3779b1) ^ Math.imul(frame, 0x85ebca6b)) >>> 0;
    h ^= h >>> 15;
    const mask = this.mask;
    const slots = this.slots;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const n = slots[i]!;
      if (n === 0) return this.create(i, node, frame);
      if (this.parent[n] === node && this.frame[n] === frame) return n;
    }
  }

  add(node: number, n: number): void {
    this.count[node] += n;
  }

  /**
   * Every counted stack as ["root;...;leaf" byte string, count, whether it is all ASCII]. Each
   * name is joined from its frames into a flat string: rope strings (parent + ';' + frame) would
   * be cheaper to make but far slower to sort, hash and write.
   */
  *stacks(): Generator<[string, number, boolean]> {
    const frameHigh = this.names.map((s) => (/[^\x00-\x7f]/.test(s) ? 1 : 0));
    const parts: string[] = [];
    for (let n = 1; n < this.nodes; n++) {
      const c = this.count[n]!;
      if (c === 0) continue;
      parts.length = 0;
      let high = 0;
      for (let m = n; m !== 0; m = this.parent[m]!) {
        const f = this.frame[m]!;
        parts.push(this.names[f]!);
        high |= frameHigh[f]!;
      }
      parts.reverse();
      yield [parts.join(';'), c, high === 0];
    }
  }

  /** The table as plain data (typed arrays transfer between threads without copying). */
  toParts(): TableParts {
    return {
      names: this.names,
      parent: this.parent.slice(0, this.nodes),
      frame: this.frame.slice(0, this.nodes),
      count: this.count.slice(0, this.nodes),
    };
  }

  /** Add every counted stack of a table given as parts (a worker's). */
  mergeParts(o: TableParts): void {
    const map = new Int32Array(o.parent.length);
    const fmap = o.names.map((s) => this.intern(s));
    for (let n = 1; n < o.parent.length; n++) {
      // Parents are always created before their children, so map[parent] is ready.
      map[n] = this.child(map[o.parent[n]!]!, fmap[o.frame[n]!]!);
      const c = o.count[n]!;
      if (c !== 0) this.add(map[n]!, c);
    }
  }

  private create(slot: number, node: number, frame: number): number {
    const n = this.nodes++;
    if (n >= this.parent.length) {
      this.parent = grown(this.parent);
      this.frame = grown(this.frame);
      this.count = grown(this.count);
    }
    this.parent[n] = node;
    this.frame[n] = frame;
    this.slots[slot] = n;
    if (this.nodes * 2 > this.mask) this.rehash();
    return n;
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let n = 1; n < this.nodes; n++) {
      let h = (Math.imul(this.parent[n]!, 0x9e3779b1) ^ Math.imul(this.frame[n]!, 0x85ebca6b)) >>> 0;
      h ^= h >>> 15;
      let i = h & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = n;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** A flat copy of `s`, so a slice of a big chunk string does not keep the chunk alive. */
export function copyString(s: string): string {
  // Slicing a rope makes V8 flatten it into a fresh string first.
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/**
 * Stack line text → resolved value, looked up by a caller-computed 32-bit hash and confirmed by
 * string equality (a native compare). Cheaper than a Map keyed by freshly sliced strings, whose
 * hash V8 recomputes through the runtime on every lookup.
 */
export class LineCache<V> {
  private keys: string[] = [];
  private values: V[] = [];
  private hashes: Int32Array = new Int32Array(1024);
  private slots: Int32Array = new Int32Array(4096).fill(-1);
  private mask = 4095;

  get size(): number {
    return this.keys.length;
  }

  /** The value cached for text[s, e) with hash `h`, or undefined. */
  get(h: number, text: string, s: number, e: number): V | undefined {
    const len = e - s;
    const slots = this.slots;
    const mask = this.mask;
    let key: string | undefined;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const n = slots[i]!;
      if (n < 0) return undefined;
      if (this.hashes[n] === h) {
        const k = this.keys[n]!;
        if (k.length === len) {
          key ??= text.slice(s, e);
          if (k === key) return this.values[n];
        }
      }
    }
  }

  /** Cache `value` for text[s, e) (not already present) under hash `h`. */
  set(h: number, text: string, s: number, e: number, value: V): void {
    const n = this.keys.length;
    if (n === this.hashes.length) {
      const hs = new Int32Array(n * 2);
      hs.set(this.hashes);
      this.hashes = hs;
    }
    this.keys.push(copyString(text.slice(s, e)));
    this.values.push(value);
    this.hashes[n] = h;
    this.place(n);
    if (this.keys.length * 2 > this.mask) {
      const size = (this.mask + 1) * 2;
      this.slots = new Int32Array(size).fill(-1);
      this.mask = size - 1;
      for (let j = 0; j < this.keys.length; j++) this.place(j);
    }
  }

  private place(n: number): void {
    const mask = this.mask;
    let i = this.hashes[n]! & mask;
    while (this.slots[i]! >= 0) i = (i + 1) & mask;
    this.slots[i] = n;
  }
}
