// The binaries a recording's frames point into, as the model places them: a frame's instruction
// as an ELF virtual address in a mapping of its binary's loaded segment (what pprof and objdump
// read), and the linkage name of the function there.
import { fileOffsetToVaddr, PF_X, readElfInfo, type ElfInfo, type LoadSegment } from '../symbols/elf.js';
import { linkageName, readFunctionSymbols, symbolsAt, type FunctionSymbols } from '../symbols/linkage.js';
import { canonicalName, type MappingInfo } from './profile.js';

export interface Binary {
  info: ElfInfo;
  symbols: FunctionSymbols;
}

/** A binary's ELF headers and function symbols; undefined when it cannot be read. */
export async function readBinary(dso: string): Promise<Binary | undefined> {
  const info = await readElfInfo(dso).catch(() => undefined);
  return info && { info, symbols: await readFunctionSymbols(info) };
}

/** The instruction at file offset `offset`: its ELF address and the mapping of the segment that holds it. */
export function placeInstruction(bin: Binary, offset: number): { address: number; mapping: MappingInfo } | undefined {
  const { info } = bin;
  const address = fileOffsetToVaddr(info, offset);
  const seg = address === undefined ? undefined : segmentAt(info, address);
  if (address === undefined || seg === undefined) return undefined;
  // As the loader maps it: from the segment's aligned start (what pprof takes a mapping's start for).
  const align = seg.align > 1 ? seg.align : 4096;
  const mapping: MappingInfo = {
    file: info.path,
    start: seg.vaddr - (seg.vaddr % align),
    limit: seg.vaddr + seg.memsz,
    offset: seg.offset - (seg.offset % align),
  };
  if (info.buildId !== undefined) mapping.buildId = info.buildId;
  return { address, mapping };
}

/** The linkage name of the function perf named `name` at `address`, where the symbol table tells it. */
export function linkageNameAt(bin: Binary, address: number, name: string): string | undefined {
  return linkageName(symbolsAt(bin.symbols, address).map(canonicalName), canonicalName(name));
}

/** The loaded segment of a binary that holds `vaddr`, the executable one where they overlap. */
function segmentAt(info: ElfInfo, vaddr: number): LoadSegment | undefined {
  let found: LoadSegment | undefined;
  for (const seg of info.loads) {
    if (vaddr < seg.vaddr || vaddr >= seg.vaddr + seg.memsz) continue;
    if (!found || ((seg.flags & PF_X) !== 0 && (found.flags & PF_X) === 0)) found = seg;
  }
  return found;
}
