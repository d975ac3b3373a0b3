// Files that readers may see at any moment are written whole or not at all: write a temporary
// file beside the target, fsync it, then rename it over the target (or link it, where an
// existing file must win). Temporary names carry the writer's pid, so clean-ups spare live ones.
import { appendFile, link, open, readFile, rename, rm, mkdir, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Whether path `p` is `dir` or lies under it (both absolute and normalised). */
export function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

/**
 * The temporary name a write of `file` goes through: `<file>.tmp-<pid>-<random>`, so that a
 * clean-up can tell a crashed writer's leftovers (TEMP_NAME_RE) from a live one's.
 */
function tempName(file: string): string {
  return `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** tempName's names; group 1 is the writer's pid. */
export const TEMP_NAME_RE = /\.tmp-(\d+)-[0-9a-z]+$/;

/** Write `data` to `file` atomically (same directory temp file + rename). */
export async function writeFileAtomic(file: string, data: string | Uint8Array | Iterable<string>): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = tempName(file);
  const fh = await open(tmp, 'w', 0o644);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) {
      await fh.writeFile(data);
    } else {
      // Chunks are batched so a large SVG is not one giant string.
      let buf: string[] = [];
      let size = 0;
      for (const chunk of data) {
        buf.push(chunk);
        size += chunk.length;
        if (size > 1 << 20) {
          await fh.write(buf.join(''));
          buf = [];
          size = 0;
        }
      }
      if (buf.length) await fh.write(buf.join(''));
    }
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw withPath(err, file);
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * A FileHandle's write errors carry no path; a full disk is reported by the file being written
 * (describeFault in errors.ts), so the error is given the file's name.
 */
function withPath(err: unknown, file: string): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e === 'object' && e.code !== undefined && e.path === undefined) e.path = file;
  return err;
}

/** Whether a process with this pid exists (ours counts: a previous add of ours may be mid-way). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock between processes: `file` created holding this process's pid, claimed with link(2) so
 * that of two processes one wins. A lock whose process is gone is taken over. The release
 * function, or the pid of the live process that holds it.
 */
export async function claimLock(file: string): Promise<{ release: () => Promise<void> } | { heldBy: number }> {
  for (let tries = 0; ; tries++) {
    if (await writeFileNoReplace(file, Buffer.from(String(process.pid)))) return { release: () => rm(file, { force: true }) };
    const pid = Number(await readFile(file, 'utf8').catch(() => ''));
    if (pid === process.pid || processAlive(pid) || tries > 0) return { heldBy: pid };
    await rm(file, { force: true });
  }
}

/** Write `data` to `file` whole, unless `file` exists: false then, and nothing is changed. */
export async function writeFileNoReplace(file: string, data: Uint8Array): Promise<boolean> {
  const tmp = tempName(file);
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    // A write cut short (a full disk) leaves no partial file behind to hold the space.
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw withPath(err, file);
  }
  await fh.close();
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** Make renames in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the renames are still atomic there.
  }
}

/** flame's per-user cache directory (symbol caches). */
export function cacheDir(...parts: string[]): string {
  const base = process.env.FLAME_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'flame');
  return path.join(base, ...parts);
}

/**
 * Append `text` to a file another program reads once we are done (a CI's step summary,
 * `$GITHUB_STEP_SUMMARY`): such a file is the other program's, so it is added to, never replaced.
 */
export async function appendText(file: string, text: string): Promise<void> {
  await appendFile(file, text);
}
