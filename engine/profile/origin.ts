// Where a frame's code comes from, the one rule every client shows (`origin` on profile/top's
// rows and profile/tree's nodes, `flame top`'s column, the page's and the SVG's colours):
//
//   kernel      the kernel's frames: perf's [kernel.kallsyms] (named or not), [vdso], [guest.kernel...]
//   libc        the C runtime's shared objects: libc, ld.so, libm, libpthread, libdl, librt, libgcc_s,
//               libstdc++; and its start-up code linked into the binary (_start, _init, _fini)
//   std         Rust's standard library: a source under /rustc/<hash>/library/ or a rust-src sysroot's
//               lib/rustlib/src/rust/library/, or else a name in std, core, alloc, proc_macro, test
//   dependency  a crate from outside the workspace: a source under a cargo registry (…/registry/src/),
//               a git checkout (…/git/checkouts/), a vendor/ directory, or outside the workspace's root
//   workspace   the workspace's own crates: a source under the workspace's root (not its target/ or
//               vendor/), or else a name whose crate is a workspace member's (or a crate whose other
//               functions have their sources in the workspace)
//   unknown     none of these (a stripped binary's names, an unknown address)
//
// The first rule that matches decides, in the order of ORIGIN_RULES: a frame's library and source
// file say more than its name (a generic of std instantiated for the user's type is std's code).
// Pure: names, paths and the workspace's description in, origins out.
import path from 'node:path';
import type { FrameOrigin } from '../../protocol/types.js';
import type { FunctionInfo, ProfileData } from './profile.js';

export type { FrameOrigin } from '../../protocol/types.js';

/** What flame knows of the workspace: its root and its members' crate names (cargo metadata). */
export interface OriginContext {
  /** The workspace's root directory (absolute). */
  root?: string;
  /** The crate names of the workspace's members (`-` as `_`, as in symbol names). */
  crates?: string[];
}

/** One rule: the origin it gives and the test of a function (with the workspace's description). */
export interface OriginRule {
  origin: FrameOrigin;
  why: string;
  test: (f: FunctionInfo, ws: Workspace) => boolean;
}

/** The context prepared for the rules: the root with a trailing slash, the crate names as a set. */
interface Workspace {
  root?: string;
  crates: Set<string>;
}

const STD_CRATES = new Set(['std', 'core', 'alloc', 'proc_macro', 'test', 'panic_unwind', 'panic_abort', 'compiler_builtins', 'std_detect']);
const LIBC_DSO = /^(?:libc|libm|libpthread|libdl|librt|libgcc_s|libstdc\+\+|libresolv|libutil|ld-linux[\w.-]*|ld64|ld)(?:[.-][\w.+-]*)?\.so(?:\.[\d.]+)?$/;
const CRT_NAMES = new Set(['_start', '_init', '_fini', '__libc_csu_init', '__libc_csu_fini']);
const STD_SOURCE = /^\/rustc\/[0-9a-f]{40}\/library\/|\/lib\/rustlib\/src\/rust\/library\//;
const DEPENDENCY_SOURCE = /\/registry\/src\/|\/git\/checkouts\//;
const VENDORED = /(?:^|\/)vendor\//;

/** The rules in the order they are tried; the first that matches decides. */
export const ORIGIN_RULES: readonly OriginRule[] = [
  { origin: 'kernel', why: "perf's kernel maps", test: (f) => f.dso !== undefined && /^\[(?:kernel\.kallsyms|vdso|guest\.kernel|kernel)/.test(f.dso) },
  { origin: 'libc', why: "the C runtime's libraries", test: (f) => f.dso !== undefined && LIBC_DSO.test(path.posix.basename(f.dso)) },
  { origin: 'libc', why: "the C runtime's start-up code linked into the binary (crt1.o, crti.o)", test: (f) => f.file === undefined && CRT_NAMES.has(f.name) },
  { origin: 'std', why: "the standard library's sources", test: (f) => f.file !== undefined && STD_SOURCE.test(f.file) },
  {
    origin: 'dependency',
    why: 'a registry, git checkout or vendored source',
    test: (f, ws) => f.file !== undefined && (DEPENDENCY_SOURCE.test(f.file) || VENDORED.test(underRoot(f.file, ws.root))),
  },
  {
    origin: 'workspace',
    why: "a source under the workspace's root",
    test: (f, ws) => f.file !== undefined && f.file.startsWith('/') && !f.file.startsWith('/usr/') && (ws.root === undefined || inWorkspace(f.file, ws.root)),
  },
  {
    origin: 'dependency',
    why: "a source outside the workspace's root",
    test: (f, ws) => ws.root !== undefined && f.file !== undefined && f.file.startsWith('/') && !f.file.startsWith('/usr/'),
  },
  { origin: 'std', why: "a name in the standard library's crates", test: (f) => STD_CRATES.has(crateOf(f.name) ?? '') },
  { origin: 'workspace', why: "a name in a workspace member's crate", test: (f, ws) => ws.crates.has(crateOf(f.name) ?? '') },
];

/** A function's origin by the first rule of ORIGIN_RULES that matches; 'unknown' when none does. */
export function originOf(f: FunctionInfo, ctx: OriginContext = {}): FrameOrigin {
  return originWith(f, prepare(ctx));
}

/**
 * Every function's origin, indexed by function id. The workspace's crates are the context's and
 * those of the profile's functions whose sources are in the workspace, so that a frame without a
 * source (an inlined copy symbolized by name only) of the user's crate is the workspace's too.
 */
export function functionOrigins(p: ProfileData, ctx: OriginContext = {}): FrameOrigin[] {
  const ws = prepare(ctx);
  const first = p.functions.map((f) => originWith(f, ws));
  p.functions.forEach((f, i) => {
    if (first[i] !== 'workspace' || f.file === undefined) return;
    const c = crateOf(f.name);
    if (c !== undefined && !STD_CRATES.has(c)) ws.crates.add(c);
  });
  return p.functions.map((f, i) => (first[i] === 'unknown' ? originWith(f, ws) : first[i]!));
}

/**
 * The crate a demangled Rust name belongs to: its first path segment, or for an impl
 * (`<alloc::vec::Vec<T> as core::ops::Drop>::drop`, `<&T as Debug>::fmt`) that of its self type.
 * Undefined for a name that is not a Rust path (`main`, `memcpy`).
 */
export function crateOf(name: string): string | undefined {
  const s = name.replace(/^(?:<|&|mut |dyn |\*const |\*mut |impl )+/, '');
  const m = /^([A-Za-z_][A-Za-z0-9_]*)::/.exec(s);
  return m?.[1];
}

function originWith(f: FunctionInfo, ws: Workspace): FrameOrigin {
  for (const r of ORIGIN_RULES) if (r.test(f, ws)) return r.origin;
  return 'unknown';
}

function prepare(ctx: OriginContext): Workspace {
  const root = ctx.root === undefined ? undefined : ctx.root.endsWith('/') ? ctx.root : `${ctx.root}/`;
  return { root, crates: new Set((ctx.crates ?? []).map((c) => c.replace(/-/g, '_'))) };
}

/** Under the root, and not under its build output or vendored sources. */
function inWorkspace(file: string, root: string): boolean {
  if (!file.startsWith(root)) return false;
  const rest = file.slice(root.length);
  return !rest.startsWith('target/');
}

/** The part of a path below the root (all of it without a root, or outside it): where a vendor/ directory counts. */
function underRoot(file: string, root: string | undefined): string {
  return root !== undefined && file.startsWith(root) ? file.slice(root.length) : root === undefined ? file : '';
}
