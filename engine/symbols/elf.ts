// perf script prints user-space frames as offsets into the mapped file, while symbolizers want
// ELF virtual addresses; this reads just enough of an ELF64 file (program headers, build-id,
// section names, debuglink) to translate between the two and to key caches by build-id.
import { open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { FlameError, ErrorCodes } from '../../common/errors.js';

export type ElfType = 'REL' | 'EXEC' | 'DYN' | 'CORE' | 'OTHER';

/** One PT_LOAD program header. */
export interface LoadSegment {
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  /** p_align: the segment is mapped from a multiple of it (its vaddr and offset agree modulo it). */
  align: number;
  /** p_flags: PF_X = 1, PF_W = 2, PF_R = 4. */
  flags: number;
}

export interface ElfSection {
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
}

export interface ElfInfo {
  path: string;
  type: ElfType;
  /** e_machine (62 = x86-64, 183 = AArch64). */
  machine: number;
  entry: number;
  loads: LoadSegment[];
  /** Lower-case hex of the NT_GNU_BUILD_ID note, when the file has one. */
  buildId?: string;
  /** All section headers; empty when the section table is stripped. */
  sections: ElfSection[];
  /** The .gnu_debuglink section: the separate debug file's name and CRC32. */
  debugLink?: { file: string; crc: number };
  size: number;
  mtimeMs: number;
}

export const PF_X = 1;
const PT_LOAD = 1;
const PT_NOTE = 4;
const SHT_NOTE = 7;
const NT_GNU_BUILD_ID = 3;
/** More headers than any real file has: guards against reading garbage as a table. */
const MAX_HEADERS = 65_535;

/** Read the ELF header, program headers, section names, build-id and debuglink of `file`. */
export async function readElfInfo(file: string): Promise<ElfInfo> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw new FlameError(ErrorCodes.BadInput, `cannot open ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const st = await fh.stat();
    const r = new Reader(fh, file, st.size);
    const ident = await r.read(0, 64);
    if (ident.length < 16 || ident.readUInt32BE(0) !== 0x7f454c46) {
      throw new FlameError(ErrorCodes.BadInput, `${file} is not an ELF file`);
    }
    if (ident[4] !== 2) throw new FlameError(ErrorCodes.BadInput, `${file} is a 32-bit ELF file; flame reads ELF64 only`);
    if (ident[5] !== 1) throw new FlameError(ErrorCodes.BadInput, `${file} is a big-endian ELF file; flame reads little-endian ELF only`);
    if (ident.length < 64) throw new FlameError(ErrorCodes.BadInput, `${file} is truncated (no full ELF header)`);
    const h = {
      type: ident.readUInt16LE(16),
      machine: ident.readUInt16LE(18),
      entry: u64(ident, 24, file),
      phoff: u64(ident, 32, file),
      shoff: u64(ident, 40, file),
      phentsize: ident.readUInt16LE(54),
      phnum: ident.readUInt16LE(56),
      shentsize: ident.readUInt16LE(58),
      shnum: ident.readUInt16LE(60),
      shstrndx: ident.readUInt16LE(62),
    };
    const phdrs = await readProgramHeaders(r, h.phoff, h.phnum, h.phentsize);
    const sections = await readSections(r, h.shoff, h.shnum, h.shentsize, h.shstrndx);
    const info: ElfInfo = {
      path: file,
      type: elfType(h.type),
      machine: h.machine,
      entry: h.entry,
      loads: phdrs.filter((p) => p.type === PT_LOAD).map(({ type: _t, ...seg }) => seg),
      sections,
      size: st.size,
      mtimeMs: st.mtimeMs,
    };
    // Prefer the PT_NOTE segments: they survive `strip --strip-section-headers`.
    const notes = phdrs.filter((p) => p.type === PT_NOTE).map((p) => ({ offset: p.offset, size: p.filesz }));
    if (notes.length === 0) notes.push(...sections.filter((s) => s.type === SHT_NOTE).map((s) => ({ offset: s.offset, size: s.size })));
    for (const n of notes) {
      info.buildId = findBuildId(await r.read(n.offset, Math.min(n.size, 4096)));
      if (info.buildId) break;
    }
    const link = sections.find((s) => s.name === '.gnu_debuglink');
    if (link) info.debugLink = parseDebugLink(await r.read(link.offset, Math.min(link.size, 4096)));
    return info;
  } finally {
    await fh.close();
  }
}

/**
 * The ELF virtual address of a file offset, through the PT_LOAD that maps it; undefined when no
 * loaded segment covers it. Executable segments win where segments share a page on disk.
 */
export function fileOffsetToVaddr(info: ElfInfo, offset: number): number | undefined {
  let found: LoadSegment | undefined;
  for (const seg of info.loads) {
    if (offset < seg.offset || offset >= seg.offset + seg.filesz) continue;
    if (!found || ((seg.flags & PF_X) !== 0 && (found.flags & PF_X) === 0)) found = seg;
  }
  return found === undefined ? undefined : offset - found.offset + found.vaddr;
}

/** The inverse of fileOffsetToVaddr (for tests and for symbols read from nm). */
export function vaddrToFileOffset(info: ElfInfo, vaddr: number): number | undefined {
  for (const seg of info.loads) {
    if (vaddr >= seg.vaddr && vaddr < seg.vaddr + seg.filesz) return vaddr - seg.vaddr + seg.offset;
  }
  return undefined;
}

/** Whether the file itself carries DWARF line and info sections (possibly compressed). */
export function hasDebugInfo(info: ElfInfo): boolean {
  const names = new Set(info.sections.map((s) => s.name));
  return (names.has('.debug_info') || names.has('.zdebug_info')) && (names.has('.debug_line') || names.has('.zdebug_line'));
}

export interface DebugFileOptions {
  /** Roots of separate debug files; default ['/usr/lib/debug']. */
  debugDirs?: readonly string[];
}

/**
 * Where the debug info for `info` lives: the file itself, a separate file found by build-id
 * (<dir>/.build-id/ab/cdef….debug) or by .gnu_debuglink (beside the file, in .debug/, or under
 * <dir>/<file's dir>/), following gdb's search order. Undefined when none exists.
 */
export async function findDebugFile(info: ElfInfo, opts: DebugFileOptions = {}): Promise<string | undefined> {
  if (hasDebugInfo(info)) return info.path;
  const dirs = opts.debugDirs ?? ['/usr/lib/debug'];
  const candidates: string[] = [];
  if (info.buildId && info.buildId.length > 2) {
    for (const d of dirs) candidates.push(path.join(d, '.build-id', info.buildId.slice(0, 2), `${info.buildId.slice(2)}.debug`));
  }
  if (info.debugLink) {
    const here = path.dirname(path.resolve(info.path));
    candidates.push(path.join(here, info.debugLink.file), path.join(here, '.debug', info.debugLink.file));
    for (const d of dirs) candidates.push(path.join(d, here, info.debugLink.file));
  }
  for (const c of candidates) {
    if (path.resolve(c) === path.resolve(info.path)) continue;
    if (await isFile(c)) return c;
  }
  return undefined;
}

/** Parse NT_GNU_BUILD_ID out of a run of ELF notes (pure, for data-driven tests). */
export function findBuildId(notes: Buffer): string | undefined {
  let off = 0;
  while (off + 12 <= notes.length) {
    const namesz = notes.readUInt32LE(off);
    const descsz = notes.readUInt32LE(off + 4);
    const type = notes.readUInt32LE(off + 8);
    const nameStart = off + 12;
    const descStart = nameStart + align4(namesz);
    if (descStart + descsz > notes.length) return undefined;
    const name = notes.toString('latin1', nameStart, nameStart + Math.max(0, namesz - 1));
    if (type === NT_GNU_BUILD_ID && name === 'GNU' && descsz > 0) return notes.toString('hex', descStart, descStart + descsz);
    off = descStart + align4(descsz);
  }
  return undefined;
}

function parseDebugLink(b: Buffer): { file: string; crc: number } | undefined {
  const nul = b.indexOf(0);
  if (nul <= 0) return undefined;
  const crcAt = align4(nul + 1);
  return { file: b.toString('utf8', 0, nul), crc: crcAt + 4 <= b.length ? b.readUInt32LE(crcAt) : 0 };
}

interface ProgramHeader extends LoadSegment {
  type: number;
}

async function readProgramHeaders(r: Reader, phoff: number, phnum: number, entsize: number): Promise<ProgramHeader[]> {
  if (phnum === 0 || phoff === 0) return [];
  if (entsize < 56 || phnum > MAX_HEADERS) throw r.bad(`program header table (entsize ${entsize}, count ${phnum})`);
  const b = await r.read(phoff, phnum * entsize);
  const out: ProgramHeader[] = [];
  for (let i = 0; i + 1 <= phnum && (i + 1) * entsize <= b.length; i++) {
    const o = i * entsize;
    out.push({
      type: b.readUInt32LE(o),
      flags: b.readUInt32LE(o + 4),
      offset: u64(b, o + 8, r.file),
      vaddr: u64(b, o + 16, r.file),
      filesz: u64(b, o + 32, r.file),
      memsz: u64(b, o + 40, r.file),
      align: u64(b, o + 48, r.file),
    });
  }
  return out;
}

async function readSections(r: Reader, shoff: number, shnum: number, entsize: number, shstrndx: number): Promise<ElfSection[]> {
  if (shoff === 0) return [];
  if (entsize < 64) throw r.bad(`section header table (entsize ${entsize})`);
  // Files with ≥ 0xff00 sections keep the real count and string-table index in section 0.
  const first = await r.read(shoff, entsize);
  if (first.length < 64) throw r.bad('section header table (truncated)');
  if (shnum === 0) shnum = u64(first, 32, r.file);
  if (shstrndx === 0xffff) shstrndx = first.readUInt32LE(40);
  if (shnum > MAX_HEADERS * 16) throw r.bad(`section header table (count ${shnum})`);
  const b = await r.read(shoff, shnum * entsize);
  const raw: (ElfSection & { nameOff: number })[] = [];
  for (let i = 0; (i + 1) * entsize <= b.length && i < shnum; i++) {
    const o = i * entsize;
    raw.push({
      nameOff: b.readUInt32LE(o),
      name: '',
      type: b.readUInt32LE(o + 4),
      flags: u64(b, o + 8, r.file),
      addr: u64(b, o + 16, r.file),
      offset: u64(b, o + 24, r.file),
      size: u64(b, o + 32, r.file),
    });
  }
  const strtab = raw[shstrndx];
  if (strtab) {
    const names = await r.read(strtab.offset, strtab.size);
    for (const s of raw) {
      const end = names.indexOf(0, s.nameOff);
      s.name = s.nameOff < names.length ? names.toString('utf8', s.nameOff, end < 0 ? names.length : end) : '';
    }
  }
  return raw.map(({ nameOff: _n, ...s }) => s);
}

/** Positioned reads that never run past the end of the file. */
class Reader {
  constructor(
    private readonly fh: FileHandle,
    readonly file: string,
    private readonly size: number,
  ) {}

  async read(offset: number, length: number): Promise<Buffer> {
    const len = Math.max(0, Math.min(length, this.size - offset));
    const buf = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(buf, got, len - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  }

  bad(what: string): FlameError {
    return new FlameError(ErrorCodes.BadInput, `${this.file} has a malformed ${what}`);
  }
}

function u64(b: Buffer, off: number, file: string): number {
  const v = b.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FlameError(ErrorCodes.BadInput, `${file}: a 64-bit field exceeds 2^53 (0x${v.toString(16)})`);
  return Number(v);
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function elfType(t: number): ElfType {
  return (['OTHER', 'REL', 'EXEC', 'DYN', 'CORE'] as const)[t] ?? 'OTHER';
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}
