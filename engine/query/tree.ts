// Call-tree views (the flame graph as a tree, the subtree at a frame path, callers and callees of
// one function), answered from indexes built once per profile and thread so that each query
// costs what its answer costs, not what the profile costs.
import type { ProfileData, StackColumns } from '../profile/profile.js';
import { originsOf, selectStacks, threadKey, type StackFilter } from './query.js';
import type { FrameOrigin, OriginContext } from '../profile/origin.js';
import { FlameError, ErrorCodes } from '../../common/errors.js';
import { groupBy, grown, sortRanges } from '../profile/int-tables.js';

// A node of the call tree is a wire type (protocol/methods.ts): self counts samples whose
// innermost frame is the node; total, samples through it; file/line, the function's declaration;
// inlined, present when every merged frame was inlined; children sorted by total.
export type { TreeNode } from '../../protocol/methods.js';
import type { TreeNode } from '../../protocol/methods.js';

export interface TreeOptions extends StackFilter {
  /** Levels below the returned node to include; 0 returns the node alone. */
  maxDepth?: number;
  /** Leave out nodes whose total is below this share (0..1) of the returned node's total. */
  minShare?: number;
  /** The workspace the nodes' `origin` is told by. */
  workspace?: OriginContext;
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
const ROOT_NAME = 'all';

/** The flame graph as a tree: frames merged by function name under each parent. */
export function callTree(p: ProfileData, opts: TreeOptions = {}): TreeNode {
  const ix = indexOf(p);
  return emit(p, ix, treeOf(p, ix, opts), 0, opts);
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
        if (t.name[c] === want) {
          next = c;
          break;
        }
      }
    }
    if (next < 0) {
      const where = i === 0 ? 'at the root' : `under ${path.slice(0, i).join(' → ')}`;
      const there = childNames(ix, t, node, 10);
      const why =
        want === undefined ? `there is no function named ${JSON.stringify(path[i])} in the profile` : `${JSON.stringify(path[i])} is not called ${where}`;
      throw new FlameError(
        ErrorCodes.InvalidRequest,
        `path element ${i} does not match: ${why}; ${there.length === 0 ? 'nothing is called there' : `called there: ${there.join(', ')}`}`,
        { data: { index: i, name: path[i], children: there } },
      );
    }
    node = next;
  }
  return emit(p, ix, t, node, opts);
}

/**
 * Who calls `fnName` directly and whom it calls directly, by samples. Answered by one pass over
 * the stacks (tens of milliseconds on a million samples) and kept per function: an index of all
 * caller/callee pairs cost more memory than the profile itself.
 */
export function callersCallees(p: ProfileData, fnName: string, opts: CallersOptions = {}): CallersCallees {
  const ix = indexOf(p);
  const id = ix.nameIndex.get(fnName);
  const key = `${threadKey(opts)}\u0000${fnName}`;
  let c = id === undefined ? undefined : ix.calls.get(key);
  if (c === undefined && id !== undefined) {
    c = scanCalls(ix, p.stacks, selectStacks(p, opts), id);
    if (ix.calls.size >= CALLS_KEPT) ix.calls.delete(ix.calls.keys().next().value!);
    ix.calls.set(key, c);
  }
  if (id === undefined || c === undefined || c.total === 0) {
    const present = namesPresent(ix, p.stacks, selectStacks(p, opts));
    const like = ix.names.filter((n, i) => present[i] === 1 && n.includes(fnName)).slice(0, 5);
    const scope = opts.thread === undefined ? 'the profile' : `the samples of thread ${opts.thread}`;
    throw new FlameError(
      ErrorCodes.InvalidRequest,
      `no function named ${JSON.stringify(fnName)} in ${scope}${like.length > 0 ? `; did you mean ${like.join(', ')}?` : ''}`,
      { data: { name: fnName, candidates: like } },
    );
  }
  const limit = opts.limit ?? Infinity;
  return {
    function: { name: fnName, self: c.self, total: c.total },
    callers: c.callers.slice(0, limit),
    callees: c.callees.slice(0, limit),
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

/**
 * Nodes in breadth-first order with each node's children sorted (total desc, then name), so the
 * children of node i are simply the nodes childStart[i] .. childStart[i + 1] - 1 and no child
 * list or self count need be kept (self is total less the children's totals): 13 bytes a node.
 */
interface Tree {
  name: Int32Array;
  /** Whole sample counts: 32 bits hold 4 billion samples at half the memory of doubles. */
  total: Uint32Array;
  inlined: Uint8Array;
  childStart: Int32Array;
}

/** One function's direct callers and callees, sorted by count (then name). */
interface Calls {
  self: number;
  total: number;
  callers: CallRow[];
  callees: CallRow[];
}

/** Answers of callersCallees kept per profile (hovers ask for the same few functions again). */
const CALLS_KEPT = 256;

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

function treeOf(p: ProfileData, ix: ProfileIndex, f: StackFilter): Tree {
  const key = threadKey(f);
  let t = ix.trees.get(key);
  if (!t) {
    t = buildTree(ix, p.stacks, selectStacks(p, f));
    ix.trees.set(key, t);
  }
  return t;
}

function buildTree(ix: ProfileIndex, cols: StackColumns, ids: Uint32Array): Tree {
  const { start, locs, samples } = cols;
  const { locName, locInlined } = ix;
  // Stacks sorted by their frames' names: those that share a prefix are then neighbours, so
  // each stack reuses the previous one's nodes as far as the names agree and creates the rest
  // (under that prefix no later stack can need them again). No hash table of (parent, name)
  // pairs, whose probes missed the cache on every frame: 1.6 s → 0.4 s on 6M frames.
  const sorted = Uint32Array.from(ids).sort((a, b) => {
    let i = start[a]!;
    let j = start[b]!;
    const ea = start[a + 1]!;
    const eb = start[b + 1]!;
    for (; i < ea && j < eb; i++, j++) {
      const d = locName[locs[i]!]! - locName[locs[j]!]!;
      if (d !== 0) return d;
    }
    return ea - i - (eb - j);
  });
  let cap = 1024;
  let parentOf = new Int32Array(cap);
  let nameOf = new Int32Array(cap);
  let total = new Uint32Array(cap);
  let outlined = new Uint8Array(cap); // 1 when some frame merged here was not inlined
  const root = 0;
  parentOf[root] = -1;
  nameOf[root] = -1;
  outlined[root] = 1;
  let size = 1;
  let path = new Int32Array(64); // the previous stack's nodes by depth
  let pathName = new Int32Array(64);
  let prevLen = 0;
  for (const si of sorted) {
    const s = start[si]!;
    const len = start[si + 1]! - s;
    const n = samples[si]!;
    if (len > path.length) {
      path = grown(path, len);
      pathName = grown(pathName, len);
    }
    total[root] += n;
    let same = true;
    for (let d = 0; d < len; d++) {
      const l = locs[s + d]!;
      const name = locName[l]!;
      let node: number;
      if (same && d < prevLen && pathName[d] === name) {
        node = path[d]!;
      } else {
        same = false;
        if (size === cap) {
          cap *= 2;
          parentOf = grown(parentOf, cap);
          nameOf = grown(nameOf, cap);
          total = grown(total, cap);
          outlined = grown(outlined, cap);
        }
        node = size++;
        parentOf[node] = d === 0 ? root : path[d - 1]!;
        nameOf[node] = name;
        path[d] = node;
        pathName[d] = name;
      }
      total[node] += n;
      if (locInlined[l] === 0) outlined[node] = 1;
    }
    prevLen = len;
  }
  const n = size;
  const parent = parentOf.subarray(0, n);
  const oldName = nameOf.subarray(0, n);
  // groupBy keys by parent + 1 so the root's -1 parent fits: node i's children (creation ids)
  // are list[start[i + 1] .. start[i + 2]).
  const { start: first, list } = groupBy(parent, n + 1, (i) => parent[i]! + 1);
  const byName = (a: number, b: number) => (ix.names[oldName[a]!]! < ix.names[oldName[b]!]! ? -1 : 1);
  sortRanges(first.subarray(1), list, n, (a, b) => total[b]! - total[a]! || byName(a, b));
  // Renumber breadth-first: order[k] is the creation id of the k-th node.
  const order = new Int32Array(n);
  order[0] = root;
  const t: Tree = { name: new Int32Array(n), total: new Uint32Array(n), inlined: new Uint8Array(n), childStart: new Int32Array(n + 1) };
  let next = 1;
  for (let k = 0; k < n; k++) {
    const old = order[k]!;
    t.childStart[k] = next;
    for (let c = first[old + 1]!; c < first[old + 2]!; c++) order[next++] = list[c]!;
  }
  t.childStart[n] = next;
  // The columns are gathered in passes of their own: independent loads, which the CPU overlaps
  // (one loop touching every column per node waited on a cache miss per column).
  for (let k = 0; k < n; k++) t.name[k] = oldName[order[k]!]!;
  for (let k = 0; k < n; k++) t.total[k] = total[order[k]!]!;
  for (let k = 0; k < n; k++) t.inlined[k] = outlined[order[k]!]! ? 0 : 1;
  return t;
}

function emit(p: ProfileData, ix: ProfileIndex, t: Tree, node: number, opts: TreeOptions): TreeNode {
  const origins = originsOf(p, opts.workspace);
  const nameOrigin: FrameOrigin[] = [];
  p.functions.forEach((f, i) => (nameOrigin[ix.nameIndex.get(f.name)!] ??= origins[i]!));
  const maxDepth = opts.maxDepth ?? Infinity;
  const floor = (opts.minShare ?? 0) * t.total[node]!;
  const go = (n: number, depth: number): TreeNode => {
    const id = t.name[n]!;
    let self = t.total[n]!;
    for (let c = t.childStart[n]!; c < t.childStart[n + 1]!; c++) self -= t.total[c]!;
    const out: TreeNode = { name: id < 0 ? ROOT_NAME : ix.names[id]!, self, total: t.total[n]!, children: [] };
    if (id >= 0) {
      if (ix.nameFile[id] !== undefined) out.file = ix.nameFile[id];
      if (ix.nameLine[id] !== undefined) out.line = ix.nameLine[id];
      if (t.inlined[n]) out.inlined = true;
      out.origin = nameOrigin[id]!;
    }
    if (depth < maxDepth) {
      for (let c = t.childStart[n]!; c < t.childStart[n + 1]!; c++) {
        if (t.total[c]! < floor) break; // children are sorted by total
        out.children.push(go(c, depth + 1));
      }
    }
    return out;
  };
  return go(node, 0);
}

function childNames(ix: ProfileIndex, t: Tree, node: number, limit: number): string[] {
  const out: string[] = [];
  for (let c = t.childStart[node]!; c < t.childStart[node + 1]! && out.length < limit; c++) out.push(ix.names[t.name[c]!]!);
  return out;
}

function scanCalls(ix: ProfileIndex, cols: StackColumns, ids: Uint32Array, id: number): Calls {
  const { start, locs, samples } = cols;
  const locName = ix.locName;
  const nNames = ix.names.length;
  const callerCount = new Float64Array(nNames);
  const calleeCount = new Float64Array(nNames);
  // Under recursion a caller (or callee) counts once per sample: remember the last stack seen.
  const callerSeen = new Int32Array(nNames).fill(-1);
  const calleeSeen = new Int32Array(nNames).fill(-1);
  let self = 0;
  let total = 0;
  for (const si of ids) {
    const a = start[si]!;
    const b = start[si + 1]!;
    const n = samples[si]!;
    let hit = false;
    for (let i = a; i < b; i++) {
      if (locName[locs[i]!] !== id) continue;
      if (!hit) {
        hit = true;
        total += n;
      }
      if (i > a) {
        const x = locName[locs[i - 1]!]!;
        if (callerSeen[x] !== si) {
          callerSeen[x] = si;
          callerCount[x] += n;
        }
      }
      if (i + 1 < b) {
        const x = locName[locs[i + 1]!]!;
        if (calleeSeen[x] !== si) {
          calleeSeen[x] = si;
          calleeCount[x] += n;
        }
      } else {
        self += n;
      }
    }
  }
  const rows = (count: Float64Array): CallRow[] => {
    const out: CallRow[] = [];
    for (let x = 0; x < nNames; x++) if (count[x]! > 0) out.push({ name: ix.names[x]!, count: count[x]! });
    return out.sort((p, q) => q.count - p.count || (p.name < q.name ? -1 : p.name > q.name ? 1 : 0));
  };
  return { self, total, callers: rows(callerCount), callees: rows(calleeCount) };
}

/** 1 for each name that some selected stack contains. */
function namesPresent(ix: ProfileIndex, cols: StackColumns, ids: Uint32Array): Uint8Array {
  const present = new Uint8Array(ix.names.length);
  for (const si of ids) for (let i = cols.start[si]!; i < cols.start[si + 1]!; i++) present[ix.locName[cols.locs[i]!]!] = 1;
  return present;
}
