// Symbolizing one address at a time costs a process (and a DWARF parse) per address; this runs
// one llvm-symbolizer (or addr2line) per binary, streams every address through its stdin and
// parses the answers as they arrive. Parsing and name cleanup are pure, for data-driven tests.
import { spawn } from '../../common/spawn.js';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { FlameError, ErrorCodes } from '../../common/errors.js';

/** One frame of an inline chain. */
export interface SourceFrame {
  /** Demangled, without the Rust hash suffix (::h0123456789abcdef). */
  name: string;
  /** Absolute where the debug info allows (comp_dir joined); /rustc/<hash>/library/... kept as is. */
  file?: string;
  /** Absent when unknown; DWARF's line 0 ("no particular line") is kept as 0. */
  line?: number;
  column?: number;
  /** The line where this frame's function is declared (DW_AT_decl_line), in `startFile`. */
  startLine?: number;
  /**
   * The file that declares this frame's function (DW_AT_decl_file, llvm-symbolizer's
   * StartFileName): not `file` when the line comes from elsewhere, such as a macro expanded in it.
   */
  startFile?: string;
}

export type ToolName = 'llvm-symbolizer' | 'addr2line';

export interface Tool {
  name: ToolName;
  path: string;
}

const INSTALL_ADVICE = 'install LLVM (`apt-get install llvm`, which provides llvm-symbolizer) or binutils (addr2line)';

/**
 * Find the symbolizer: llvm-symbolizer (or a versioned llvm-symbolizer-NN) first, addr2line as
 * the fallback, unless `prefer` names one. Throws ToolMissing with install advice.
 */
export async function findTool(opts: { prefer?: ToolName; searchPath?: string } = {}): Promise<Tool> {
  const { prefer, searchPath = process.env.PATH ?? '' } = opts;
  const dirs = searchPath.split(path.delimiter).filter((d) => d !== '');
  const order: ToolName[] = prefer === 'addr2line' ? ['addr2line'] : prefer === 'llvm-symbolizer' ? ['llvm-symbolizer'] : ['llvm-symbolizer', 'addr2line'];
  for (const name of order) {
    const found = await which(name, dirs);
    if (found) return { name, path: found };
    if (name === 'llvm-symbolizer') {
      for (let v = 30; v >= 10; v--) {
        const versioned = await which(`llvm-symbolizer-${v}`, dirs);
        if (versioned) return { name, path: versioned };
      }
    }
  }
  const what = prefer ?? 'llvm-symbolizer or addr2line';
  throw new FlameError(ErrorCodes.ToolMissing, `${what} not found on PATH; flame needs it for function names and source lines: ${INSTALL_ADVICE}`);
}

/** The command line that makes `tool` read addresses from stdin for `binary`. */
export function toolArgs(tool: ToolName, binary: string): string[] {
  return tool === 'llvm-symbolizer'
    ? [`--obj=${binary}`, '--inlining', '--demangle', '--functions=linkage', '--output-style=JSON']
    : ['-a', '-f', '-i', '-C', '-e', binary];
}

export interface RunResult {
  /** How many addresses got an answer (possibly an empty chain). */
  answered: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** The tool's own complaint about the binary, when it reported one per address. */
  error?: string;
}

/**
 * Stream `vaddrs` (ELF virtual addresses) through one process of `tool` for `binary`, calling
 * `onAnswer` for each answer (matched by the address the tool echoes). Resolves once the
 * process has exited; a process that dies early leaves the rest unanswered (see `answered`).
 */
export function runTool(
  tool: Tool,
  binary: string,
  vaddrs: readonly number[],
  onAnswer: (vaddr: number, frames: SourceFrame[]) => void,
  signal?: AbortSignal,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool.path, toolArgs(tool.name, binary), { stdio: ['pipe', 'pipe', 'pipe'], signal });
    let answered = 0;
    let stderr = '';
    const emit = (addr: number, frames: SourceFrame[]): void => {
      answered++;
      onAnswer(addr, frames);
    };
    const parser = tool.name === 'llvm-symbolizer' ? new LlvmJsonParser(emit) : new Addr2lineParser(emit);
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', (l) => parser.push(l));
    const linesDone = new Promise<void>((r) => lines.once('close', r));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < 65_536) stderr += s;
    });
    // EPIPE when the tool dies mid-batch: its exit status tells the story, so this stays quiet.
    child.stdin.on('error', () => {});
    let failed: Error | undefined;
    child.once('error', (err) => {
      failed = err;
    });
    child.once('close', (exitCode, sig) => {
      void linesDone.then(() => {
        parser.end();
        if (failed && (failed as NodeJS.ErrnoException).code === 'ABORT_ERR') {
          reject(new FlameError(ErrorCodes.Cancelled, `symbolizing ${binary} was cancelled`, { cause: failed }));
        } else if (failed && answered === 0) {
          reject(new FlameError(ErrorCodes.ToolMissing, `cannot run ${tool.path}: ${failed.message}; ${INSTALL_ADVICE}`, { cause: failed }));
        } else {
          const error = parser instanceof LlvmJsonParser ? parser.error : undefined;
          resolve({ answered, exitCode, signal: sig, stderr, ...(error === undefined ? {} : { error }) });
        }
      });
    });
    void writeAll(child.stdin, vaddrs);
  });
}

/** Write one hex address per line, waiting for 'drain' so a huge batch never sits in memory twice. */
async function writeAll(stdin: NodeJS.WritableStream & { destroyed?: boolean }, vaddrs: readonly number[]): Promise<void> {
  const CHUNK = 4096;
  for (let i = 0; i < vaddrs.length; i += CHUNK) {
    if (stdin.destroyed) return;
    let text = '';
    for (const a of vaddrs.slice(i, i + CHUNK)) text += `0x${a.toString(16)}\n`;
    if (!stdin.write(text)) {
      const ok = await new Promise<boolean>((r) => {
        const onDrain = (): void => done(true);
        const onClose = (): void => done(false);
        const done = (v: boolean): void => {
          stdin.off('drain', onDrain);
          stdin.off('close', onClose);
          r(v);
        };
        stdin.once('drain', onDrain);
        stdin.once('close', onClose);
      });
      if (!ok) return;
    }
  }
  stdin.end();
}

/** llvm-symbolizer --output-style=JSON: one JSON object per input line. */
export class LlvmJsonParser {
  /**
   * The tool's complaint about the binary (unreadable, not an object). It says so once and then
   * answers every later address with an empty chain, so after it nothing counts as answered
   * (and nothing is cached as unknown).
   */
  error: string | undefined;

  constructor(private readonly emit: (vaddr: number, frames: SourceFrame[]) => void) {}

  push(line: string): void {
    const parsed = parseLlvmJsonLine(line);
    if (parsed?.error !== undefined) this.error ??= parsed.error;
    else if (parsed && this.error === undefined) this.emit(parsed.vaddr, parsed.frames);
  }

  end(): void {}
}

interface LlvmJsonFrame {
  FunctionName?: string;
  FileName?: string;
  Line?: number;
  Column?: number;
  StartLine?: number;
  StartFileName?: string;
}

/** One line of llvm-symbolizer's JSON output → the address and its chain, innermost first. */
export function parseLlvmJsonLine(line: string): { vaddr: number; frames: SourceFrame[]; error?: string } | undefined {
  if (!line.startsWith('{')) return undefined;
  let obj: { Address?: string; Symbol?: LlvmJsonFrame[]; Error?: { Message?: string } };
  try {
    obj = JSON.parse(line) as typeof obj;
  } catch {
    return undefined;
  }
  if (typeof obj.Address !== 'string') return undefined;
  const vaddr = Number.parseInt(obj.Address, 16);
  if (!Number.isFinite(vaddr)) return undefined;
  if (obj.Error) return { vaddr, frames: [], error: obj.Error.Message ?? 'unknown error' };
  const frames: SourceFrame[] = [];
  for (const s of obj.Symbol ?? []) {
    const fn = s.FunctionName && s.FunctionName !== '??' ? s.FunctionName : '';
    const file = s.FileName && s.FileName !== '??' ? s.FileName : '';
    if (!fn && !file) continue;
    const f: SourceFrame = { name: fn ? cleanName(fn) : '??' };
    if (file) {
      f.file = file;
      f.line = s.Line ?? 0;
      if (s.Column) f.column = s.Column;
      if (s.StartLine) f.startLine = s.StartLine;
      if (s.StartFileName && s.StartFileName !== '??') f.startFile = s.StartFileName;
    }
    frames.push(f);
  }
  return { vaddr, frames };
}

const ADDR_LINE = /^0x[0-9a-f]+$/;
const LOCATION = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/;

/**
 * addr2line -a -f -i: an echoed address line, then (function, file:line) pairs. A record ends
 * where the next address line starts (checked only at pair boundaries) or at end of output.
 */
export class Addr2lineParser {
  private addr: number | undefined;
  private frames: SourceFrame[] = [];
  private pendingName: string | undefined;

  constructor(private readonly emit: (vaddr: number, frames: SourceFrame[]) => void) {}

  push(line: string): void {
    if (this.pendingName === undefined) {
      if (ADDR_LINE.test(line)) {
        this.flush();
        this.addr = Number.parseInt(line, 16);
        return;
      }
      this.pendingName = line;
      return;
    }
    const name = this.pendingName;
    this.pendingName = undefined;
    const m = LOCATION.exec(line);
    const file = m && m[1] !== '??' ? m[1] : undefined;
    if (name === '??' && !file) return;
    const f: SourceFrame = { name: name === '??' ? '??' : cleanName(name) };
    if (file) {
      f.file = file;
      f.line = m && m[2] !== '?' ? Number(m[2]) : 0;
    }
    this.frames.push(f);
  }

  end(): void {
    this.flush();
  }

  private flush(): void {
    if (this.addr !== undefined) this.emit(this.addr, this.frames);
    this.addr = undefined;
    this.frames = [];
  }
}

const RUST_HASH = /::h[0-9a-f]{16}$/;
const HAS_LEGACY_ESCAPE = /\$(SP|BP|RF|LT|GT|LP|RP|C|u[0-9a-f]{2,6})\$/;
const LEGACY_ESCAPE = new RegExp(HAS_LEGACY_ESCAPE.source, 'g');
const LEGACY_CHARS: Record<string, string> = { SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',' };

/**
 * A demangled name as people read it: without the legacy Rust hash, and with the `$LT$`-style
 * escapes decoded that the C++ demangler leaves in legacy Rust symbols
 * (`_$LT$core..ops..Range$LT$T$GT$$u20$as$u20$Foo$GT$::next` → `<core::ops::Range<T> as Foo>::next`).
 */
export function cleanName(name: string): string {
  let n = name.replace(RUST_HASH, '');
  if (HAS_LEGACY_ESCAPE.test(n)) {
    n = n
      .replace(/(^|::)_\$/g, '$1$')
      .replace(LEGACY_ESCAPE, (_m, code: string) => LEGACY_CHARS[code] ?? String.fromCodePoint(Number.parseInt(code.slice(1), 16)))
      .replace(/\.\./g, '::');
  }
  return n;
}

/** The first executable `name` in `dirs`, as a shell's PATH lookup finds it. */
export async function which(name: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const d of dirs) {
    const p = path.join(d, name);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
