// The stack view (engine/query/view.ts): pprof's focus, ignore and hide, the runtime plumbing
// rule (engine/profile/plumbing.ts) and the thread as root, on built profiles and on a real
// two-threaded recording of the hotspots fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { isPlumbing, PLUMBING } from '../engine/profile/plumbing.js';
import { ProfileBuilder, stackCount, stackLocs, type ProfileData } from '../engine/profile/profile.js';
import { foldedStacks, topFunctions } from '../engine/query/query.js';
import { functionRunCounts } from '../engine/query/query.js';
import { viewOf } from '../engine/query/view.js';
import { buildHotspots, perfRecordTo, runFlame, scratch } from './helpers.js';
import { send } from '../clients/connect.js';
import * as P from '../protocol/methods.js';
import type { TreeNode } from '../protocol/methods.js';
import { startDaemon } from './daemon-fixture.js';

const flags = { unknown: false, truncated: false };

/** Frames as real Rust programs' stacks name them (legacy and v0 demangling), with whether the rule removes them. */
const NAMES: Array<[string, boolean]> = [
  ['_start', true],
  ['__libc_start_main', true],
  ['__libc_start_call_main', true],
  ['main', true],
  ['std::rt::lang_start_internal', true],
  ['std::rt::lang_start::{{closure}}', true],
  ['std::rt::lang_start_internal::{closure#0}', true],
  ['std::rt::lang_start::<()>', true],
  ['std::panic::catch_unwind', true],
  ['std::panicking::catch_unwind::do_call::<std::rt::lang_start_internal::{closure#0}, isize>', true],
  ['std::panicking::try', true],
  ['std::panicking::try::do_call', true],
  ['__rust_try', true],
  ['std::sys::backtrace::__rust_begin_short_backtrace', true],
  ['std::sys_common::backtrace::__rust_begin_short_backtrace', true],
  ['core::ops::function::FnOnce::call_once', true],
  ['core::ops::function::FnOnce::call_once{{vtable.shim}}', true],
  ['<alloc::boxed::Box<dyn core::ops::function::FnOnce<(), Output = ()> + core::marker::Send> as core::ops::function::FnOnce<()>>::call_once', true],
  ['<core::panic::unwind_safe::AssertUnwindSafe<F> as core::ops::function::FnOnce<()>>::call_once', true],
  [
    '<&dyn core::ops::function::Fn<(), Output = i32> + core::marker::Sync + core::panic::unwind_safe::RefUnwindSafe as core::ops::function::FnOnce<()>>::call_once',
    true,
  ],
  ['std::thread::Builder::spawn_unchecked_::{{closure}}', true],
  ['std::thread::Builder::spawn_unchecked_::{{closure}}::{{closure}}', true],
  ['std::thread::lifecycle::spawn_unchecked::{{closure}}', true],
  ['<std::sys::thread::unix::Thread>::new::thread_start', true],
  ['std::sys::pal::unix::thread::Thread::new::thread_start', true],
  ['start_thread', true],
  ['clone3', true],
  ['clone', true],
  // The user's code, and std's that does work, stay.
  ['hotspots::main', false],
  ['hotspots::main::{{closure}}', false],
  ['app::run::{{closure}}', false],
  ['std::thread::Builder::spawn_unchecked_', false],
  ['core::iter::traits::iterator::Iterator::fold', false],
  ['<core::ops::range::Range<T> as core::iter::range::RangeIteratorImpl>::spec_next', false],
  ['std::io::Write::write_all', false],
  ['malloc', false],
  ['mainloop', false],
];

test('the plumbing rule: each name removed or kept as the table says, every pattern used', () => {
  for (const [name, plumbing] of NAMES) assert.equal(isPlumbing(name), plumbing, name);
  for (const r of PLUMBING) {
    assert.ok(r.why.length > 10);
    assert.ok(
      NAMES.some(([n, p]) => p && r.pattern.test(n)),
      `${r.pattern} matches none of the table's names`,
    );
  }
});

/** A profile of two threads: main's and a spawned one's, with plumbing around the user's frames. */
function twoThreads(): ProfileData {
  const b = new ProfileBuilder();
  const f = (name: string, inlined = false) => b.location(b.fn({ name }), { inlined });
  const main = b.thread({ comm: 'app', pid: 1, tid: 1 });
  const worker = b.thread({ comm: 'worker', pid: 1, tid: 2 });
  const start = [
    f('_start'),
    f('__libc_start_main'),
    f('main'),
    f('std::rt::lang_start_internal'),
    f('std::panicking::try', true),
    f('std::rt::lang_start::{{closure}}'),
  ];
  const userMain = f('app::main');
  const hot = f('app::hot');
  const inl = f('app::mix', true);
  const thread = [
    f('clone3'),
    f('start_thread'),
    f('std::thread::Builder::spawn_unchecked_::{{closure}}'),
    f('std::sys::backtrace::__rust_begin_short_backtrace'),
  ];
  const closure = f('app::main::{{closure}}');
  b.add([...start, userMain, hot, inl], main, 10, 10, flags);
  b.add([...start, userMain, hot], main, 4, 4, flags);
  b.add([...thread, closure, hot], worker, 3, 3, flags);
  // Plumbing with samples of its own: start_thread running, and code inlined into lang_start_internal.
  b.add(thread.slice(0, 2), worker, 2, 2, flags);
  b.add(start.slice(0, 5), main, 1, 1, flags);
  b.nextRun();
  b.add([...start, userMain, hot, inl], main, 6, 6, flags);
  b.add([...thread, closure, hot], worker, 1, 1, flags);
  return b.finish();
}

const names = (p: ProfileData) => p.functions.map((f) => f.name);
const stacks = (p: ProfileData) =>
  Array.from({ length: stackCount(p) }, (_, i) => [Array.from(stackLocs(p, i), (l) => names(p)[p.locations[l]!.fn]).join(';'), p.stacks.samples[i]]).sort(
    (a, b) => String(a[0]).localeCompare(String(b[0])),
  );
const selfOf = (p: ProfileData, noInline: boolean) =>
  Object.fromEntries(
    topFunctions(p, { noInline })
      .filter((r) => r.self > 0)
      .map((r) => [r.name, r.self]),
  );

test('plumbing collapsed by default: user frames at the root, self counts, totals and runs unchanged', () => {
  const p = twoThreads();
  const v = viewOf(p);
  assert.deepEqual(stacks(v), [
    ['app::main;app::hot', 4],
    ['app::main;app::hot;app::mix', 16],
    ['app::main::{{closure}};app::hot', 4],
    ['start_thread', 2],
    ['std::rt::lang_start_internal;std::panicking::try', 1],
  ]);
  // The sample in std::panicking::try (inlined into lang_start_internal) keeps its frames from
  // the function it is inlined into: plumbing drops only the frames outside the sampled function.
  for (const noInline of [false, true]) assert.deepEqual(selfOf(v, noInline), selfOf(p, noInline), `noInline ${noInline}`);
  assert.equal(v.totalSamples, p.totalSamples);
  assert.deepEqual(v.runs, p.runs);
  assert.deepEqual(
    functionRunCounts(v).map((c) => Array.from(c.self)),
    functionRunCounts(p).map((c) => Array.from(c.self)),
  );
  // Remaining functions' totals are unchanged; plumbing's shrink to their self.
  const total = (q: ProfileData) => Object.fromEntries(topFunctions(q).map((r) => [r.name, r.total]));
  for (const [name, t] of Object.entries(total(p))) {
    if (!isPlumbing(name)) assert.equal(total(v)[name], t, name);
  }
  assert.equal(total(v)['clone3'], undefined);
  // With the switch, the recorded stacks are back: the profile itself.
  assert.equal(viewOf(p, { plumbing: true }), p);
});

test("focus, ignore and hide: pprof's meanings", () => {
  const p = twoThreads();
  const all = { plumbing: true };
  // focus: only samples with a matching frame, whole stacks.
  const f = viewOf(p, { ...all, focus: '^app::main::\\{\\{closure' });
  assert.equal(f.totalSamples, 4);
  assert.ok(stacks(f).every(([s]) => String(s).startsWith('clone3;')));
  // ignore: drop them.
  const i = viewOf(p, { ...all, ignore: 'closure\\}\\}$' });
  // Kept: start_thread's own 2 and the 1 inside lang_start_internal, whose stacks have no {{closure}}.
  assert.equal(i.totalSamples, 3);
  assert.ok(stacks(i).every(([s]) => !/closure\}\}/.test(String(s))));
  // hide: frames gone, samples stay; a hidden innermost frame's samples go to its caller.
  const h = viewOf(p, { ...all, hide: '^app::mix$' });
  assert.equal(h.totalSamples, p.totalSamples);
  assert.equal(selfOf(h, false)['app::hot'], 16 + 4 + 4);
  assert.ok(!topFunctions(h).some((r) => r.name === 'app::mix'));
  // A bad or refused regex names its field.
  assert.throws(() => viewOf(p, { focus: '(' }), /'focus' is not a valid regular expression/);
  assert.throws(() => viewOf(p, { hide: '(a)\\1' }), /'hide' uses a backreference/);
});

test('threads: each stack under its thread, counts unchanged', () => {
  const p = twoThreads();
  const t = viewOf(p, { threads: true });
  const roots = new Map<string, number>();
  for (const [k, n] of foldedStacks(t)) roots.set(k.split(';')[0]!, (roots.get(k.split(';')[0]!) ?? 0) + n);
  assert.deepEqual(Object.fromEntries(roots), { 'app-1': 21, 'worker-2': 6 });
  assert.equal(t.totalSamples, p.totalSamples);
});

test('on a real two-threaded recording: the hottest stacks drop to the user frames, counts unchanged', { timeout: 240_000 }, async () => {
  const dir = scratch('flame-view-');
  const perfData = path.join(dir, 'perf.data');
  await perfRecordTo(perfData, [await buildHotspots()]);
  const env = { FLAME_CACHE_DIR: path.join(dir, 'cache') };
  const flame = async (args: string[]) => {
    const r = await runFlame(args, { cwd: dir, env });
    assert.equal(r.exitCode, 0, r.stderr);
    return r.stdout;
  };
  const folded = async (extra: string[]) => {
    const out = new Map<string, number>();
    for (const line of (await flame(['export', '--format', 'folded', '--perf-data', perfData, ...extra])).trim().split('\n')) {
      const at = line.lastIndexOf(' ');
      out.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return out;
  };
  const collapsed = await folded([]);
  const raw = await folded(['--plumbing']);
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  assert.equal(sum(collapsed), sum(raw));
  // The hottest stack of each thread: hash_chain's (main) and count_primes' (the spawned thread).
  const deepest = (m: Map<string, number>, fn: string) => {
    const [stack] = [...m].filter(([s]) => s.split(';').includes(fn)).sort((a, b) => b[1] - a[1])[0]!;
    return stack.split(';');
  };
  for (const fn of ['hotspots::hash_chain', 'hotspots::count_primes']) {
    const before = deepest(raw, fn);
    const after = deepest(collapsed, fn);
    assert.ok(before.length >= 12, `with plumbing, ${fn} sits on ${before.length} frames: ${before.join(';')}`);
    assert.ok(after.length <= 4, `without, on ${after.length}: ${after.join(';')}`);
    assert.ok(after[0]!.startsWith('hotspots::main'), after.join(';'));
    assert.ok(before.some((f) => isPlumbing(f)));
    assert.ok(!after.some((f) => isPlumbing(f)));
  }
  // Self counts, inline and --no-inline, are the same with and without the switch (parity.test.ts holds them to perf's).
  for (const noInline of [[], ['--no-inline']]) {
    const top = async (extra: string[]) =>
      JSON.parse(await flame(['top', '--perf-data', perfData, '--limit', '0', '--json', ...noInline, ...extra])) as {
        samples: number;
        functions: Array<{ name: string; self: number }>;
      };
    const a = await top([]);
    const b = await top(['--plumbing']);
    assert.equal(a.samples, b.samples);
    const selfs = (t: typeof a) => Object.fromEntries(t.functions.filter((f) => f.self > 0).map((f) => [f.name, f.self]));
    assert.deepEqual(selfs(a), selfs(b));
  }
});

test("the daemon's queries: plumbing left out by default, focus, threads, and origins from the workspace", { timeout: 300_000 }, async () => {
  const d = await startDaemon({ prefix: 'flame-view-daemon', env: { FLAME_FIXTURE_SCALE: '0.3' } });
  try {
    const c = await d.client('view-test');
    const once = await send(c.conn, P.ProfileOnce.type, {});
    const names = (t: TreeNode) => t.children.map((n) => n.name);
    const tree = await send(c.conn, P.Tree.type, { profile: once.id, maxDepth: 1 });
    assert.ok(names(tree.root).includes('hotspots::main'), names(tree.root).join(', '));
    assert.ok(!names(tree.root).includes('_start'));
    assert.equal(tree.root.children.find((n) => n.name === 'hotspots::main')!.origin, 'workspace');
    const raw = await send(c.conn, P.Tree.type, { profile: once.id, maxDepth: 1, plumbing: true });
    assert.ok(names(raw.root).includes('_start'), names(raw.root).join(', '));
    assert.equal(raw.root.children.find((n) => n.name === '_start')!.origin, 'libc');
    assert.equal(raw.samples, tree.samples);
    const byThread = await send(c.conn, P.Tree.type, { profile: once.id, maxDepth: 1, threads: true });
    assert.ok(byThread.root.children.length >= 2 && byThread.root.children.every((n) => /-\d+$/.test(n.name)), names(byThread.root).join(', '));
    // The rows' origins come from the workspace's cargo metadata, in the daemon's query threads.
    const top = await send(c.conn, P.Top.type, { profile: once.id, limit: 100 });
    const origin = (name: string) => top.functions.find((f) => f.name === name)?.origin;
    assert.equal(origin('hotspots::hash_chain'), 'workspace');
    assert.equal(origin('hotspots::mix'), 'workspace');
    const focused = await send(c.conn, P.Top.type, { profile: once.id, focus: '^hotspots::count_primes$' });
    assert.ok(focused.samples > 0 && focused.samples < top.samples);
    assert.ok(focused.functions.every((f) => f.name !== 'hotspots::hash_chain'));
    const ignored = await send(c.conn, P.Top.type, { profile: once.id, ignore: '^hotspots::count_primes$' });
    assert.equal(ignored.samples + focused.samples, top.samples);
    c.close();
  } finally {
    await d.stop();
  }
});
