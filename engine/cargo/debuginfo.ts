// A profile without DWARF shows addresses instead of lines, so after each build we look for
// .debug_info in the executable or a separate debug file the symbolizer follows (build-id,
// .gnu_debuglink) and, when there is none, say which setting removed it.
import path from 'node:path';
import { findDebugFile, readElfInfo } from '../symbols/elf.js';
import { debugInfoBlocker, flameProfile, profileEnvVar, rustflags } from './config.js';

/**
 * undefined when `executable` carries debug info, or llvm-symbolizer and addr2line find it in a
 * separate file (split off with objcopy and linked by build-id or .gnu_debuglink); otherwise one warning naming the cause and its
 * fix. flame builds in its own profile, which inherits `profile` with `debug = true` and
 * `strip = "none"` set through the environment; what is left to blame is rustflags (found from
 * `cwd`, as cargo finds its config) or a per-package override the profile inherits.
 */
export async function debugInfoWarning(executable: string, profile: string, cwd: string, triple?: string): Promise<string | undefined> {
  let ok: boolean;
  try {
    ok = (await findDebugFile(await readElfInfo(executable))) !== undefined;
  } catch {
    return undefined; // Not ELF (another platform): nothing we can check.
  }
  if (ok) return undefined;
  const head = `${path.basename(executable)} has no debug info (.debug_info), so the profile will show functions but no source lines`;
  const flags = await rustflags(cwd, triple ?? hostTriple());
  const blocker = debugInfoBlocker(flags.flags);
  switch (blocker?.kind) {
    case 'strip':
      return `${head}: \`${blocker.flag}\` in ${flags.source} removes it; drop that flag (or set it to none) while profiling`;
    case 'debuginfo':
      return `${head}: \`${blocker.flag}\` in ${flags.source} turns it off; remove it or use -C debuginfo=2`;
    case 'link-arg':
      return `${head}: a strip link-arg in ${flags.source} removes it; drop it while profiling`;
  }
  const own = flameProfile(profile);
  return `${head}: flame builds in its profile ${own} (inherits ${profile}) with ${profileEnvVar(own, 'DEBUG')}=true and ${profileEnvVar(own, 'STRIP')}=none, so look for a \`[profile.${profile}.package.*]\` override or a linker step that strips it`;
}

/** rustc's host triple for the usual Linux hosts; close enough to pick `target.<triple>` keys. */
export function hostTriple(): string {
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  return process.platform === 'linux' ? `${arch}-unknown-linux-gnu` : `${arch}-unknown-${process.platform}`;
}
