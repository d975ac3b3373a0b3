// Small structures over typed arrays, shared by the folder, the profile builder and the tree
// queries: growth, dense ids for integer pairs, grouping. Typed arrays keep millions of
// entries in a few bytes each, where arrays of objects cost tens.

export type NumberArray = Int32Array | Uint32Array | Float64Array | Uint8Array;

/** A copy of `a` with room for at least `atLeast` elements, and at least twice `a`'s. */
export function grown<T extends NumberArray>(a: T, atLeast = 0): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(a.length * 2, atLeast));
  b.set(a);
  return b;
}

/** Interns (a, b) integer pairs to dense ids 0.., by open addressing over typed arrays. */
export class PairTable {
  a: Int32Array;
  b: Int32Array;
  size = 0;
  private slots: Int32Array;

  constructor(expected = 512) {
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    this.a = new Int32Array(cap / 2);
    this.b = new Int32Array(cap / 2);
    this.slots = new Int32Array(cap).fill(-1);
  }

  intern(a: number, b: number): number {
    let mask = this.slots.length - 1;
    let h = hash(a, b) & mask;
    for (;;) {
      const id = this.slots[h]!;
      if (id < 0) break;
      if (this.a[id] === a && this.b[id] === b) return id;
      h = (h + 1) & mask;
    }
    const id = this.size++;
    if (id >= this.a.length) {
      this.a = grown(this.a);
      this.b = grown(this.b);
    }
    this.a[id] = a;
    this.b[id] = b;
    if (this.size * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2).fill(-1);
      mask = this.slots.length - 1;
      for (let i = 0; i < this.size; i++) this.place(i, mask);
    } else {
      this.slots[h] = id;
    }
    return id;
  }

  private place(id: number, mask: number): void {
    let h = hash(this.a[id]!, this.b[id]!) & mask;
    while (this.slots[h]! >= 0) h = (h + 1) & mask;
    this.slots[h] = id;
  }
}

function hash(a: number, b: number): number {
  let h = Math.imul(a + 1, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca77);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

/** Items 0..n-1 grouped by key(i) in 0..nKeys-1: group k is list[start[k] .. start[k + 1]). */
export function groupBy(items: Int32Array, nKeys: number, key: (i: number) => number): { start: Int32Array; list: Int32Array } {
  const n = items.length;
  const start = new Int32Array(nKeys + 1);
  for (let i = 0; i < n; i++) start[key(i) + 1]++;
  for (let k = 0; k < nKeys; k++) start[k + 1] += start[k]!;
  const fill = start.slice(0, nKeys);
  const list = new Int32Array(n);
  for (let i = 0; i < n; i++) list[fill[key(i)]++] = i;
  return { start, list };
}

/** Sort each group's slice of `list` (groups as groupBy makes them) in place. */
export function sortRanges(start: Int32Array, list: Int32Array, nKeys: number, cmp: (a: number, b: number) => number): void {
  for (let k = 0; k < nKeys; k++) {
    const s = start[k]!;
    const e = start[k + 1]!;
    if (e - s > 1) list.subarray(s, e).sort(cmp);
  }
}
