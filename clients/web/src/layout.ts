// Flatten a call tree answer into typed arrays in pre-order, each node with its x offset (in
// samples) and the end of its subtree, which is what lets drawing skip whole subtrees.
import type { TreeNode } from '../../../protocol/methods.js';

export interface Layout {
  names: string[];
  nameOf: Int32Array;
  nodes: TreeNode[];
  depth: Uint16Array;
  start: Float64Array;
  total: Float64Array;
  self: Float64Array;
  end: Int32Array;
  parent: Int32Array;
  files: Array<string | undefined>;
  lines: Array<number | undefined>;
  maxDepth: number;
}

export function flatten(root: TreeNode): Layout {
  let n = 0;
  const count = (t: TreeNode) => {
    n++;
    for (const c of t.children) count(c);
  };
  count(root);
  const nameOf = new Int32Array(n);
  const depth = new Uint16Array(n);
  const start = new Float64Array(n);
  const total = new Float64Array(n);
  const self = new Float64Array(n);
  const end = new Int32Array(n);
  const parent = new Int32Array(n);
  const files = new Array<string | undefined>(n);
  const lines = new Array<number | undefined>(n);
  const nodes = new Array<TreeNode>(n);
  const nameIds = new Map<string, number>();
  const names: string[] = [];
  let maxDepth = 0;
  let next = 0;
  // Explicit stack: trees can be deeper than the JS call stack likes.
  const stack: Array<{ node: TreeNode; depth: number; x: number; parent: number; i: number; childX: number; kids?: TreeNode[] }> = [];
  const push = (node: TreeNode, d: number, x: number, par: number) => {
    const i = next++;
    let id = nameIds.get(node.name);
    if (id === undefined) {
      id = names.length;
      names.push(node.name);
      nameIds.set(node.name, id);
    }
    nameOf[i] = id;
    nodes[i] = node;
    depth[i] = d;
    start[i] = x;
    total[i] = node.total;
    self[i] = node.self;
    parent[i] = par;
    files[i] = node.file;
    lines[i] = node.line;
    if (d > maxDepth) maxDepth = d;
    // Alphabetical order keeps a frame in place from one profile to the next.
    const kids = node.children.length > 1 ? [...node.children].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : node.children;
    stack.push({ node, depth: d, x, parent: par, i, childX: x, kids });
  };
  push(root, 0, 0, -1);
  const kidIndex: number[] = [0];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const k = kidIndex[stack.length - 1]!;
    if (k < top.kids!.length) {
      kidIndex[stack.length - 1] = k + 1;
      const child = top.kids![k]!;
      const x = top.childX;
      top.childX += child.total;
      push(child, top.depth + 1, x, top.i);
      kidIndex[stack.length - 1] = 0;
    } else {
      end[top.i] = next;
      stack.pop();
      kidIndex.pop();
    }
  }
  return { names, nameOf, nodes, depth, start, total, self, end, parent, files, lines, maxDepth };
}
