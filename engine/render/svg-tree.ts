// Merges folded stacks ("a;b;c 123") into a call tree: the flame graph is laid out from it, and
// the record pipeline can build one straight from its Map of folded stacks without text.
import { lineSplitter } from '../../common/lines.js';

/** One frame of the merged tree. `total` covers the frame and its callees, `self` the frame alone. */
export interface FlameNode {
  name: string;
  total: number;
  self: number;
  children: FlameNode[];
}

/** The merged tree; the root is the synthetic "all" frame (name ""). */
export interface FlameTree {
  root: FlameNode;
  /** The sum of all counts (the root's total). */
  total: number;
  /** Input lines that were skipped: no trailing count, a non-numeric count, or an empty stack. */
  malformed: number;
  /** The first malformed line, cut to 200 characters, for the warning. */
  firstMalformed?: string;
  /** Whether some count had a fraction (truncated to an integer, as inferno does). */
  fractional: boolean;
}

/** How stacks are merged. Plain data; a subset of SvgOptions. */
export interface MergeOptions {
  /** Reverse each stack (leaf first) before merging. */
  reverse?: boolean;
  /** Keep input order as a time series: only consecutive equal frames merge, children stay unsorted. */
  flamechart?: boolean;
}

// Children are found by a linear scan while few, through a Map once many: most frames have one or
// two callees, and a Map per node would cost more than it saves.
const INDEX_AT = 8;

interface Node extends FlameNode {
  children: Node[];
  index: Map<string, Node> | undefined;
}

function newNode(name: string): Node {
  // -0, not 0: counts are often sums of perf periods beyond 2^31, and a field that starts as a
  // small integer makes V8 migrate every node when the first one gets a larger number.
  return { name, total: -0, self: -0, children: [], index: undefined };
}

/**
 * Builds a FlameTree from stacks fed one at a time. Consecutive stacks usually share a long prefix
 * (folded output is sorted), so the path of the previous stack is reused up to the first differing
 * frame instead of being looked up again.
 */
export class FlameTreeBuilder {
  private readonly root: Node = newNode('');
  private readonly reverse: boolean;
  private readonly chart: boolean;
  private prev = '';
  /** path[d] is the node at depth d of the previous stack (path[0] is the root). */
  private path: Node[] = [this.root];
  /** ends[d] is where frame d+1 of the previous stack ends in `prev`. */
  private ends: number[] = [];
  private depth = 0;
  private malformed = 0;
  private firstMalformed: string | undefined;
  private fractional = false;

  constructor(opts: MergeOptions = {}) {
    this.reverse = opts.reverse === true;
    this.chart = opts.flamechart === true;
  }

  /** Add `count` samples of `stack` (frames separated by ';', root first). */
  add(stack: string, count: number): void {
    if (!(count > 0) || stack.length === 0) {
      if (!(count >= 0) || stack.length === 0) this.skip(`${stack} ${count}`);
      return;
    }
    if (this.reverse) stack = stack.split(';').reverse().join(';');
    const ends = this.ends;
    // The frames shared with the previous stack, by binary search over whole-prefix comparisons:
    // native string equality beats a JavaScript loop over characters by far on long stacks.
    let depth = 0;
    let hi = this.depth;
    while (depth < hi) {
      const mid = (depth + hi + 1) >>> 1;
      if (this.shares(stack, ends[mid - 1]!)) depth = mid;
      else hi = mid - 1;
    }

    const path = this.path;
    let node = path[depth]!;
    let pos = depth === 0 ? 0 : ends[depth - 1]! + 1;
    if (depth === 0 || pos <= stack.length) {
      for (;;) {
        let end = stack.indexOf(';', pos);
        if (end < 0) end = stack.length;
        node = this.child(node, stack.slice(pos, end));
        ends[depth] = end;
        depth++;
        path[depth] = node;
        if (end === stack.length) break;
        pos = end + 1;
      }
    }
    node.self += count;
    // Totals are kept along the path as stacks come in: cheaper than a bottom-up pass at the end.
    for (let d = 0; d <= depth; d++) path[d]!.total += count;
    this.prev = stack;
    this.depth = depth;
  }

  /**
   * Parse one folded line and add it. Blank lines and "# " comments are ignored; a line without a
   * numeric trailing count, or with nothing before it, is counted as malformed. Returns false then.
   */
  addLine(line: string): boolean {
    let end = line.length;
    while (end > 0 && isSpace(line.charCodeAt(end - 1))) end--;
    let start = 0;
    while (start < end && isSpace(line.charCodeAt(start))) start++;
    if (start === end) return true;
    if (line.charCodeAt(start) === 35 && line.charCodeAt(start + 1) === 32) return true;
    let sp = end - 1;
    while (sp >= start && !isSpace(line.charCodeAt(sp))) sp--;
    let count = 0;
    let i = sp + 1;
    let digits = 0;
    for (; i < end; i++) {
      const c = line.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      count = count * 10 + c;
      digits++;
    }
    if (i < end && line.charCodeAt(i) === 46) {
      for (i++; i < end; i++) {
        const c = line.charCodeAt(i);
        if (c < 48 || c > 57) break;
        if (c !== 48) this.fractional = true;
      }
    }
    let stackEnd = sp;
    while (stackEnd > start && isSpace(line.charCodeAt(stackEnd - 1))) stackEnd--;
    // A count too big for a double (Infinity) is as malformed as a missing one.
    if (digits === 0 || i < end || stackEnd <= start || !Number.isFinite(count)) {
      this.skip(line.slice(start, end));
      return false;
    }
    if (count > 0) this.add(start === 0 && stackEnd === line.length ? line : line.slice(start, stackEnd), count);
    return true;
  }

  /** Sort children by name (unless a flame chart) and return the tree. */
  finish(): FlameTree {
    if (!this.chart) {
      // Without recursion: Rust stacks can be thousands of frames deep.
      const stack: Node[] = [this.root];
      while (stack.length > 0) {
        const kids = stack.pop()!.children;
        if (kids.length > 1) kids.sort(byName);
        for (let j = 0; j < kids.length; j++) if (kids[j]!.children.length > 0) stack.push(kids[j]!);
      }
    }
    this.path = [this.root];
    this.depth = 0;
    this.prev = '';
    const tree: FlameTree = { root: this.root, total: this.root.total, malformed: this.malformed, fractional: this.fractional };
    if (this.firstMalformed !== undefined) tree.firstMalformed = this.firstMalformed;
    return tree;
  }

  /** Whether `stack` starts with the previous stack's first `end` characters, up to a frame boundary. */
  private shares(stack: string, end: number): boolean {
    if (end > stack.length || (end < stack.length && stack.charCodeAt(end) !== 59)) return false;
    return stack.slice(0, end) === this.prev.slice(0, end);
  }

  private child(parent: Node, name: string): Node {
    const kids = parent.children;
    if (this.chart) {
      const last = kids[kids.length - 1];
      if (last !== undefined && last.name === name) return last;
    } else if (parent.index !== undefined) {
      const hit = parent.index.get(name);
      if (hit !== undefined) return hit;
    } else {
      for (let k = 0; k < kids.length; k++) if (kids[k]!.name === name) return kids[k]!;
    }
    const n = newNode(name);
    kids.push(n);
    if (!this.chart) {
      if (parent.index !== undefined) parent.index.set(name, n);
      else if (kids.length >= INDEX_AT) parent.index = new Map(kids.map((k) => [k.name, k]));
    }
    return n;
  }

  private skip(line: string): void {
    if (this.malformed === 0) {
      // Cut at 200 UTF-16 units, but not inside a surrogate pair.
      const cut = line.length > 200 && line.charCodeAt(199) >= 0xd800 && line.charCodeAt(199) < 0xdc00 ? 199 : 200;
      this.firstMalformed = line.length > 200 ? `${line.slice(0, cut)}…` : line;
    }
    this.malformed++;
  }
}

/** Merge stacks (an iterable of [stack, count] or a Map) into a tree. */
export function mergeStacks(stacks: Iterable<[string, number]> | Map<string, number>, opts: MergeOptions = {}): FlameTree {
  const b = new FlameTreeBuilder(opts);
  for (const [stack, count] of stacks) b.add(stack, count);
  return b.finish();
}

/**
 * Read folded text from a stream (a file, stdin) into a tree, line by line, so that the input
 * never has to exist as one string.
 */
export async function readFolded(input: AsyncIterable<string | Uint8Array>, opts: MergeOptions = {}): Promise<FlameTree> {
  const b = new FlameTreeBuilder(opts);
  const lines = lineSplitter((l) => b.addLine(l));
  for await (const chunk of input) lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  lines.end();
  return b.finish();
}

/** Merge folded text already in memory. */
export function parseFolded(text: string, opts: MergeOptions = {}): FlameTree {
  const b = new FlameTreeBuilder(opts);
  const lines = lineSplitter((l) => b.addLine(l));
  lines.push(text);
  lines.end();
  return b.finish();
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

function byName(a: FlameNode, b: FlameNode): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
