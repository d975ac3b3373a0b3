// What a project's Cargo.toml and .cargo/config.toml say about debug info, stripping, rustflags
// and the linker: the settings that decide whether a profile can name functions and lines.
// Reads the small TOML subset these keys use (tables, strings, booleans, numbers, string
// arrays); anything fancier is skipped rather than misread.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export type TomlValue = string | number | boolean | string[];
/** Flattened TOML: 'profile.release.debug' → true. */
export type TomlKeys = Map<string, TomlValue>;

/** The profile settings that decide debug info, following `inherits` to the built-in profiles. */
export interface ProfileSettings {
  profile: string;
  debug?: TomlValue;
  strip?: TomlValue;
  /** Where the effective `debug` / `strip` come from (a Cargo.toml path, or 'default'). */
  source: string;
}

export interface RustflagsSettings {
  flags: string[];
  /** 'RUSTFLAGS', 'CARGO_ENCODED_RUSTFLAGS', a config file path with its key, or 'none'. */
  source: string;
  /** target.<triple>.linker from a config file, when set. */
  linker?: string;
  linkerSource?: string;
}

/** Parse the TOML subset described above into dotted keys. */
export function parseTomlSubset(text: string): TomlKeys {
  const out: TomlKeys = new Map();
  let table = '';
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i]!).trim();
    if (line === '') continue;
    const header = /^\[\[?([^\]]+)\]\]?$/.exec(line);
    if (header) {
      table = splitKey(header[1]!).join('.');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = splitKey(line.slice(0, eq)).join('.');
    let raw = line.slice(eq + 1).trim();
    // Multi-line arrays: gather lines until the brackets balance.
    while (raw.startsWith('[') && !balanced(raw) && i + 1 < lines.length) raw += ' ' + stripComment(lines[++i]!).trim();
    const value = parseValue(raw);
    if (value !== undefined) out.set(table ? `${table}.${key}` : key, value);
  }
  return out;
}

/** Read and parse a TOML file; undefined when it does not exist. */
export async function readToml(file: string): Promise<TomlKeys | undefined> {
  try {
    return parseTomlSubset(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The effective debug/strip of `profile` per the workspace's Cargo.toml (no environment). */
export function profileSettings(manifest: TomlKeys | undefined, profile: string, manifestPath = 'Cargo.toml'): ProfileSettings {
  const builtin: Record<string, { debug: TomlValue; strip: TomlValue; parent?: string }> = {
    dev: { debug: true, strip: 'none' },
    release: { debug: false, strip: 'none' },
    test: { debug: true, strip: 'none', parent: 'dev' },
    bench: { debug: false, strip: 'none', parent: 'release' },
  };
  const chain: string[] = [];
  for (let p: string | undefined = profile; p !== undefined && !chain.includes(p);) {
    chain.push(p);
    const inherits: TomlValue | undefined = manifest?.get(`profile.${p}.inherits`);
    p = typeof inherits === 'string' ? inherits : builtin[p]?.parent;
  }
  const result: ProfileSettings = { profile, source: 'default' };
  for (const key of ['debug', 'strip'] as const) {
    const at = chain.find((p) => manifest?.has(`profile.${p}.${key}`));
    if (at !== undefined) {
      result[key] = manifest!.get(`profile.${at}.${key}`)!;
      result.source = `${manifestPath} [profile.${at}]`;
    } else {
      const base = chain.map((p) => builtin[p]).find((b) => b !== undefined);
      if (base !== undefined) result[key] = base[key];
    }
  }
  return result;
}

/** Whether a profile's `debug` value yields the DWARF a symbolizer needs for lines. */
export function debugEnabled(v: TomlValue | undefined): boolean {
  return v === true || v === 1 || v === 2 || v === 'full' || v === 'limited' || v === 'line-tables-only';
}

/** Whether a profile's `strip` value removes debug info. */
export function stripsDebugInfo(v: TomlValue | undefined): boolean {
  return v === true || v === 'debuginfo' || v === 'symbols';
}

/** cargo's config files that apply in `cwd`, nearest first ($CARGO_HOME last). */
function configFiles(cwd: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const files: string[] = [];
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    files.push(path.join(dir, '.cargo', 'config.toml'), path.join(dir, '.cargo', 'config'));
    if (path.dirname(dir) === dir) break;
  }
  const home = env.CARGO_HOME ?? path.join(os.homedir(), '.cargo');
  files.push(path.join(home, 'config.toml'), path.join(home, 'config'));
  return [...new Set(files)];
}

/** The rustflags cargo would pass for `triple`, in cargo's precedence, and any configured linker. */
export async function rustflags(cwd: string, triple: string, env: NodeJS.ProcessEnv = process.env): Promise<RustflagsSettings> {
  const configs: { file: string; keys: TomlKeys }[] = [];
  for (const file of configFiles(cwd, env)) {
    const keys = await readToml(file);
    if (keys !== undefined) configs.push({ file, keys });
  }
  let linker: string | undefined;
  let linkerSource: string | undefined;
  for (const c of configs) {
    const l = c.keys.get(`target.${triple}.linker`);
    if (typeof l === 'string' && linker === undefined) {
      linker = l;
      linkerSource = `${c.file} [target.${triple}] linker`;
    }
  }
  const withLinker = (r: RustflagsSettings): RustflagsSettings => (linker === undefined ? r : { ...r, linker, linkerSource });
  if (env.CARGO_ENCODED_RUSTFLAGS !== undefined) {
    return withLinker({ flags: env.CARGO_ENCODED_RUSTFLAGS.split('\x1f').filter(Boolean), source: 'CARGO_ENCODED_RUSTFLAGS' });
  }
  if (env.RUSTFLAGS !== undefined) return withLinker({ flags: env.RUSTFLAGS.split(/\s+/).filter(Boolean), source: 'RUSTFLAGS' });
  // Config arrays from several files are joined; target.<triple> wins over build, as in cargo.
  for (const key of [`target.${triple}.rustflags`, 'build.rustflags']) {
    const found = configs.filter((c) => c.keys.has(key));
    if (found.length > 0) {
      const flags = found.flatMap((c) => toFlags(c.keys.get(key)!));
      return withLinker({ flags, source: found.map((c) => `${c.file} ${key}`).join(', ') });
    }
  }
  return withLinker({ flags: [], source: 'none' });
}

/** Each `-C` codegen option in `flags`, in order, in every spelling rustc takes. */
function* codegenFlags(flags: string[]): Generator<string> {
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    const opt =
      f === '-C' || f === '--codegen' ? flags[++i] : f.startsWith('--codegen=') ? f.slice('--codegen='.length) : f.startsWith('-C') ? f.slice(2) : undefined;
    if (opt !== undefined) yield opt;
  }
}

/** The value of a `-C name=value` codegen option in `flags` (last one wins, as in rustc). */
export function codegenOption(flags: string[], name: string): string | undefined {
  let value: string | undefined;
  for (const opt of codegenFlags(flags)) {
    if (opt.startsWith(`${name}=`)) value = opt.slice(name.length + 1);
    else if (opt === name) value = '';
  }
  return value;
}

/** All values of a repeatable `-C name=value` option (link-arg, link-args). */
export function codegenOptions(flags: string[], name: string): string[] {
  const out: string[] = [];
  for (const opt of codegenFlags(flags)) if (opt.startsWith(`${name}=`)) out.push(opt.slice(name.length + 1));
  return out;
}

/** What in rustflags removes debug info, whatever the profile says (rustflags win over profiles). */
export type DebugInfoBlocker = { kind: 'strip' | 'debuginfo'; flag: string } | { kind: 'link-arg'; flag: string };

/** The first rustflag that removes debug info, or undefined. */
export function debugInfoBlocker(flags: string[]): DebugInfoBlocker | undefined {
  const strip = codegenOption(flags, 'strip');
  if (strip === 'debuginfo' || strip === 'symbols') return { kind: 'strip', flag: `-C strip=${strip}` };
  const debug = codegenOption(flags, 'debuginfo');
  if (debug === '0' || debug === 'none') return { kind: 'debuginfo', flag: `-C debuginfo=${debug}` };
  const arg = codegenOptions(flags, 'link-arg').find((a) => a === '-s' || a === '-Wl,-s' || a === '-Wl,--strip-all' || a === '-Wl,--strip-debug');
  return arg === undefined ? undefined : { kind: 'link-arg', flag: `-C link-arg=${arg}` };
}

/** `CARGO_PROFILE_<NAME>_<KEY>`: how cargo takes a profile setting from the environment. */
export function profileEnvVar(profile: string, key: string): string {
  return `CARGO_PROFILE_${profile.toUpperCase().replace(/-/g, '_')}_${key}`;
}

/**
 * The profile flame builds in for the user's `profile`. Overriding `release` itself through the
 * environment changed its fingerprint, so every switch between `cargo build --release` and flame
 * rebuilt the whole workspace; a profile of its own lands in `target/flame-<profile>` instead.
 */
export function flameProfile(profile: string): string {
  return `flame-${profile}`;
}

function toFlags(v: TomlValue): string[] {
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : [];
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function splitKey(key: string): string[] {
  return (key.match(/"[^"]*"|'[^']*'|[^.\s]+/g) ?? []).map((k) => k.replace(/^["']|["']$/g, ''));
}

function balanced(raw: string): boolean {
  let depth = 0;
  for (const c of raw.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '')) {
    if (c === '[') depth++;
    else if (c === ']') depth--;
  }
  return depth === 0;
}

function parseValue(raw: string): TomlValue | undefined {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^[+-]?\d+$/.test(raw)) return Number(raw);
  const s = parseString(raw);
  if (s !== undefined) return s;
  if (raw.startsWith('[')) {
    const items = raw.slice(1, raw.lastIndexOf(']')).match(/"(?:[^"\\]|\\.)*"|'[^']*'/g) ?? [];
    return items.map((i) => parseString(i)!);
  }
  return undefined;
}

function parseString(raw: string): string | undefined {
  if (/^"(?:[^"\\]|\\.)*"$/.test(raw)) return JSON.parse(raw) as string;
  if (/^'[^']*'$/.test(raw)) return raw.slice(1, -1);
  return undefined;
}
