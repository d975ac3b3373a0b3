// Which files are a workspace's sources: the rules the daemon's watcher and the source hash
// (source-state.ts) share, so a save that triggers a rebuild is exactly a change of the hashed set.
import path from 'node:path';
import { within } from '../../common/fsutil.js';

/** What to watch; plain data, the parts of `cargo metadata` that say where the sources are. Relative paths are relative to `root`. */
export interface WatchOptions {
  /** The workspace root (cargo metadata's `workspace_root`): its Cargo.toml and Cargo.lock are watched. */
  root: string;
  /** Directories of the workspace member packages (the dirname of each member's `manifest_path`). */
  memberDirs: string[];
  /** The workspace's target directory wherever it is (`target_directory`); never watched. */
  targetDir?: string;
  debounceMs?: number;
  maxWaitMs?: number;
}

/**
 * Whether a file is a source flame rebuilds for: a `.rs` file anywhere in a member package,
 * a member's own `Cargo.toml`, or the root's `Cargo.toml` / `Cargo.lock`; never anything under
 * the target directory, a `target/` build directory, `.git/`, `node_modules/`, nor editor temp files.
 * Relative paths are taken relative to `opts.root`. Pure: looks only at the path.
 */
export function isWatchedPath(file: string, opts: WatchOptions): boolean {
  const scope = scopeOf(opts);
  const p = path.resolve(scope.root, file);
  if (isPruned(p, scope)) return false;
  const base = path.basename(p);
  const dir = path.dirname(p);
  if (dir === scope.root && ROOT_FILES.has(base)) return true;
  const member = memberOf(p, scope);
  if (member === undefined) return false;
  if (base.endsWith('.rs')) return true;
  return base === 'Cargo.toml' && dir === member;
}

/**
 * Whether a directory can hold watched files, i.e. whether a walk of the workspace should enter
 * it: the root, the directories leading to member packages and the members' own directories,
 * minus the ones isWatchedPath always excludes.
 */
export function isWatchedDir(dir: string, opts: WatchOptions): boolean {
  const scope = scopeOf(opts);
  return !isPruned(path.resolve(scope.root, dir), scope);
}

/** The directories a watch or walk of the workspace starts from: the root and members outside it. */
export function watchRoots(opts: WatchOptions): string[] {
  const scope = scopeOf(opts);
  return [scope.root, ...scope.members.filter((m) => !within(m, scope.root))];
}

/**
 * Watches a workspace's sources and emits 'change' once per burst, with the absolute,
 * deduplicated paths that were added, changed or removed (a rename names both paths).
 * Without an 'error' listener, watcher errors are logged and watching goes on.

/** Files the root contributes even when it is not itself a member (a virtual manifest). */
const ROOT_FILES = new Set(['Cargo.toml', 'Cargo.lock']);
/** Directories never holding sources wherever they appear. */
const NEVER_DIRS = new Set(['.git', 'node_modules']);

interface Scope {
  root: string;
  /** Member directories, deepest first, so the first match is the innermost package. */
  members: string[];
  targetDir?: string;
}

const scopes = new WeakMap<WatchOptions, Scope>();

function scopeOf(opts: WatchOptions): Scope {
  let scope = scopes.get(opts);
  if (scope === undefined) {
    const root = path.resolve(opts.root);
    const members = [...new Set(opts.memberDirs.map((d) => path.resolve(root, d)))].sort((a, b) => b.length - a.length);
    scope = { root, members };
    if (opts.targetDir !== undefined) scope.targetDir = path.resolve(root, opts.targetDir);
    scopes.set(opts, scope);
  }
  return scope;
}

/** Whether `p` (file or directory) is outside every place sources can be. */
function isPruned(p: string, scope: Scope): boolean {
  if (scope.targetDir !== undefined && within(p, scope.targetDir)) return true;
  if (isEditorTemp(path.basename(p))) return true;
  if (p === scope.root) return false;
  const member = memberOf(p, scope);
  if (member !== undefined) {
    const parts = path.relative(member, p).split(path.sep);
    // `target` is cargo's build directory in a package, except below src/ where it is a module.
    return parts.some((s) => NEVER_DIRS.has(s) || (s === 'target' && parts[0] !== 'src'));
  }
  if (scope.members.some((m) => within(m, p))) {
    return path
      .relative(scope.root, p)
      .split(path.sep)
      .some((s) => NEVER_DIRS.has(s));
  }
  return !(path.dirname(p) === scope.root && ROOT_FILES.has(path.basename(p)));
}

/** The innermost member package directory strictly containing `p`, or that is `p`. */
function memberOf(p: string, scope: Scope): string | undefined {
  return scope.members.find((m) => within(p, m));
}

/** vim's swap files and write probe (4913), emacs lock and backup files, `~` backups. */
function isEditorTemp(base: string): boolean {
  return /\.sw[a-px]$/.test(base) || base.endsWith('~') || base.startsWith('.#') || base === '4913' || (base.startsWith('#') && base.endsWith('#'));
}
