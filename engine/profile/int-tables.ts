// Small structures over typed arrays, shared by the folder, the profile builder and the tree
// queries: growth, grouping, sorting ranges. Typed arrays keep millions of
// entries in a few bytes each, where arrays of objects cost tens.

export type NumberArray = Int32Array | Uint32Array | Float64Array | Uint8Array;

/** A copy of `a` with room for at least `atLeast` elements, and at least twice `a`'s. */
export function grown<T extends NumberArray>(a: T, atLeast = 0): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(a.length * 2, atLeast));
  b.set(a);
  return b;
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
