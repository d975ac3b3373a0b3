// Symbolizing a big library takes seconds to minutes and its answers never change for one
// build, so they are kept on disk per build-id (or per path+size+mtime without one) and each
// address is resolved once across runs. Files are written atomically (temp file + rename).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ElfInfo } from './elf.js';
import type { SourceFrame } from './tool.js';

/** Bump when the meaning of cached answers changes (name cleanup, frame order, a new field). */
const CACHE_VERSION = 3;

/** Answers for one binary: file offset → inline chain (empty = the tool knew nothing). */
export type CacheEntries = Map<number, SourceFrame[]>;

/** The cache file's name (without directory) for a binary. */
export function cacheKeyFor(info: Pick<ElfInfo, 'buildId' | 'path' | 'size' | 'mtimeMs'>): string {
  if (info.buildId) return info.buildId;
  const h = createHash('sha256')
    .update(`${path.resolve(info.path)}\0${info.size}\0${info.mtimeMs}`)
    .digest('hex');
  return `path-${h.slice(0, 40)}`;
}

/**
 * The on-disk form: strings interned once, each chain a flat array of
 * [nameIdx, fileIdx (-1 none), line (-1 none), column (0 none), startLine (0 none), startFileIdx (-1 none)]
 * sextuples, keyed by hex offset.
 */
interface CacheFile {
  v: number;
  strings: string[];
  entries: Record<string, number[]>;
}

export function encodeCache(entries: CacheEntries): string {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const intern = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const out: Record<string, number[]> = {};
  for (const [off, frames] of entries) {
    const flat: number[] = [];
    for (const f of frames) {
      flat.push(intern(f.name), f.file === undefined ? -1 : intern(f.file), f.line ?? -1, f.column ?? 0, f.startLine ?? 0);
      flat.push(f.startFile === undefined ? -1 : intern(f.startFile));
    }
    out[off.toString(16)] = flat;
  }
  const file: CacheFile = { v: CACHE_VERSION, strings, entries: out };
  return JSON.stringify(file);
}

/** Undefined when the text is not a cache file of this version (it is then rebuilt). */
export function decodeCache(text: string): CacheEntries | undefined {
  let file: CacheFile;
  try {
    file = JSON.parse(text) as CacheFile;
  } catch {
    return undefined;
  }
  if (file?.v !== CACHE_VERSION || !Array.isArray(file.strings) || typeof file.entries !== 'object') return undefined;
  const entries: CacheEntries = new Map();
  for (const [hex, flat] of Object.entries(file.entries)) {
    const frames: SourceFrame[] = [];
    for (let i = 0; i + 5 < flat.length; i += 6) {
      const f: SourceFrame = { name: file.strings[flat[i]] ?? '??' };
      if (flat[i + 1] >= 0) f.file = file.strings[flat[i + 1]];
      if (flat[i + 2] >= 0) f.line = flat[i + 2];
      if (flat[i + 3] > 0) f.column = flat[i + 3];
      if (flat[i + 4] > 0) f.startLine = flat[i + 4];
      if (flat[i + 5] >= 0) f.startFile = file.strings[flat[i + 5]];
      frames.push(f);
    }
    entries.set(Number.parseInt(hex, 16), frames);
  }
  return entries;
}

/** Reads and writes <dir>/<key>.json. Without a directory it keeps nothing. */
export class SymbolCache {
  constructor(readonly dir: string | undefined) {}

  async load(key: string): Promise<CacheEntries> {
    if (!this.dir) return new Map();
    try {
      return decodeCache(await readFile(this.file(key), 'utf8')) ?? new Map();
    } catch {
      return new Map();
    }
  }

  /**
   * Write `entries`, merged with whatever another process saved meanwhile, so that two daemons
   * sharing a cache lose nothing; the rename makes readers see the old or the new file, never half.
   */
  async save(key: string, entries: CacheEntries): Promise<void> {
    if (!this.dir) return;
    await mkdir(this.dir, { recursive: true });
    const merged = await this.load(key);
    for (const [k, v] of entries) merged.set(k, v);
    const target = this.file(key);
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, encodeCache(merged));
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  file(key: string): string {
    return path.join(this.dir ?? '.', `${key}.json`);
  }
}
