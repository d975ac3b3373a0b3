// How one perf-script stack line becomes frame names: the naming rules of stackcollapse-perf.pl as
// refined by inferno (offsets stripped, Rust names repaired, argument lists cut, annotations).
// Strings here are "byte strings": each char is one input byte (latin1 view of UTF-8), so
// lengths and positions match the byte-based rules of the reference implementations.

/** The parts of one stack line: program counter, raw function name, module (without parens). */
export interface StackLineParts {
  pc: string;
  rawfunc: string;
  module: string;
}

/** Which annotations and fallbacks to apply when naming frames. */
export interface FrameRules {
  kernel: boolean;
  jit: boolean;
  addrs: boolean;
}

/** Whether a char code is ASCII whitespace (what trimming removes). */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

export function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Split `  7f53389994d0 func+0x10 (/lib/x.so)` into its parts; null when the line lacks a
 * space-separated `(module)` at its end. A missing function name becomes " ", as in the Perl.
 */
export function stackLineParts(line: string): StackLineParts | null {
  let p = 0;
  while (p < line.length && isSpace(line.charCodeAt(p))) p++;
  const sp = line.indexOf(' ', p);
  if (sp < 0) return null;
  let pcEnd = sp;
  while (pcEnd > p && isSpace(line.charCodeAt(pcEnd - 1))) pcEnd--;
  const rest = line.slice(sp + 1);
  const last = rest.lastIndexOf(' ');
  if (last < 0) return null;
  const mod = rest.slice(last + 1);
  if (mod.length < 2 || mod.charCodeAt(0) !== 40 /* ( */ || mod.charCodeAt(mod.length - 1) !== 41 /* ) */) return null;
  const rawfunc = trimSpace(rest.slice(0, last));
  return { pc: line.slice(p, pcEnd), rawfunc: rawfunc === '' ? ' ' : rawfunc, module: mod.slice(1, -1) };
}

/** Drop a trailing `+0x<hex>` symbol offset (perf ≥ 4.8 prints them). */
export function stripOffset(func: string): string {
  const at = func.lastIndexOf('+0x');
  if (at < 0) return func;
  for (let i = at + 3; i < func.length; i++) if (!isHex(func.charCodeAt(i))) return func;
  return func.slice(0, at);
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

const RUST_HASH_LENGTH = 17;
const RUST_ESCAPES: ReadonlyArray<readonly [string, string]> = [
  ['$SP$', '@'], ['$BP$', '*'], ['$RF$', '&'], ['$LT$', '<'], ['$GT$', '>'], ['$LP$', '('], ['$RP$', ')'],
  ['$C$', ','], ['$u7e$', '~'], ['$u20$', ' '], ['$u27$', "'"], ['$u3d$', '='], ['$u5b$', '['], ['$u5d$', ']'],
  ['$u7b$', '{'], ['$u7d$', '}'], ['$u3b$', ';'], ['$u2b$', '+'], ['$u21$', '!'], ['$u22$', '"'],
];

/**
 * perf sometimes leaves legacy-mangled Rust symbols half done (`_$LT$a..B$GT$::f::h0123...`);
 * finish the job the way rustc-demangle's legacy scheme would. Other names are returned as is.
 */
export function fixRustSymbol(symbol: string): string {
  const n = symbol.length;
  if (n < RUST_HASH_LENGTH || symbol.charCodeAt(n - RUST_HASH_LENGTH) !== 104 /* h */) return symbol;
  for (let i = n - RUST_HASH_LENGTH + 1; i < n; i++) if (!isHex(symbol.charCodeAt(i))) return symbol;
  let rest = symbol.slice(0, n - RUST_HASH_LENGTH);
  if (rest.endsWith('::')) rest = rest.slice(0, -2);
  if (rest.startsWith('_$')) rest = rest.slice(1);
  let out = '';
  let i = 0;
  while (i < rest.length) {
    const c = rest.charCodeAt(i);
    if (c === 46 /* . */) {
      if (rest.charCodeAt(i + 1) === 46) {
        out += '::';
        i += 2;
      } else {
        out += '.';
        i += 1;
      }
    } else if (c === 36 /* $ */) {
      const esc = RUST_ESCAPES.find(([pat]) => rest.startsWith(pat, i));
      if (esc === undefined) {
        out += rest.slice(i);
        break;
      }
      out += esc[1];
      i += esc[0].length;
    } else {
      let j = i + 1;
      while (j < rest.length && rest.charCodeAt(j) !== 36 && rest.charCodeAt(j) !== 46) j++;
      out += rest.slice(i, j);
      i = j;
    }
  }
  return out;
}

/** `[unknown]` functions are named after their module's file name, when the module is known. */
export function withModuleFallback(module: string, func: string, pc: string, addrs: boolean): string {
  if (func !== '[unknown]') return func;
  let name: string;
  if (module === '[unknown]') {
    if (!addrs) return func;
    name = 'unknown';
  } else {
    name = module.slice(module.lastIndexOf('/') + 1);
  }
  return addrs ? `[${name} <${pc}>]` : `[${name}]`;
}

/**
 * Make `;` safe and cut a top-level argument list, but keep Go receivers like `.(*Client).Do`,
 * C++ `(anonymous namespace)`, and parentheses nested in templates or lambdas.
 */
export function tidyGeneric(func: string): string {
  if (func.indexOf(';') >= 0) func = func.replaceAll(';', ':');
  if (func.indexOf('(') < 0) return func;
  let depth = 0;
  let afterDot = -1;
  for (let i = 0; i < func.length; i++) {
    const c = func.charCodeAt(i);
    if (c === 60 || c === 123 || c === 91) depth++; // < { [
    else if (c === 62 || c === 125 || c === 93 || c === 41) depth--; // > } ] )
    else if (c === 40) {
      // (
      if (depth === 0 && afterDot !== i && !func.startsWith('(anonymous namespace)', i)) return func.slice(0, i);
      depth++;
    } else if (c === 46) afterDot = i + 1; // .
  }
  return func;
}

/** Java class names from perf-map-agent start with `L` (`Lorg/x/Y;.call`); drop it. */
export function tidyJava(func: string): string {
  return func.charCodeAt(0) === 76 /* L */ && func.indexOf('/') >= 0 ? func.slice(1) : func;
}

/** A kernel module (`[kernel.kallsyms]`, `x.ko`) or a vmlinux image, possibly versioned. */
export function isKernelModule(module: string): boolean {
  if (module === '[unknown]') return false;
  return module.charCodeAt(0) === 91 /* [ */ || module.endsWith('.ko') || isVmlinux(module);
}

function isVmlinux(module: string): boolean {
  const at = module.lastIndexOf('vmlinux');
  if (at < 0) return false;
  for (let i = at; i < module.length; i++) {
    const c = module.charCodeAt(i);
    if (!isAlnum(c) && c !== 45 && c !== 46 && c !== 95) return false;
  }
  return true;
}

/** JIT code appears in perf-<pid>.map files or jitdump's jitted-*.so. */
export function isJitModule(module: string): boolean {
  return (module.startsWith('/tmp/perf-') && module.endsWith('.map')) || (module.includes('/jitted-') && module.endsWith('.so'));
}

/**
 * The frames one stack line contributes, outermost first (Java inlining `a->b->c` yields several,
 * the later ones marked `_[i]`), plus the repaired function name used for --skip-after matching.
 * `skip` when the line names a process (`(...)`), which the reference folders drop.
 */
export function frameNames(parts: StackLineParts, isJava: boolean, rules: FrameRules): { frames: string[]; rawfunc: string } | 'skip' {
  let rawfunc = stripOffset(parts.rawfunc);
  if (rawfunc.charCodeAt(0) === 40 /* ( */) return 'skip';
  rawfunc = fixRustSymbol(rawfunc);
  const frames: string[] = [];
  for (const piece of rawfunc.split('->')) {
    let func = tidyGeneric(withModuleFallback(parts.module, piece, parts.pc, rules.addrs));
    if (isJava) func = tidyJava(func);
    if (frames.length > 0) {
      if (!func.includes('_[i]')) func += '_[i]';
    } else if (rules.kernel && isKernelModule(parts.module)) {
      func += '_[k]';
    } else if (rules.jit && isJitModule(parts.module) && !func.includes('_[j]')) {
      func += '_[j]';
    }
    frames.push(func);
  }
  return { frames, rawfunc };
}
