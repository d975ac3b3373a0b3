// The daemon re-profiles on every save: this watches a workspace's sources with native fs events
// (chokidar, no polling) and turns each burst of saves into one 'change' event.
import { EventEmitter } from 'node:events';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { logger } from './log.js';
import { within } from './fsutil.js';

/** What to watch; plain data, the parts of `cargo metadata` that say where the sources are. Relative paths are relative to `root`. */
export interface WatchOptions {
  /** The workspace root (cargo metadata's `workspace_root`): its Cargo.toml and Cargo.lock are watched. */
  root: string;
  /** Directories of the workspace member packages (the dirname of each member's `manifest_path`). */
  memberDirs: string[];
  /** The workspace's target directory wherever it is (`target_directory`); never watched. */
  targetDir?: string;
  /** Quiet time after the last change before 'change' is emitted (default DEFAULT_DEBOUNCE_MS). */
  debounceMs?: number;
  /** Longest a burst waits for its quiet time: 'change' comes this long after its first change at the latest (default DEFAULT_MAX_WAIT_MS). */
  maxWaitMs?: number;
}

export const DEFAULT_DEBOUNCE_MS = 150;
/** Saves closer together than the debounce would otherwise hold back every change until the editing stops. */
export const DEFAULT_MAX_WAIT_MS = 1000;

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
 */
export class SourceWatcher {
  private readonly opts: WatchOptions;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  /** When the first change of the burst now pending arrived (Date.now()). */
  private burstStart: number | undefined;
  private readonly events = new EventEmitter();
  private readonly watcher: FSWatcher;
  private readonly readyPromise: Promise<void>;
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Also called by close(), so ready() settles when closing comes before the initial scan ends. */
  private readonly resolveReady: () => void;
  private readonly log = logger('watch');

  constructor(opts: WatchOptions) {
    const root = path.resolve(opts.root);
    this.opts = {
      ...opts,
      root,
      memberDirs: opts.memberDirs.map((d) => path.resolve(root, d)),
      ...(opts.targetDir === undefined ? {} : { targetDir: path.resolve(root, opts.targetDir) }),
    };
    this.debounceMs = opts.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    this.watcher = watch(watchRoots(this.opts), {
      ignoreInitial: true,
      // Native fs events only: polling costs CPU at idle in proportion to the tree's size.
      usePolling: false,
      persistent: true,
      ignored: (p: string, stats?: Stats) => this.ignored(p, stats),
    });
    let resolveReady!: () => void;
    this.readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
    this.resolveReady = resolveReady;
    this.watcher.once('ready', () => {
      this.log.debug({ roots: watchRoots(this.opts) }, 'watching');
      resolveReady();
    });
    this.watcher.on('all', (event, p) => this.onEvent(event, p));
    this.watcher.on('error', (err) => this.onError(err instanceof Error ? err : new Error(String(err))));
  }

  /** Resolves once the initial scan is done: changes after this are reported. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  on(event: 'change', fn: (paths: string[]) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  on(event: 'change' | 'error', fn: (...args: any[]) => void): this {
    this.events.on(event, fn);
    return this;
  }

  off(event: 'change' | 'error', fn: (...args: any[]) => void): this {
    this.events.off(event, fn);
    return this;
  }

  /** Stop watching; a burst still waiting for its quiet time is dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.burstStart = undefined;
    this.pending.clear();
    this.resolveReady();
    await this.watcher.close();
  }

  private ignored(p: string, stats?: Stats): boolean {
    if (!isWatchedDir(p, this.opts)) return true;
    // Without stats chokidar may be asking about a directory; files are filtered again in onEvent.
    return stats !== undefined && stats.isFile() && !isWatchedPath(p, this.opts);
  }

  private onEvent(event: string, p: string): void {
    if (this.closed) return;
    // Directory events carry no information of their own: the files inside get their own events.
    if (event !== 'add' && event !== 'change' && event !== 'unlink') return;
    const abs = path.resolve(p);
    if (!isWatchedPath(abs, this.opts)) return;
    this.pending.add(abs);
    const now = Date.now();
    this.burstStart ??= now;
    const left = this.burstStart + this.maxWaitMs - now;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.min(this.debounceMs, left)));
  }

  private flush(): void {
    this.timer = undefined;
    this.burstStart = undefined;
    if (this.closed || this.pending.size === 0) return;
    const paths = [...this.pending].sort();
    this.pending = new Set();
    this.log.debug({ paths: paths.length }, 'change');
    this.events.emit('change', paths);
  }

  private onError(err: Error): void {
    if (this.closed) return;
    this.log.warn({ err }, 'watch error');
    if (this.events.listenerCount('error') > 0) this.events.emit('error', err);
  }
}

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
    return path.relative(scope.root, p).split(path.sep).some((s) => NEVER_DIRS.has(s));
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

