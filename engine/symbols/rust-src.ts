// The standard library's frames name files as rustc's build machine saw them,
// /rustc/<commit-hash>/library/…, which exist nowhere here. When the toolchain of that very
// commit has its sources installed (`rustup component add rust-src`), the same files are in
// <sysroot>/lib/rustlib/src/rust/library/…: the profile names those, so that the editor and the
// page can open them. Another commit's sources would show other lines, so only an exact hash
// counts.
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileText as run } from '../../common/spawn.js';

/** /rustc/<hash>/<rest>: the remapped path of a file of the standard library's build. */
const REMAPPED = /^\/rustc\/([0-9a-f]{40})\/(.+)$/;

/** Where a toolchain's rust-src lives under its sysroot. */
const RUST_SRC_DIR = path.join('lib', 'rustlib', 'src', 'rust');

/** Directories of installed standard-library sources (each holds library/), by commit hash. */
export type RustSources = Map<string, string>;

let found: { at: number; sources: Promise<RustSources> } | undefined;
/** A toolchain or rust-src installed while the daemon runs is found within this time. */
const RESCAN_MS = 60_000;

/**
 * The installed standard-library sources: the default toolchain's (as `rustc` in `cwd`
 * chooses it, rust-toolchain.toml included) and every rustup toolchain's. Cached for a minute.
 */
export function rustSources(cwd?: string): Promise<RustSources> {
  if (!found || Date.now() - found.at > RESCAN_MS) found = { at: Date.now(), sources: scan(cwd) };
  return found.sources;
}

/**
 * The local file for each remapped standard-library path of `files` whose toolchain's sources
 * are installed and have that file; the others are absent.
 */
export async function localRustSources(files: Iterable<string>, cwd?: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const wanted = [...files].filter((f) => REMAPPED.test(f));
  if (wanted.length === 0) return out;
  const sources = await rustSources(cwd);
  for (const f of wanted) {
    const local = mapRemapped(f, sources);
    if (local !== undefined && existsSync(local)) out.set(f, local);
  }
  return out;
}

/** The local path a remapped path would have with `sources` (pure: whether it exists is not checked). */
function mapRemapped(file: string, sources: RustSources): string | undefined {
  const m = REMAPPED.exec(file);
  const root = m ? sources.get(m[1]!) : undefined;
  return root === undefined ? undefined : path.join(root, m![2]!);
}

async function scan(cwd?: string): Promise<RustSources> {
  const sysroots = new Set<string>();
  const def = await run('rustc', ['--print', 'sysroot'], { cwd }).catch(() => undefined);
  if (def) sysroots.add(def.stdout.trim());
  const toolchains = path.join(process.env.RUSTUP_HOME ?? path.join(os.homedir(), '.rustup'), 'toolchains');
  try {
    for (const t of readdirSync(toolchains)) sysroots.add(path.join(toolchains, t));
  } catch {
    // no rustup: the default sysroot is all there is
  }
  const withSources = [...sysroots].filter((s) => existsSync(path.join(s, RUST_SRC_DIR, 'library')));
  const hashes = await Promise.all(withSources.map(commitHash));
  // Two toolchains of one commit (stable and 1.95.0) hold the same files: the default's first.
  const sources: RustSources = new Map();
  withSources.forEach((sysroot, i) => {
    const hash = hashes[i];
    if (hash !== undefined && !sources.has(hash)) sources.set(hash, path.join(sysroot, RUST_SRC_DIR));
  });
  return sources;
}

/** The commit a sysroot's rustc was built from (`rustc -vV`'s commit-hash). */
async function commitHash(sysroot: string): Promise<string | undefined> {
  const rustc = path.join(sysroot, 'bin', 'rustc');
  if (!existsSync(rustc)) return undefined;
  const r = await run(rustc, ['-vV']).catch(() => undefined);
  return r ? /^commit-hash: ([0-9a-f]{40})$/m.exec(r.stdout)?.[1] : undefined;
}
