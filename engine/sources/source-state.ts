// Each profile records which sources it was built from, so a stale profile can be told from a
// fresh one: a content hash over exactly the files the watcher watches, plus git's view if any.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadExeca } from '../../common/spawn.js';
import { isWatchedDir, isWatchedPath, watchRoots, type WatchOptions } from './rules.js';

/** The sources a profile came from: the wire type, stored with the profile. */
export type { SourceState } from '../../protocol/types.js';
import type { SourceState } from '../../protocol/types.js';
import { within } from '../../common/fsutil.js';

/**
 * The state of the workspace's sources now: the files isWatchedPath accepts below `root` and the
 * member directories, never entering the target directory, target/, .git/ or node_modules/.
 * A missing git binary or no repository is not an error: the result has no `git` field.
 */
export async function sourceState(root: string, memberDirs: string[], targetDir?: string): Promise<SourceState & { files: number }> {
  const opts = await canonical(root, memberDirs, targetDir);
  const [content, git] = await Promise.all([hashSources(opts), gitState(opts)]);
  return git === undefined ? content : { ...content, git };
}

/** The watched files that exist now, absolute and sorted; what `sourceState` hashes. */
export async function listSourceFiles(opts: WatchOptions): Promise<string[]> {
  const run = limiter(CONCURRENCY);
  const found = new Set<string>();
  await Promise.all(watchRoots(opts).map((dir) => walk(dir, opts, run, found)));
  return [...found].sort();
}

/** Open files and directories at once: enough to keep the disk busy, far below EMFILE. */
const CONCURRENCY = 32;

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

async function hashSources(opts: WatchOptions): Promise<{ hash: string; files: number }> {
  const files = (await listSourceFiles(opts))
    .map((abs) => ({ abs, rel: path.relative(opts.root, abs).split(path.sep).join('/') }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const digests = new Array<string | undefined>(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      digests[i] = await fileDigest(files[i]!.abs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
  const h = createHash('sha256');
  let count = 0;
  files.forEach((f, i) => {
    const d = digests[i];
    if (d === undefined) return;
    // Per-file digests keep memory flat; the NUL and newline keep path and digest unambiguous.
    h.update(`${f.rel}\0${d}\n`);
    count++;
  });
  return { hash: h.digest('hex'), files: count };
}

/** sha256 of a file's content; undefined when it vanished since the walk (an editor's save). */
async function fileDigest(file: string): Promise<string | undefined> {
  try {
    return createHash('sha256')
      .update(await readWhole(file))
      .digest('hex');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // An unreadable source breaks the build too; hashing the reason keeps the state deterministic.
    return `unreadable:${code ?? 'error'}`;
  }
}

/** Callback readFile: half the CPU of fs/promises' FileHandle-based one over many small files. */
function readWhole(file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => readFile(file, (err, data) => (err ? reject(err) : resolve(data))));
}

async function walk(dir: string, opts: WatchOptions, run: Run, found: Set<string>): Promise<void> {
  let entries;
  try {
    entries = await run(() => readdir(dir, { withFileTypes: true }));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return;
    throw err;
  }
  await Promise.all(
    entries.map(async (e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (isWatchedDir(full, opts)) await walk(full, opts, run, found);
        return;
      }
      if (!isWatchedPath(full, opts)) return;
      if (e.isFile()) {
        found.add(full);
      } else if (e.isSymbolicLink()) {
        // A link to a source file counts with the content it points to; linked directories are not followed.
        const s = await run(() => stat(full)).catch(() => undefined);
        if (s?.isFile()) found.add(full);
      }
    }),
  );
}

async function gitState(opts: WatchOptions): Promise<{ commit: string; dirty: boolean; branch?: string } | undefined> {
  const top = await git(opts.root, ['rev-parse', '--show-toplevel']);
  if (top === undefined) return undefined;
  const toplevel = top.trim();
  const specs = watchRoots(opts)
    .filter((d) => within(d, toplevel))
    .map((d) => path.relative(opts.root, d) || '.');
  const [head, status, branch] = await Promise.all([
    git(opts.root, ['rev-parse', '--verify', '--quiet', 'HEAD']),
    git(opts.root, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ...specs]),
    // Fails on a detached HEAD: no branch then.
    git(opts.root, ['symbolic-ref', '--quiet', '--short', 'HEAD']),
  ]);
  if (status === undefined) return undefined;
  const state: { commit: string; dirty: boolean; branch?: string } = {
    commit: head?.trim() ?? '',
    dirty: statusPaths(status).some((p) => isWatchedPath(path.join(toplevel, p), opts)),
  };
  if (branch?.trim()) state.branch = branch.trim();
  return state;
}

/** The paths in `git status --porcelain=v1 -z` output (relative to the top level); renames give both. */
function statusPaths(out: string): string[] {
  const fields = out.split('\0');
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length < 4) continue;
    paths.push(f.slice(3));
    // A rename or copy is followed by a field holding the original path.
    if (f[0] === 'R' || f[0] === 'C') paths.push(fields[++i] ?? '');
  }
  return paths.filter((p) => p !== '');
}

/** Run git in `cwd`; its stdout, or undefined when git is missing or fails (not a repository). */
async function git(cwd: string, args: string[]): Promise<string | undefined> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_OPTIONAL_LOCKS: '0' };
  // The repository is the one `cwd` is in, not whatever an enclosing git process pointed us at.
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX']) delete env[k];
  // GIT_OPTIONAL_LOCKS=0: status must not take index.lock and collide with the user's own git.
  const r = await (await loadExeca())('git', args, { cwd, env, extendEnv: false, reject: false, stripFinalNewline: false });
  return r.failed ? undefined : r.stdout;
}

/** Real paths, so they compare with git's (which resolves symlinks such as macOS's /tmp). */
async function canonical(root: string, memberDirs: string[], targetDir?: string): Promise<WatchOptions> {
  const base = path.resolve(root);
  const real = async (p: string) => realpath(path.resolve(base, p)).catch(() => path.resolve(base, p));
  const opts: WatchOptions = { root: await real(base), memberDirs: await Promise.all(memberDirs.map(real)) };
  if (targetDir !== undefined) opts.targetDir = await real(targetDir);
  return opts;
}

/** A limit on concurrent operations; a finishing one hands its slot straight to the next in line. */
function limiter(n: number): Run {
  let active = 0;
  // A head index instead of shift(): the queue can hold every directory of a big workspace.
  let queue: (() => void)[] = [];
  let head = 0;
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      if (head < queue.length) {
        const next = queue[head++]!;
        if (head === queue.length) {
          queue = [];
          head = 0;
        }
        next();
      } else {
        active--;
      }
    }
  };
}
