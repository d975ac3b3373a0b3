// Call-tree views (the flame graph as a tree, the subtree at a frame path, callers and callees of
// one function), answered from indexes built once per profile and thread so that each query
// costs what its answer costs, not what the profile costs.
import type { ProfileData, StackRecord } from './profile.js';
import { selectStacks, type StackFilter } from './query.js';
import { FlameError, ErrorCodes } from './errors.js';

// A node of the call tree is a wire type (protocol/methods.ts): self counts samples whose
// innermost frame is the node; total, samples through it; file/line, the function's declaration;
// inlined, present when every merged frame was inlined; children sorted by total.
export type { TreeNode } from '../protocol/methods.js';
import type { TreeNode } from '../protocol/methods.js';

export interface TreeOptions extends StackFilter {
  /** Levels below the returned node to include; 0 returns the node alone. */
  maxDepth?: number;
  /** Leave out nodes whose total is below this share (0..1) of the returned node's total. */
  minShare?: number;
}

export interface CallRow {
  name: string;
  /** Samples in which this direct call appears, counted once per sample under recursion. */
  count: number;
}

export interface CallersCallees {
  function: { name: string; self: number; total: number };
  /** Functions that directly call it; a self-recursive function lists itself. */
  callers: CallRow[];
  callees: CallRow[];
}

export interface CallersOptions extends StackFilter {
  /** At most this many callers and this many callees. */
  limit?: number;
}

/** The name of the tree's root, above every thread's outermost frames (as flame graphs call it). */
export const ROOT_NAME = 'all';

/**
 * Build the whole-profile indexes now (a second or so on a million samples) so that the first
 * query does not pay for them; the daemon calls this when it loads a profile.
 */
export function prepareTreeQueries(p: ProfileData, opts: StackFilter = {}): void {
  const ix = indexOf(p);
  treeOf(p, ix, opts);
  callsOf(p, ix, opts);
}

/** The flame graph as a tree: frames merged by function name under each parent. */
export function callTree(p: ProfileData, opts: TreeOptions = {}): TreeNode {
  const ix = indexOf(p);
  return emit(ix, treeOf(p, ix, opts), 0, opts);
}

/** The node reached by following `path` (function names, outermost first) from the root. */
export function subtree(p: ProfileData, path: string[], opts: TreeOptions = {}): TreeNode {
  const ix = indexOf(p);
  const t = treeOf(p, ix, opts);
  let node = 0;
  for (let i = 0; i < path.length; i++) {
    const want = ix.nameIndex.get(path[i]!);
    let next = -1;
    if (want !== undefined) {
      for (let c = t.childStart[node]!; c < t.childStart[node + 1]!; c++) {
        if (t.name[t.childList[c]!] === want) {
          next = t.childList[c]!;
          break;
        }
      }
    }
    if (next < 0) {
      const where = i === 0 ? 'at the root' : `under ${path.slice(0, i).join(' → ')}`;
      const there = childNames(ix, t, node, 10);
      const why = want === undefined ? `there is no function named ${JSON.stringify(path[i])} in the profile` : `${JSON.stringify(path[i])} is not called ${where}`;
      throw new FlameError(
        ErrorCodes.InvalidRequest,
        `path element ${i} does not match: ${why}; ${there.length === 0 ? 'nothing is called there' : `called there: ${there.join(', ')}`}`,
        { data: { index: i, name: path[i], children: there } },
      );
    }
    node = next;
  }
  return emit(ix, t, node, opts);
}

/** Who calls `fnName` directly and whom it calls directly, by samples. */
export function callersCallees(p: ProfileData, fnName: string, opts: CallersOptions = {}): CallersCallees {
  const ix = indexOf(p);
  const id = ix.nameIndex.get(fnName);
  const c = callsOf(p, ix, opts);
  if (id === undefined || c.total[id] === 0) {
    const like = ix.names.filter((n, i) => c.total[i]! > 0 && n.includes(fnName)).slice(0, 5);
    const scope = opts.thread === undefined ? 'the profile' : `the samples of thread ${opts.thread}`;
    throw new FlameError(
      ErrorCodes.InvalidRequest,
      `no function named ${JSON.stringify(fnName)} in ${scope}${like.length > 0 ? `; did you mean ${like.join(', ')}?` : ''}`,
      { data: { name: fnName, candidates: like } },
    );
  }
  const rows = (start: Int32Array, list: Int32Array, other: Int32Array): CallRow[] => {
    const end = opts.limit === undefined ? start[id + 1]! : Math.min(start[id + 1]!, start[id]! + opts.limit);
    const out: CallRow[] = [];
    for (let k = start[id]!; k < end; k++) out.push({ name: ix.names[other[list[k]!]!]!, count: c.count[list[k]!]! });
    return out;
  };
  return {
    function: { name: fnName, self: c.self[id]!, total: c.total[id]! },
    callers: rows(c.callerStart, c.callerList, c.pairCaller),
    callees: rows(c.calleeStart, c.calleeList, c.pairCallee),
  };
}

// ---- indexes ----------------------------------------------------------------------------------
// A ProfileData is not changed once built, so indexes are keyed by the object itself and go
// away with it.

interface ProfileIndex {
  /** Distinct function names; a name id stands for every function of that name. */
  names: string[];
  nameIndex: Map<string, number>;
  nameFile: Array<string | undefined>;
  nameLine: Array<number | undefined>;
  locName: Int32Array;
  locInlined: Uint8Array;
  trees: Map<string, Tree>;
  calls: Map<string, Calls>;
}

/** Nodes in creation order (0 is the root); children as ranges of childList, by total desc. */
interface Tree {
  name: Int32Array;
  /** Whole sample counts: 32 bits hold 4 billion samples at half the memory of doubles. */
  self: Uint32Array;
  total: Uint32Array;
  inlined: Uint8Array;
  childStart: Int32Array;
  childList: Int32Array;
}

/** Distinct (caller, callee) name pairs with sample counts, listed per callee and per caller. */
interface Calls {
  self: Float64Array;
  total: Float64Array;
  pairCaller: Int32Array;
  pairCallee: Int32Array;
  count: Float64Array;
  callerStart: Int32Array;
  callerList: Int32Array;
  calleeStart: Int32Array;
  calleeList: Int32Array;
}

const cache = new WeakMap<ProfileData, ProfileIndex>();

function indexOf(p: ProfileData): ProfileIndex {
  let ix = cache.get(p);
  if (ix) return ix;
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const nameFile: Array<string | undefined> = [];
  const nameLine: Array<number | undefined> = [];
  const fnName = new Int32Array(p.functions.length);
  p.functions.forEach((f, i) => {
    let id = nameIndex.get(f.name);
    if (id === undefined) {
      id = names.length;
      names.push(f.name);
      nameIndex.set(f.name, id);
      nameFile.push(undefined);
      nameLine.push(undefined);
    }
    if (nameFile[id] === undefined && f.file !== undefined) {
      nameFile[id] = f.file;
      nameLine[id] = f.line;
    }
    fnName[i] = id;
  });
  const locName = new Int32Array(p.locations.length);
  const locInlined = new Uint8Array(p.locations.length);
  p.locations.forEach((l, i) => {
    locName[i] = fnName[l.fn]!;
    locInlined[i] = l.inlined ? 1 : 0;
  });
  ix = { names, nameIndex, nameFile, nameLine, locName, locInlined, trees: new Map(), calls: new Map() };
  cache.set(p, ix);
  return ix;
}

function threadKey(f: StackFilter): string {
  return f.thread === undefined ? '*' : `${typeof f.thread}:${f.thread}`;
}

function treeOf(p: ProfileData, ix: ProfileIndex, f: StackFilter): Tree {
  const key = threadKey(f);
  let t = ix.trees.get(key);
  if (!t) {
    t = buildTree(ix, selectStacks(p, f));
    ix.trees.set(key, t);
  }
  return t;
}

function buildTree(ix: ProfileIndex, stacks: StackRecord[]): Tree {
  // At most one node per frame: sizing for that up front saves rehashing a table of millions.
  let frames = 1;
  for (const s of stacks) frames += s.locs.length;
  const nodes = new PairTable(Math.min(frames, 1 << 22));
  let self = new Uint32Array(nodes.a.length);
  let total = new Uint32Array(nodes.a.length);
  let outlined = new Uint8Array(nodes.a.length); // 1 when some frame merged here was not inlined
  const root = nodes.intern(-1, -1);
  outlined[root] = 1;
  for (const s of stacks) {
    let node = root;
    total[root] += s.samples;
    for (const l of s.locs) {
      const child = nodes.intern(node, ix.locName[l]!);
      if (child >= total.length) {
        total = grow(total);
        self = grow(self);
        outlined = grow(outlined);
      }
      total[child] += s.samples;
      if (ix.locInlined[l] === 0) outlined[child] = 1;
      node = child;
    }
    self[node] += s.samples;
  }
  const n = nodes.size;
  const parent = nodes.a.subarray(0, n);
  const inlined = new Uint8Array(n);
  for (let i = 0; i < n; i++) inlined[i] = outlined[i] ? 0 : 1;
  const name = nodes.b.slice(0, n);
  const { start, list } = groupBy(parent, n + 1, (i) => parent[i]! + 1);
  // groupBy keys by parent + 1 so the root's -1 parent fits; shift back so node i's children
  // are childList[childStart[i] .. childStart[i + 1]).
  const childStart = start.subarray(1);
  const byName = (a: number, b: number) => (ix.names[name[a]!]! < ix.names[name[b]!]! ? -1 : 1);
  sortRanges(childStart, list, n, (a, b) => total[b]! - total[a]! || byName(a, b));
  return { name, self: self.slice(0, n), total: total.slice(0, n), inlined, childStart, childList: list };
}

function emit(ix: ProfileIndex, t: Tree, node: number, opts: TreeOptions): TreeNode {
  const maxDepth = opts.maxDepth ?? Infinity;
  const floor = (opts.minShare ?? 0) * t.total[node]!;
  const go = (n: number, depth: number): TreeNode => {
    const id = t.name[n]!;
    const out: TreeNode = { name: id < 0 ? ROOT_NAME : ix.names[id]!, self: t.self[n]!, total: t.total[n]!, children: [] };
    if (id >= 0) {
      if (ix.nameFile[id] !== undefined) out.file = ix.nameFile[id];
      if (ix.nameLine[id] !== undefined) out.line = ix.nameLine[id];
      if (t.inlined[n]) out.inlined = true;
    }
    if (depth < maxDepth) {
      for (let c = t.childStart[n]!; c < t.childStart[n + 1]!; c++) {
        const child = t.childList[c]!;
        if (t.total[child]! < floor) break; // children are sorted by total
        out.children.push(go(child, depth + 1));
      }
    }
    return out;
  };
  return go(node, 0);
}

function childNames(ix: ProfileIndex, t: Tree, node: number, limit: number): string[] {
  const out: string[] = [];
  for (let c = t.childStart[node]!; c < t.childStart[node + 1]! && out.length < limit; c++) out.push(ix.names[t.name[t.childList[c]!]!]!);
  return out;
}

function callsOf(p: ProfileData, ix: ProfileIndex, f: StackFilter): Calls {
  const key = threadKey(f);
  let c = ix.calls.get(key);
  if (!c) {
    c = buildCalls(ix, selectStacks(p, f));
    ix.calls.set(key, c);
  }
  return c;
}

function buildCalls(ix: ProfileIndex, stacks: StackRecord[]): Calls {
  const nNames = ix.names.length;
  const self = new Float64Array(nNames);
  const total = new Float64Array(nNames);
  const seenName = new Int32Array(nNames).fill(-1);
  const pairs = new PairTable();
  let count = new Float64Array(1024);
  let seenPair = new Int32Array(1024).fill(-1);
  for (let si = 0; si < stacks.length; si++) {
    const s = stacks[si]!;
    const locs = s.locs;
    if (locs.length === 0) continue;
    self[ix.locName[locs[locs.length - 1]!]!] += s.samples;
    let prev = -1;
    for (let i = 0; i < locs.length; i++) {
      const cur = ix.locName[locs[i]!]!;
      if (seenName[cur] !== si) {
        seenName[cur] = si;
        total[cur] += s.samples;
      }
      if (prev >= 0) {
        const pid = pairs.intern(prev, cur);
        if (pid >= count.length) {
          count = grow(count);
          const old = seenPair.length;
          seenPair = grow(seenPair);
          seenPair.fill(-1, old);
        }
        if (seenPair[pid] !== si) {
          seenPair[pid] = si;
          count[pid] += s.samples;
        }
      }
      prev = cur;
    }
  }
  const n = pairs.size;
  const pairCaller = pairs.a.slice(0, n);
  const pairCallee = pairs.b.slice(0, n);
  const callers = groupBy(pairCallee, nNames, (i) => pairCallee[i]!);
  sortRanges(callers.start, callers.list, nNames, (a, b) => count[b]! - count[a]! || (ix.names[pairCaller[a]!]! < ix.names[pairCaller[b]!]! ? -1 : 1));
  const callees = groupBy(pairCaller, nNames, (i) => pairCaller[i]!);
  sortRanges(callees.start, callees.list, nNames, (a, b) => count[b]! - count[a]! || (ix.names[pairCallee[a]!]! < ix.names[pairCallee[b]!]! ? -1 : 1));
  return {
    self, total, pairCaller, pairCallee, count: count.slice(0, n),
    callerStart: callers.start, callerList: callers.list, calleeStart: callees.start, calleeList: callees.list,
  };
}

// ---- small integer structures ----------------------------------------------------------------

/** Interns (a, b) integer pairs to dense ids 0.., by open addressing over typed arrays. */
class PairTable {
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
      this.a = grow(this.a);
      this.b = grow(this.b);
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

function grow<T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(arr: T): T {
  const next = new (arr.constructor as new (n: number) => T)(arr.length * 2);
  next.set(arr);
  return next;
}

/** Items 0..n-1 grouped by key(i) in 0..nKeys-1: group k is list[start[k] .. start[k + 1]). */
function groupBy(items: Int32Array, nKeys: number, key: (i: number) => number): { start: Int32Array; list: Int32Array } {
  const n = items.length;
  const start = new Int32Array(nKeys + 1);
  for (let i = 0; i < n; i++) start[key(i) + 1]++;
  for (let k = 0; k < nKeys; k++) start[k + 1] += start[k]!;
  const fill = start.slice(0, nKeys);
  const list = new Int32Array(n);
  for (let i = 0; i < n; i++) list[fill[key(i)]++] = i;
  return { start, list };
}

function sortRanges(start: Int32Array, list: Int32Array, nKeys: number, cmp: (a: number, b: number) => number): void {
  for (let k = 0; k < nKeys; k++) {
    const s = start[k]!;
    const e = start[k + 1]!;
    if (e - s > 1) list.subarray(s, e).sort(cmp);
  }
}
