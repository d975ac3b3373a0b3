// The linkage (mangled) names of a binary's functions, from its ELF symbol table: what pprof
// keeps as a Function's system name beside the name people read. perf names frames demangled, so
// the mangled name is looked up by address, and kept only where it demangles to perf's name.
import { open } from 'node:fs/promises';
import { cleanName } from './tool.js';
import { findDebugFile, readElfInfo, type ElfInfo } from './elf.js';

/** A binary's function symbols, sorted by start address; names decoded on lookup. */
export interface FunctionSymbols {
  starts: Float64Array;
  ends: Float64Array;
  /** Offsets of the names in `strings`. */
  nameOffsets: Uint32Array;
  strings: Buffer;
}

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const SYM_SIZE = 24;
const NONE: FunctionSymbols = { starts: new Float64Array(0), ends: new Float64Array(0), nameOffsets: new Uint32Array(0), strings: Buffer.alloc(0) };

/**
 * The functions of `.symtab` with their addresses: the file's own, else its separate debug
 * file's (a distribution's libc), else `.dynsym`'s exported ones. None when there are none or
 * the file cannot be read: a missing system name costs nothing else.
 */
export async function readFunctionSymbols(info: ElfInfo): Promise<FunctionSymbols> {
  if (!info.sections.some((s) => s.type === SHT_SYMTAB)) {
    const debug = await findDebugFile(info).catch(() => undefined);
    const debugInfo = debug === undefined || debug === info.path ? undefined : await readElfInfo(debug).catch(() => undefined);
    if (debugInfo?.sections.some((s) => s.type === SHT_SYMTAB)) return readTable(debugInfo);
  }
  return readTable(info);
}

async function readTable(info: ElfInfo): Promise<FunctionSymbols> {
  const byName = (name: string, type: number) => info.sections.find((s) => s.name === name && s.type === type);
  const table = byName('.symtab', SHT_SYMTAB) ?? byName('.dynsym', SHT_DYNSYM);
  const strtab = info.sections.find((s) => s.name === (table?.name === '.symtab' ? '.strtab' : '.dynstr'));
  if (!table || !strtab || table.size > 1 << 30 || strtab.size > 1 << 30) return NONE;
  const fh = await open(info.path, 'r').catch(() => undefined);
  if (!fh) return NONE;
  try {
    const read = async (offset: number, size: number): Promise<Buffer> => {
      const buf = Buffer.alloc(size);
      const { bytesRead } = await fh.read(buf, 0, size, offset);
      return buf.subarray(0, bytesRead);
    };
    const syms = await read(table.offset, table.size);
    const strings = await read(strtab.offset, strtab.size);
    const n = Math.floor(syms.length / SYM_SIZE);
    const starts = new Float64Array(n);
    const ends = new Float64Array(n);
    const names = new Uint32Array(n);
    let k = 0;
    for (let o = 0; o + SYM_SIZE <= syms.length; o += SYM_SIZE) {
      const type = syms[o + 4]! & 0xf;
      const shndx = syms.readUInt16LE(o + 6);
      if ((type !== STT_FUNC && type !== STT_GNU_IFUNC) || shndx === 0) continue;
      const value = Number(syms.readBigUInt64LE(o + 8));
      const size = Number(syms.readBigUInt64LE(o + 16));
      if (value === 0 || !Number.isSafeInteger(value + size)) continue;
      starts[k] = value;
      ends[k] = value + Math.max(size, 1);
      names[k++] = syms.readUInt32LE(o);
    }
    // By start, the widest first among symbols that start together.
    const order = Uint32Array.from({ length: k }, (_, i) => i).sort((a, b) => starts[a]! - starts[b]! || ends[b]! - ends[a]!);
    return {
      starts: Float64Array.from(order, (i) => starts[i]!),
      ends: Float64Array.from(order, (i) => ends[i]!),
      nameOffsets: Uint32Array.from(order, (i) => names[i]!),
      strings,
    };
  } catch {
    return NONE;
  } finally {
    await fh.close();
  }
}

/** The names of the function symbols whose range holds `vaddr` (aliases share one). */
export function symbolsAt(s: FunctionSymbols, vaddr: number): string[] {
  let lo = 0;
  let hi = s.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.starts[mid]! <= vaddr) lo = mid + 1;
    else hi = mid;
  }
  const out: string[] = [];
  // The symbols starting at or before vaddr, nearest first; aliases and nested ones sit together.
  for (let i = lo - 1; i >= 0 && i >= lo - 8; i--) {
    if (vaddr < s.ends[i]!) {
      const off = s.nameOffsets[i]!;
      const end = s.strings.indexOf(0, off);
      out.push(s.strings.toString('utf8', off, end < 0 ? s.strings.length : end));
    }
  }
  return out;
}

/**
 * The one of `symbols` that is `name` mangled, or undefined when none can be told to be: a
 * legacy Rust or C++-style `_ZN…E` path demangles to it, or an unmangled C name is it. (Rust's
 * v0 `_R…` names are left out: flame has no demangler for them to check against.)
 */
export function linkageName(symbols: readonly string[], name: string): string | undefined {
  return symbols.find((sym) => (sym.startsWith('_ZN') ? demangleLegacyPath(sym) === name : sym === name));
}

/**
 * A `_ZN<len><ident>…E` symbol as Rust's legacy mangling spells a path, demangled the way perf
 * prints it (escapes decoded, the hash dropped); undefined for anything else (C++ with
 * templates or parameters).
 */
export function demangleLegacyPath(sym: string): string | undefined {
  if (!sym.startsWith('_ZN')) return undefined;
  const parts: string[] = [];
  let i = 3;
  while (i < sym.length && sym[i] !== 'E') {
    const m = /^\d+/.exec(sym.slice(i, i + 10));
    if (!m) return undefined;
    const len = Number(m[0]);
    i += m[0].length;
    if (len === 0 || i + len > sym.length) return undefined;
    parts.push(sym.slice(i, i + len));
    i += len;
  }
  if (sym[i] !== 'E' || parts.length === 0) return undefined;
  const rest = sym.slice(i + 1);
  // What the linker appends after the path (`.llvm.123`, a clone's `.cold`) is not part of it.
  if (rest !== '' && !/^\.[\w.$]+$/.test(rest)) return undefined;
  return cleanName(parts.join('::'));
}
