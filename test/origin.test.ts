// The frame-origin rule (engine/profile/origin.ts), table by table: frames as the symbolizer
// names them (the paths are the shapes perf, rustc and cargo really produce).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crateOf, functionOrigins, originOf, ORIGIN_RULES } from '../engine/profile/origin.js';
import { ProfileBuilder, type FunctionInfo } from '../engine/profile/profile.js';
import { topFunctions } from '../engine/query/query.js';
import { exportProfile } from '../engine/export/export.js';
import { renderGuarded } from '../engine/render/svg-guard.js';
import { foldedStacks } from '../engine/query/query.js';
import { FRAME_ORIGINS, type FrameOrigin } from '../protocol/types.js';

const ws = { root: '/home/u/app', crates: ['app', 'app_core', 'my-tool'] };
const EXE = '/home/u/app/target/release/app';
const RUST_SRC = '/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/lib/rustlib/src/rust/library';

const CASES: Array<[FrameOrigin, FunctionInfo]> = [
  ['workspace', { name: 'app::hot_loop', file: '/home/u/app/src/lib.rs', dso: EXE }],
  ['workspace', { name: 'app_core::parse', file: '/home/u/app/crates/core/src/parse.rs', dso: EXE }],
  ['workspace', { name: '<app::Grid as core::ops::Index<usize>>::index', dso: EXE }],
  ['workspace', { name: 'my_tool::run', dso: EXE }],
  ['dependency', { name: 'regex::Regex::new', file: '/root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/regex-1.10.2/src/regex.rs', dso: EXE }],
  ['dependency', { name: 'foo::bar', file: '/root/.cargo/git/checkouts/foo-1a2b3c/abc1234/src/lib.rs', dso: EXE }],
  ['dependency', { name: 'vend::x', file: '/home/u/app/vendor/vend/src/lib.rs', dso: EXE }],
  ['dependency', { name: 'pathdep::x', file: '/home/u/other/src/lib.rs', dso: EXE }],
  ['std', { name: 'std::rt::lang_start_internal', file: `${RUST_SRC}/std/src/rt.rs`, dso: EXE }],
  ['std', { name: '<u64>::wrapping_mul', file: `${RUST_SRC}/core/src/num/uint_macros.rs`, dso: EXE }],
  [
    'std',
    {
      name: 'std::sys::backtrace::__rust_begin_short_backtrace',
      file: '/rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/sys/backtrace.rs',
      dso: EXE,
    },
  ],
  // A generic of std instantiated for the user's type is std's code.
  ['std', { name: 'core::ptr::drop_in_place<app::Grid>', dso: EXE }],
  ['std', { name: '<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop', dso: EXE }],
  ['libc', { name: '__libc_start_main', file: 'csu/libc-start.c', dso: '/usr/lib/x86_64-linux-gnu/libc.so.6' }],
  ['libc', { name: 'start_thread', file: 'nptl/nptl/pthread_create.c', dso: '/lib/x86_64-linux-gnu/libc.so.6' }],
  ['libc', { name: '_dl_relocate_object', dso: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' }],
  ['libc', { name: 'sin', dso: '/usr/lib/x86_64-linux-gnu/libm.so.6' }],
  ['libc', { name: '_Unwind_Backtrace', dso: '/usr/lib/x86_64-linux-gnu/libgcc_s.so.1' }],
  ['kernel', { name: 'finish_task_switch.isra.0', dso: '[kernel.kallsyms]' }],
  ['kernel', { name: '[[kernel.kallsyms]]', dso: '[kernel.kallsyms]' }],
  ['kernel', { name: '__vdso_clock_gettime', dso: '[vdso]' }],
  ['unknown', { name: '[unknown]', dso: '[unknown]' }],
  ['unknown', { name: 'main', dso: EXE }],
  ['libc', { name: '_start', dso: EXE }],
  ['unknown', { name: 'zstd_compress', dso: '/usr/lib/x86_64-linux-gnu/libzstd.so.1' }],
];

test('every frame shape gets its origin, by the first rule that matches', () => {
  for (const [want, f] of CASES) assert.equal(originOf(f, ws), want, `${f.name} (${f.file ?? 'no file'}, ${f.dso})`);
  // Every origin is reachable, and every rule names one of the wire's origins.
  assert.deepEqual(new Set(CASES.map(([o]) => o)), new Set(FRAME_ORIGINS));
  for (const r of ORIGIN_RULES) assert.ok(FRAME_ORIGINS.includes(r.origin), r.why);
});

test('without a workspace root, a source outside the registries and the system is the workspace', () => {
  assert.equal(originOf({ name: 'app::hot_loop', file: '/home/u/app/src/lib.rs' }), 'workspace');
  assert.equal(originOf({ name: 'pathdep::x', file: '/home/u/other/src/lib.rs' }), 'workspace');
  assert.equal(originOf({ name: 'x::y', file: '/usr/src/x.rs' }), 'unknown');
  assert.equal(originOf({ name: 'regex::Regex::new', file: '/root/.cargo/registry/src/i/regex-1/src/lib.rs' }), 'dependency');
  // A workspace under the build output is not the workspace's source.
  assert.equal(originOf({ name: 'app::gen', file: '/home/u/app/target/release/build/app-1/out/gen.rs' }, ws), 'dependency');
});

test("a frame without a source is the workspace's when its crate's other functions are", () => {
  const b = new ProfileBuilder();
  const t = b.thread({ comm: 'app', pid: 1, tid: 1 });
  const withFile = b.location(b.fn({ name: 'hotspots::main', file: '/x/app/src/main.rs', dso: '/x/app/target/release/hotspots' }));
  const noFile = b.location(b.fn({ name: 'hotspots::mix', dso: '/x/app/target/release/hotspots' }), { inlined: true });
  b.add([withFile, noFile], t, 5, 5, { unknown: false, truncated: false });
  const p = b.finish();
  assert.deepEqual(functionOrigins(p, { root: '/x/app' }), ['workspace', 'workspace']);
  assert.deepEqual(
    topFunctions(p, { workspace: { root: '/x/app' } }).map((r) => [r.name, r.origin]),
    [
      ['hotspots::mix', 'workspace'],
      ['hotspots::main', 'workspace'],
    ],
  );
});

test("a name's crate: its first segment, or its self type's in an impl", () => {
  assert.equal(crateOf('app::a::b'), 'app');
  assert.equal(crateOf('<alloc::boxed::Box<dyn core::ops::function::FnOnce<()>> as core::ops::function::FnOnce<()>>::call_once'), 'alloc');
  assert.equal(crateOf('<&dyn core::ops::function::Fn<(), Output = i32> as core::ops::function::FnOnce<()>>::call_once'), 'core');
  assert.equal(crateOf('<u64>::wrapping_mul'), undefined);
  assert.equal(crateOf('memcpy'), undefined);
});

test("the SVG's rust palette colours frames by origin: workspace aqua, dependency purple, std orange, libc yellow, kernel red", async () => {
  const b = new ProfileBuilder();
  const t = b.thread({ comm: 'app', pid: 1, tid: 1 });
  const loc = (f: FunctionInfo) => b.location(b.fn(f));
  const frames = [
    loc({ name: '__libc_start_main', file: 'csu/libc-start.c', dso: '/usr/lib/x86_64-linux-gnu/libc.so.6' }),
    loc({ name: 'app::main', file: '/home/u/app/src/main.rs', dso: EXE }),
    loc({ name: 'regex::Regex::new', file: '/root/.cargo/registry/src/i/regex-1.10.2/src/regex.rs', dso: EXE }),
    loc({ name: 'alloc::vec::Vec<T>::push', file: `${RUST_SRC}/alloc/src/vec/mod.rs`, dso: EXE }),
    loc({ name: 'page_fault', dso: '[kernel.kallsyms]' }),
  ];
  b.add(frames, t, 10, 10, { unknown: false, truncated: false });
  const p = b.finish();
  const fills = (svg: string) =>
    new Map(
      [...svg.matchAll(/<title>([^<]*?) \(\d[^<]*<\/title><rect [^>]*fill="rgb\((\d+),(\d+),(\d+)\)"/g)].map((m) => [
        m[1]!,
        [Number(m[2]), Number(m[3]), Number(m[4])],
      ]),
    );
  const ex = await exportProfile(p, 'svg', { title: 't', svg: { palette: 'rust', deterministic: true }, workspace: ws });
  const c = fills(ex.data);
  const [wr, wg, wb] = c.get('app::main')!;
  assert.ok(wr < 111 && wg >= 165 && wb >= 165, `workspace aqua: ${c.get('app::main')}`);
  const [dr, dg, db] = c.get('regex::Regex::new')!;
  assert.ok(dr >= 190 && dg < 141 && db >= 190, `dependency purple: ${c.get('regex::Regex::new')}`);
  const [sr, , sb] = c.get('alloc::vec::Vec&lt;T&gt;::push') ?? c.get('alloc::vec::Vec<T>::push')!;
  assert.ok(sr >= 190 && sb === 0, `std orange`);
  const [lr, lg, lb] = c.get('__libc_start_main')!;
  assert.ok(lr >= 175 && lg >= 175 && lb < 71, `libc yellow: ${c.get('__libc_start_main')}`);
  const [kr, kg] = c.get('page_fault')!;
  assert.ok(kr >= 200 && kg < 131, `kernel red: ${c.get('page_fault')}`);
  // Without origins (as `flame svg` draws folded text) the rust palette goes by name, as before:
  // a dependency is as aqua as the user's crates.
  const plain = await renderGuarded(foldedStacks(p), { palette: 'rust', deterministic: true });
  assert.ok('svg' in plain);
  const [pr, pg, pb] = fills(plain.svg.toString('utf8')).get('regex::Regex::new')!;
  assert.ok(pr < 111 && pg >= 165 && pb >= 165, `by name, regex is aqua: ${[pr, pg, pb]}`);
});
