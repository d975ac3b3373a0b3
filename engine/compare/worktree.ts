// The base revision of `flame compare --base REV`, checked out in a git worktree of flame's own
// under <target dir>/flame/compare/base and built into <target dir>/flame/compare/target. Both
// are kept from one compare to the next, so the next compare checks out another commit in place
// and cargo rebuilds only what changed (a fresh worktree each time would rebuild every crate).
import { existsSync } from 'node:fs';
import { realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCodes, FlameError } from '../../common/errors.js';
import { within } from '../../common/fsutil.js';
import { loadExeca } from '../../common/spawn.js';

export interface BaseCheckout {
  /** The commit REV names. */
  commit: string;
  /** The worktree's root (the repository's top level, at `commit`). */
  dir: string;
  /** Where the base's build goes, apart from the working tree's. */
  targetDir: string;
  /** A path of the working tree, moved to the same place in the worktree. */
  map(p: string): string;
}

/** `<target dir>/flame/compare`: the worktree, the base's target dir and the recordings. */
export function compareDir(targetDir: string): string {
  return path.join(targetDir, 'flame', 'compare');
}

/**
 * Check out `rev` of the repository around `projectDir` in the worktree (creating it, or moving
 * the one there to `rev`). Errors say what to do: no repository, a name git cannot resolve (in
 * CI, usually a shallow clone), a git that fails.
 */
export async function checkoutBase(projectDir: string, rev: string, targetDir: string): Promise<BaseCheckout> {
  const top = await git(projectDir, ['rev-parse', '--show-toplevel']);
  if (!top.ok) {
    throw new FlameError(
      ErrorCodes.BadInput,
      `--base needs a git repository, and ${projectDir} is not in one (${top.error}); commit the base there, or compare against a stored profile with --base-profile`,
    );
  }
  const toplevel = top.out.trim();
  if (rev.startsWith('-')) throw new FlameError(ErrorCodes.BadInput, `--base takes a git revision, not '${rev}'`);
  const resolved = await git(toplevel, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  if (!resolved.ok) {
    throw new FlameError(
      ErrorCodes.BadInput,
      `'${rev}' is not a commit of the repository at ${toplevel}: pass a branch, tag or commit that \`git rev-parse\` knows (in CI, check out with fetch-depth: 0 so that origin/main is there)`,
    );
  }
  const commit = resolved.out.trim();
  const base = compareDir(targetDir);
  const dir = path.join(base, 'base');
  const realTop = await realpath(toplevel);
  if (await isOurWorktree(dir, toplevel)) {
    await gitOrThrow(dir, ['checkout', '--quiet', '--detach', '--force', commit], 'move the base worktree');
    // Untracked files of the last base go too; ignored ones (its target/, if any) stay.
    await gitOrThrow(dir, ['clean', '--quiet', '-d', '--force'], 'clean the base worktree');
  } else {
    await rm(dir, { recursive: true, force: true });
    await git(toplevel, ['worktree', 'prune']);
    await gitOrThrow(toplevel, ['worktree', 'add', '--quiet', '--detach', '--force', dir, commit], 'create the base worktree');
  }
  return {
    commit,
    dir,
    targetDir: path.join(base, 'target'),
    map: (p: string) => {
      const abs = path.resolve(p);
      const from = within(abs, toplevel) ? toplevel : realTop;
      if (!within(abs, from)) {
        throw new FlameError(
          ErrorCodes.BadInput,
          `${abs} is outside the repository at ${toplevel}, so the base revision has no copy of it; point --manifest-path inside it`,
        );
      }
      return path.join(dir, path.relative(from, abs));
    },
  };
}

/** Whether `dir` is a worktree of the repository at `toplevel` (and not, say, a leftover directory). */
async function isOurWorktree(dir: string, toplevel: string): Promise<boolean> {
  const [mine, theirs, top] = await Promise.all([
    git(dir, ['rev-parse', '--git-common-dir']),
    git(toplevel, ['rev-parse', '--git-common-dir']),
    git(dir, ['rev-parse', '--show-toplevel']),
  ]);
  if (!mine.ok || !theirs.ok || !top.ok) return false;
  const real = (p: string, cwd: string) => realpath(path.resolve(cwd, p.trim())).catch(() => path.resolve(cwd, p.trim()));
  const [a, b, t, d] = await Promise.all([real(mine.out, dir), real(theirs.out, toplevel), real(top.out, dir), real(dir, '/')]);
  return a === b && t === d;
}

async function gitOrThrow(cwd: string, args: string[], what: string): Promise<string> {
  const r = await git(cwd, args);
  if (!r.ok)
    throw new FlameError(ErrorCodes.BadInput, `git could not ${what} (git ${args.join(' ')}: ${r.error}); remove ${cwd} if it is damaged and try again`);
  return r.out;
}

/** Run git in `cwd`, of the repository `cwd` is in (not one an enclosing git process pointed at). */
async function git(cwd: string, args: string[]): Promise<{ ok: boolean; out: string; error: string }> {
  // spawn names a missing working directory ENOENT too, as if git were missing.
  if (!existsSync(cwd)) return { ok: false, out: '', error: `${cwd} does not exist` };
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX']) delete env[k];
  const r = await (await loadExeca())('git', args, { cwd, env, extendEnv: false, reject: false, stripFinalNewline: false, stdin: 'ignore' });
  if ((r as { code?: string }).code === 'ENOENT' && r.failed) {
    throw new FlameError(
      ErrorCodes.ToolMissing,
      'git is not installed or not on PATH: --base needs it (or compare against a stored profile with --base-profile)',
    );
  }
  const error =
    String(r.stderr ?? '')
      .trim()
      .split('\n')
      .at(-1) ?? '';
  return { ok: !r.failed, out: String(r.stdout ?? ''), error: error || `exit status ${r.exitCode}` };
}
