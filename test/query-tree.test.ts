// Call tree, subtree and callers/callees: exact answers on hand-built profiles (recursion,
// inlining, two threads), and consistency with the flat queries on a real recording.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProfileBuilder, type ProfileData } from '../engine/profile/profile.js';
import { callTree, subtree, callersCallees, type TreeNode, type TreeOptions } from '../engine/query/tree.js';
import { foldedStacks, topFunctions } from '../engine/query/query.js';
import { analyzePerfData } from '../engine/profile/analyze.js';
import { isFlameError, ErrorCodes } from '../common/errors.js';
import { buildHotspots, perfRecordTo } from './helpers.js';

/** Stacks as [thread comm/tid, 'a;b;c' root first ('*' marks an inlined frame), samples]. */
function build(rows: Array<[string, string, number]>): ProfileData {
  const b = new ProfileBuilder();
  for (const [thread, stack, n] of rows) {
    const [comm, tid] = thread.split('/');
    const t = b.thread({ comm: comm!, pid: 1, tid: Number(tid) });
    const locs = stack.split(';').map((f, depth) => {
      const inlined = f.endsWith('*');
      const name = inlined ? f.slice(0, -1) : f;
      return b.location(b.fn({ name, file: `src/${name}.rs`, line: 1 }), { file: `src/${name}.rs`, line: 10 + depth, inlined });
    });
    b.add(locs, t, n, n * 1000, { unknown: false, truncated: false });
  }
  return b.finish();
}

const P = build([
  ['main/1', 'main;a;b', 5],
  ['main/1', 'main;a', 2],
  ['main/1', 'main;c;b', 3],
  ['main/1', 'main;fib;fib;fib', 4],
  ['main/1', 'main;hash_chain;mix*', 6],
  ['main/1', 'main;hash_chain', 1],
  ['primes/2', 'start;count_primes', 7],
  ['primes/2', 'start;count_primes;b', 1],
]);

/** One line per node: indentation by depth, name self/total, '(i)' when inlined. */
function render(n: TreeNode, depth = 0): string[] {
  const own = `${'  '.repeat(depth)}${n.name} ${n.self}/${n.total}${n.inlined ? ' (i)' : ''}`;
  return [own, ...n.children.flatMap((c) => render(c, depth + 1))];
}

const treeCases: Array<{ name: string; opts: TreeOptions; want: string[] }> = [
  {
    name: 'whole tree, merged by name per parent, children by total then name',
    opts: {},
    want: [
      'all 0/29',
      '  main 0/21',
      '    a 2/7',
      '      b 5/5',
      '    hash_chain 1/7',
      '      mix 6/6 (i)',
      '    fib 0/4',
      '      fib 0/4',
      '        fib 4/4',
      '    c 0/3',
      '      b 3/3',
      '  start 0/8',
      '    count_primes 7/8',
      '      b 1/1',
    ],
  },
  { name: 'maxDepth 1', opts: { maxDepth: 1 }, want: ['all 0/29', '  main 0/21', '  start 0/8'] },
  { name: 'maxDepth 0', opts: { maxDepth: 0 }, want: ['all 0/29'] },
  {
    name: 'minShare 0.2 of 29 keeps totals of at least 5.8',
    opts: { minShare: 0.2 },
    want: ['all 0/29', '  main 0/21', '    a 2/7', '    hash_chain 1/7', '      mix 6/6 (i)', '  start 0/8', '    count_primes 7/8'],
  },
  {
    name: 'thread by name',
    opts: { thread: 'primes' },
    want: ['all 0/8', '  start 0/8', '    count_primes 7/8', '      b 1/1'],
  },
  { name: 'thread by tid, with depth', opts: { thread: 1, maxDepth: 2, minShare: 0.3 }, want: ['all 0/21', '  main 0/21', '    a 2/7', '    hash_chain 1/7'] },
  { name: 'unknown thread is an empty tree', opts: { thread: 99 }, want: ['all 0/0'] },
];

for (const c of treeCases) {
  test(`callTree: ${c.name}`, () => {
    assert.deepEqual(render(callTree(P, c.opts)), c.want);
  });
}

test('callTree: nodes carry the function declaration site and plain-data children', () => {
  const t = callTree(P);
  const mix = t.children[0]!.children[1]!.children[0]!;
  assert.deepEqual(mix, { name: 'mix', self: 6, total: 6, file: 'src/mix.rs', line: 1, inlined: true, origin: 'unknown', children: [] });
  assert.equal(t.file, undefined);
  // Crosses the wire as JSON unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(t)), t);
});

const subtreeCases: Array<{ path: string[]; opts: TreeOptions; want: string[] }> = [
  { path: [], opts: { maxDepth: 1 }, want: ['all 0/29', '  main 0/21', '  start 0/8'] },
  { path: ['main', 'a'], opts: {}, want: ['a 2/7', '  b 5/5'] },
  { path: ['main', 'fib'], opts: { maxDepth: 1 }, want: ['fib 0/4', '  fib 0/4'] },
  { path: ['main', 'fib', 'fib', 'fib'], opts: {}, want: ['fib 4/4'] },
  // minShare is relative to the returned node: b is 1 of count_primes' 8.
  { path: ['start', 'count_primes'], opts: { minShare: 0.2 }, want: ['count_primes 7/8'] },
  { path: ['start', 'count_primes'], opts: { minShare: 0.1 }, want: ['count_primes 7/8', '  b 1/1'] },
];

for (const c of subtreeCases) {
  test(`subtree: ${JSON.stringify(c.path)} ${JSON.stringify(c.opts)}`, () => {
    assert.deepEqual(render(subtree(P, c.path, c.opts)), c.want);
  });
}

const badPaths: Array<{ path: string[]; opts: TreeOptions; index: number; message: RegExp }> = [
  {
    path: ['main', 'nope'],
    opts: {},
    index: 1,
    message: /path element 1 does not match: there is no function named "nope" in the profile; called there: a, hash_chain, fib, c/,
  },
  { path: ['main', 'b'], opts: {}, index: 1, message: /path element 1 does not match: "b" is not called under main;/ },
  { path: ['a'], opts: {}, index: 0, message: /"a" is not called at the root; called there: main, start/ },
  { path: ['main'], opts: { thread: 'primes' }, index: 0, message: /called there: start$/ },
  { path: ['main', 'a', 'b', 'x'], opts: {}, index: 3, message: /nothing is called there/ },
];

for (const c of badPaths) {
  test(`subtree: ${JSON.stringify(c.path)} is an InvalidRequest naming element ${c.index}`, () => {
    assert.throws(
      () => subtree(P, c.path, c.opts),
      (e: unknown) => isFlameError(e, ErrorCodes.InvalidRequest) && c.message.test(e.message) && (e.data as { index: number }).index === c.index,
    );
  });
}

const callCases: Array<{ fn: string; opts?: { thread?: number | string; limit?: number }; want: unknown }> = [
  {
    fn: 'b',
    want: {
      function: { name: 'b', self: 9, total: 9 },
      callers: [
        { name: 'a', count: 5 },
        { name: 'c', count: 3 },
        { name: 'count_primes', count: 1 },
      ],
      callees: [],
    },
  },
  { fn: 'b', opts: { thread: 'primes' }, want: { function: { name: 'b', self: 1, total: 1 }, callers: [{ name: 'count_primes', count: 1 }], callees: [] } },
  { fn: 'b', opts: { limit: 1 }, want: { function: { name: 'b', self: 9, total: 9 }, callers: [{ name: 'a', count: 5 }], callees: [] } },
  {
    // fib;fib;fib has the call fib→fib twice in one stack: counted once per sample.
    fn: 'fib',
    want: {
      function: { name: 'fib', self: 4, total: 4 },
      callers: [
        { name: 'fib', count: 4 },
        { name: 'main', count: 4 },
      ],
      callees: [{ name: 'fib', count: 4 }],
    },
  },
  {
    fn: 'main',
    want: {
      function: { name: 'main', self: 0, total: 21 },
      callers: [],
      callees: [
        { name: 'a', count: 7 },
        { name: 'hash_chain', count: 7 },
        { name: 'fib', count: 4 },
        { name: 'c', count: 3 },
      ],
    },
  },
  { fn: 'mix', want: { function: { name: 'mix', self: 6, total: 6 }, callers: [{ name: 'hash_chain', count: 6 }], callees: [] } },
  {
    fn: 'hash_chain',
    opts: { thread: 1 },
    want: { function: { name: 'hash_chain', self: 1, total: 7 }, callers: [{ name: 'main', count: 7 }], callees: [{ name: 'mix', count: 6 }] },
  },
];

for (const c of callCases) {
  test(`callersCallees: ${c.fn} ${JSON.stringify(c.opts ?? {})}`, () => {
    assert.deepEqual(callersCallees(P, c.fn, c.opts), c.want);
  });
}

test('callersCallees: an unknown function, or one absent from the thread, is an InvalidRequest with candidates', () => {
  assert.throws(
    () => callersCallees(P, 'hash'),
    (e: unknown) => isFlameError(e, ErrorCodes.InvalidRequest) && /no function named "hash" in the profile; did you mean hash_chain\?/.test(e.message),
  );
  assert.throws(
    () => callersCallees(P, 'main', { thread: 'primes' }),
    (e: unknown) => isFlameError(e, ErrorCodes.InvalidRequest) && /thread primes/.test(e.message),
  );
});

test('indexes are per profile: two profiles do not share answers', () => {
  const Q = build([['main/1', 'main;a', 3]]);
  assert.deepEqual(render(callTree(Q)), ['all 0/3', '  main 0/3', '    a 3/3']);
  assert.equal(callTree(P).total, 29);
});

// ---- a real recording ----------------------------------------------------------------------

let real: ProfileData;

before(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flame-query-tree-'));
  const perfData = path.join(dir, 'perf.data');
  await perfRecordTo(perfData, [await buildHotspots()], { FLAME_FIXTURE_SCALE: '0.5' });
  real = (await analyzePerfData(perfData, { cacheDir: path.join(dir, 'cache') })).profile;
});

/** Every node's total is its self plus its children's totals (nothing pruned). */
function checkSums(n: TreeNode): void {
  assert.equal(n.total, n.self + n.children.reduce((a, c) => a + c.total, 0), n.name);
  for (let i = 1; i < n.children.length; i++) assert.ok(n.children[i - 1]!.total >= n.children[i]!.total);
  n.children.forEach(checkSums);
}

test('real recording: the tree agrees with the folded stacks and the flat totals', () => {
  const t = callTree(real);
  assert.equal(t.total, real.totalSamples);
  checkSums(t);
  // Every folded stack's count is the self of the node at its path, summed over stacks that
  // fold to the same names.
  for (const [stack, n] of foldedStacks(real)) {
    const node = subtree(real, stack.split(';'), { maxDepth: 0 });
    assert.ok(node.self >= n, stack);
  }
  const chain = topFunctions(real).find((f) => f.name === 'hotspots::hash_chain')!;
  const cc = callersCallees(real, 'hotspots::hash_chain');
  assert.deepEqual(cc.function, { name: chain.name, self: chain.self, total: chain.total });
  const mix = cc.callees.find((c) => c.name === 'hotspots::mix');
  assert.ok(mix && mix.count > 0, 'mix, inlined into hash_chain, is one of its callees');
  // The worker thread's tree holds count_primes and not hash_chain.
  const primes = JSON.stringify(callTree(real, { thread: 'primes' }));
  assert.match(primes, /hotspots::count_primes/);
  assert.doesNotMatch(primes, /hotspots::hash_chain/);
});

test('real recording: fib recursion counts each sample once among its callers', () => {
  const fib = callersCallees(real, 'hotspots::fib');
  const self = fib.callers.find((c) => c.name === 'hotspots::fib');
  assert.ok(self && self.count <= fib.function.total && self.count > 0);
  for (const c of [...fib.callers, ...fib.callees]) assert.ok(c.count <= fib.function.total, c.name);
});
