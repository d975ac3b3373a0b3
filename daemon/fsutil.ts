// Files that readers may see at any moment are written whole or not at all: write a temporary
// file beside the target, fsync it, then rename it over the target.
import { open, rename, rm, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Whether path `p` is `dir` or lies under it (both absolute and normalised). */
export function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

/** Write `data` to `file` atomically (same directory temp file + rename). */
export async function writeFileAtomic(file: string, data: string | Uint8Array | Iterable<string>): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
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
export function withPath(err: unknown, file: string): unknown {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e === 'object' && e.code !== undefined && e.path === undefined) e.path = file;
  return err;
}

/** flame's per-user cache directory (symbol caches). */
export function cacheDir(...parts: string[]): string {
  const base = process.env.FLAME_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'flame');
  return path.join(base, ...parts);
}
