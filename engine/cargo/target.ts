// Which cargo target to profile: `cargo metadata` read once, then a pure choice over it that
// follows cargo-flamegraph's rules, so `flame record` picks what `cargo flamegraph` would.
import { existsSync } from 'node:fs';
import type { OriginContext } from '../profile/origin.js';
import path from 'node:path';
import { ErrorCodes, FlameError, killedBy } from '../../common/errors.js';

/** What to build and profile: the wire type, so it crosses to the daemon as is. */
export type { TargetSpec as TargetOptions } from '../../protocol/types.js';
import type { TargetSpec as TargetOptions } from '../../protocol/types.js';
import { within } from '../../common/fsutil.js';
import { adopt, loadExeca, reapable } from '../../common/spawn.js';

export type TargetKind = 'bin' | 'example' | 'test' | 'bench' | 'unit-test' | 'unit-bench';

/** The chosen target. `unitKind` says whether unit tests/benches belong to the lib or a bin. */
export interface SelectedTarget {
  kind: TargetKind;
  name: string;
  package: string;
  unitKind?: 'lib' | 'bin';
}

/** The parts of `cargo metadata --no-deps` flame uses, plus where flame was asked to look. */
export interface CargoMetadata {
  workspaceRoot: string;
  targetDirectory: string;
  workspaceMembers: string[];
  packages: CargoPackage[];
  /** `[workspace.metadata]` of the workspace's Cargo.toml (tools' settings: flame's is `flame`), or null. */
  metadata: unknown;
  /** Directory of the manifest the request points at: packages below it are "in scope". */
  manifestDir: string;
}

export interface CargoPackage {
  id: string;
  name: string;
  version: string;
  manifestPath: string;
  defaultRun: string | null;
  targets: CargoTarget[];
  /** `[package.metadata]` of its Cargo.toml, or null. */
  metadata: unknown;
}

export interface CargoTarget {
  name: string;
  /** cargo's kinds: bin, lib, rlib, cdylib, proc-macro, example, test, bench, custom-build... */
  kind: string[];
  srcPath: string;
  /** Whether `cargo test` builds unit tests for it. */
  test: boolean;
}

/** Where a workspace keeps its sources and its builds. */
export interface WorkspaceInfo {
  root: string;
  /** cargo's target directory (CARGO_TARGET_DIR and config honoured); flame's files go in its flame/. */
  targetDir: string;
  memberDirs: string[];
}

export function workspaceOf(meta: CargoMetadata): WorkspaceInfo {
  const memberDirs = meta.packages.filter((p) => meta.workspaceMembers.includes(p.id)).map((p) => path.dirname(p.manifestPath));
  return { root: meta.workspaceRoot, targetDir: meta.targetDirectory, memberDirs };
}

/**
 * The workspace as the frame-origin rule reads it (engine/profile/origin.ts): its root and the
 * crate names of its members' targets, as symbol names spell them (`-` as `_`).
 */
export function originContext(meta: CargoMetadata): OriginContext {
  const crates = new Set<string>();
  for (const p of meta.packages) {
    if (!meta.workspaceMembers.includes(p.id)) continue;
    crates.add(p.name.replace(/-/g, '_'));
    for (const t of p.targets) crates.add(t.name.replace(/-/g, '_'));
  }
  return { root: meta.workspaceRoot, crates: [...crates].sort() };
}

/** The workspace `opts` points at, or undefined outside one (or without cargo): not an error for exec. */
export async function findWorkspace(opts: TargetOptions): Promise<WorkspaceInfo | undefined> {
  try {
    return workspaceOf(await readMetadata(opts));
  } catch (err) {
    if (err instanceof FlameError) return undefined;
    throw err;
  }
}

/** Run `cargo metadata --no-deps` for the project `opts` points at. */
export async function readMetadata(opts: TargetOptions = {}): Promise<CargoMetadata> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const args = ['metadata', '--format-version', '1', '--no-deps'];
  const manifestPath = opts.manifestPath === undefined ? undefined : path.resolve(cwd, opts.manifestPath);
  if (manifestPath !== undefined) args.push('--manifest-path', manifestPath);
  const execa = await loadExeca();
  const run = execa('cargo', args, { cwd, reject: false, stripFinalNewline: false, ...reapable() });
  adopt(run);
  const r = await run;
  if (r.failed) {
    if ((r as { code?: string }).code === 'ENOENT') {
      // spawn names a missing working directory ENOENT too, as if cargo were missing.
      if (!existsSync(cwd))
        throw new FlameError(ErrorCodes.NotCargoProject, `${cwd} does not exist: run flame inside a cargo project or pass --manifest-path`, { cause: r });
      throw new FlameError(ErrorCodes.ToolMissing, 'cargo is not installed or not on PATH: install Rust with rustup (https://rustup.rs)', { cause: r });
    }
    if (r.signal)
      throw new FlameError(ErrorCodes.ToolKilled, `cargo metadata was ${killedBy(r.signal)} before it answered; run the command again`, { cause: r });
    const first = firstErrorLine(r.stderr);
    if (/could not find `Cargo\.toml`|manifest path .* does not exist/.test(r.stderr)) {
      throw new FlameError(ErrorCodes.NotCargoProject, `${first}: run flame inside a cargo project or pass --manifest-path`, { cause: r });
    }
    throw new FlameError(ErrorCodes.NotCargoProject, `cargo metadata failed: ${first}`, { cause: r });
  }
  const raw = JSON.parse(r.stdout) as RawMetadata;
  return {
    workspaceRoot: raw.workspace_root,
    targetDirectory: raw.target_directory,
    workspaceMembers: raw.workspace_members,
    metadata: raw.metadata ?? null,
    manifestDir: manifestPath !== undefined ? path.dirname(manifestPath) : (findManifestDir(cwd) ?? raw.workspace_root),
    packages: raw.packages.map((p) => ({
      id: p.id,
      name: p.name,
      version: p.version,
      manifestPath: p.manifest_path,
      defaultRun: p.default_run ?? null,
      targets: p.targets.map((t) => ({ name: t.name, kind: t.kind, srcPath: t.src_path, test: t.test ?? true })),
      metadata: p.metadata ?? null,
    })),
  };
}

/**
 * Choose the target to profile: the one named by a flag, else the scoped packages' default-run or
 * only binary. Several candidates → AmbiguousTarget, none → TargetNotFound; both messages list
 * the flags that would work, and `data.candidates` carries them for clients.
 */
export function selectTarget(metadata: CargoMetadata, opts: TargetOptions): SelectedTarget {
  const packages = scopedPackages(metadata, opts.package);
  const named = explicitTarget(opts);
  if (named !== undefined) {
    const { kind, name } = named;
    const matches = candidatesOf(packages, [kind]).filter((c) => c.name === name);
    return pick(matches, packages.length, () => {
      const others = candidatesOf(packages, [kind]);
      const where = opts.package === undefined ? 'this project' : `package '${opts.package}'`;
      const what = others.length === 0 ? `${where} has no ${kind} targets` : `the ${kind} targets are: ${flagList(others, packages.length)}`;
      return new FlameError(ErrorCodes.TargetNotFound, `no ${kind} target named '${name}'; ${what}`, { data: { candidates: flags(others, packages.length) } });
    });
  }
  const unit = opts.unitTest ?? opts.unitBench;
  if (unit !== undefined) {
    const kind: TargetKind = opts.unitTest !== undefined ? 'unit-test' : 'unit-bench';
    const kinds = opts.unitTestKind === undefined ? ['lib', 'bin'] : [opts.unitTestKind];
    const all = candidatesOf(packages, kinds, kind).filter((c) => c.testable);
    const matches = unit === true ? all : all.filter((c) => c.name === unit);
    return pick(matches, packages.length, () => {
      const label = unit === true ? 'no lib or bin target with unit tests' : `no lib or bin target named '${unit}' with unit tests`;
      const what = all.length === 0 ? 'there are none in this project' : `try ${flagList(all, packages.length)}`;
      return new FlameError(ErrorCodes.TargetNotFound, `${label}; ${what}`, { data: { candidates: flags(all, packages.length) } });
    });
  }
  const bins = packages.flatMap((p) => candidatesOf([p], ['bin']).filter((c) => p.defaultRun === null || c.name === p.defaultRun));
  return pick(bins, packages.length, () => {
    const others = candidatesOf(packages, ['example', 'test', 'bench']);
    const what = others.length === 0 ? 'add a [[bin]] or pass --manifest-path to another project' : `pass one of ${flagList(others, packages.length)}`;
    return new FlameError(ErrorCodes.TargetNotFound, `no binary target to profile; ${what}`, { data: { candidates: flags(others, packages.length) } });
  });
}

/** The flag that selects `t`, as a user would type it (`--bin a`, `-p beta --bin beta`). */
function targetFlag(t: SelectedTarget, opts: { withPackage?: boolean } = {}): string {
  const pkg = opts.withPackage ? `-p ${t.package} ` : '';
  switch (t.kind) {
    case 'unit-test':
    case 'unit-bench':
      return `${pkg}--${t.kind} ${t.name}${t.unitKind ? ` --unit-test-kind ${t.unitKind}` : ''}`;
    default:
      return `${pkg}--${t.kind} ${t.name}`;
  }
}

interface Candidate extends SelectedTarget {
  testable: boolean;
  /** Another candidate in the same package has this name (a lib and a bin both named after it). */
  clash?: boolean;
}

function explicitTarget(opts: TargetOptions): { kind: 'bin' | 'example' | 'test' | 'bench'; name: string } | undefined {
  const given = (['bin', 'example', 'test', 'bench', 'unitTest', 'unitBench'] as const).filter((k) => opts[k] !== undefined);
  if (given.length > 1) {
    throw new FlameError(
      ErrorCodes.InvalidRequest,
      `choose one target, not several: ${given.map((k) => `--${k.replace(/[A-Z]/, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`,
    );
  }
  for (const kind of ['bin', 'example', 'test', 'bench'] as const) {
    const name = opts[kind];
    if (name !== undefined) return { kind, name };
  }
  return undefined;
}

function scopedPackages(metadata: CargoMetadata, pkg: string | undefined): CargoPackage[] {
  if (pkg !== undefined) {
    const found = metadata.packages.filter((p) => p.name === pkg);
    if (found.length === 0) {
      const names = metadata.packages.map((p) => `-p ${p.name}`).join(', ');
      throw new FlameError(ErrorCodes.TargetNotFound, `no package named '${pkg}' in the workspace; its packages: ${names}`, {
        data: { candidates: metadata.packages.map((p) => `-p ${p.name}`) },
      });
    }
    return found;
  }
  const inside = metadata.packages.filter((p) => within(path.dirname(p.manifestPath), metadata.manifestDir));
  // A manifest outside every member (e.g. a non-member below the root) falls back to the whole workspace.
  return inside.length > 0 ? inside : metadata.packages;
}

function candidatesOf(packages: CargoPackage[], kinds: string[], as?: TargetKind): Candidate[] {
  const out: Candidate[] = [];
  for (const p of packages) {
    for (const t of p.targets) {
      const lib = t.kind.some((k) => LIB_KINDS.has(k));
      const kind = lib ? 'lib' : t.kind.find((k) => kinds.includes(k));
      if (kind === undefined || !kinds.includes(kind)) continue;
      if (as !== undefined) {
        out.push({ kind: as, name: t.name, package: p.name, unitKind: lib ? 'lib' : 'bin', testable: t.test });
      } else {
        out.push({ kind: kind as TargetKind, name: t.name, package: p.name, testable: t.test });
      }
    }
  }
  for (const c of out) c.clash = out.some((o) => o !== c && o.package === c.package && o.name === c.name);
  return out;
}

function pick(matches: Candidate[], packageCount: number, notFound: () => FlameError): SelectedTarget {
  if (matches.length === 1) return strip(matches[0]!);
  if (matches.length === 0) throw notFound();
  throw new FlameError(ErrorCodes.AmbiguousTarget, `several targets could be profiled; choose one with ${flagList(matches, packageCount)}`, {
    data: { candidates: flags(matches, packageCount) },
  });
}

function strip(c: Candidate): SelectedTarget {
  const t: SelectedTarget = { kind: c.kind, name: c.name, package: c.package };
  if (c.unitKind !== undefined) t.unitKind = c.unitKind;
  return t;
}

function flags(cs: Candidate[], packageCount: number): string[] {
  const packages = new Set(cs.map((c) => c.package));
  const needPackage = packages.size > 1 || packageCount > 1;
  return cs.map((c) => {
    const t = strip(c);
    if (!c.clash) delete t.unitKind;
    return targetFlag(t, { withPackage: needPackage });
  });
}

function flagList(cs: Candidate[], packageCount: number): string {
  return flags(cs, packageCount)
    .map((f) => `\`${f}\``)
    .join(', ');
}

/** The nearest directory at or above `from` holding a Cargo.toml. */
export function findManifestDir(from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'Cargo.toml'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The first line cargo marks as an error, without its `error: ` prefix. */
export function firstErrorLine(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.startsWith('error')) ?? stderr.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return line.replace(/^error(\[\w+\])?: /, '').trim();
}

const LIB_KINDS = new Set(['lib', 'rlib', 'dylib', 'cdylib', 'staticlib', 'proc-macro']);

interface RawMetadata {
  workspace_root: string;
  target_directory: string;
  workspace_members: string[];
  /** `[workspace.metadata]`, as cargo passes it on (null without one). */
  metadata?: unknown;
  packages: {
    id: string;
    name: string;
    version: string;
    manifest_path: string;
    default_run?: string | null;
    metadata?: unknown;
    targets: { name: string; kind: string[]; src_path: string; test?: boolean }[];
  }[];
}
