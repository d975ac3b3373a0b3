// A profile without DWARF shows addresses instead of lines, so after each build we look for
// .debug_info in the executable and, when it is missing, say which setting removed it.
import path from 'node:path';
import { hasDebugInfo, readElfInfo } from './elf.js';
import { codegenOption, codegenOptions, profileSettings, readToml, rustflags, stripsDebugInfo } from './cargo-config.js';

/**
 * undefined when `executable` carries debug info; otherwise one warning naming the cause and its
 * fix. flame already forces `debug = true` and `strip = "none"` for the profile through the
 * environment, so what is left to blame is rustflags (which override profiles) or the manifest.
 */
export async function debugInfoWarning(executable: string, profile: string, workspaceRoot: string, triple?: string): Promise<string | undefined> {
  let ok: boolean;
  try {
    ok = hasDebugInfo(await readElfInfo(executable));
  } catch {
    return undefined; // Not ELF (another platform): nothing we can check.
  }
  if (ok) return undefined;
  const head = `${path.basename(executable)} has no debug info (.debug_info), so the profile will show functions but no source lines`;
  const flags = await rustflags(workspaceRoot, triple ?? hostTriple());
  const strip = codegenOption(flags.flags, 'strip');
  if (strip === 'debuginfo' || strip === 'symbols') {
    return `${head}: \`-C strip=${strip}\` in ${flags.source} removes it; drop that flag (or set it to none) while profiling`;
  }
  const debug = codegenOption(flags.flags, 'debuginfo');
  if (debug === '0' || debug === 'none') {
    return `${head}: \`-C debuginfo=${debug}\` in ${flags.source} turns it off; remove it or use -C debuginfo=2`;
  }
  if (codegenOptions(flags.flags, 'link-arg').some((a) => a === '-s' || a === '-Wl,-s' || a === '-Wl,--strip-all' || a === '-Wl,--strip-debug')) {
    return `${head}: a strip link-arg in ${flags.source} removes it; drop it while profiling`;
  }
  const manifestPath = path.join(workspaceRoot, 'Cargo.toml');
  const settings = profileSettings(await readToml(manifestPath), profile, manifestPath);
  if (stripsDebugInfo(settings.strip)) {
    return `${head}: \`strip = ${JSON.stringify(settings.strip)}\` in ${settings.source} removes it; set \`strip = "none"\` there`;
  }
  return `${head}: add \`[profile.${profile}]\` with \`debug = true\` to ${manifestPath} (or set ${envName(profile)}=true)`;
}

function envName(profile: string): string {
  return `CARGO_PROFILE_${profile.toUpperCase().replace(/-/g, '_')}_DEBUG`;
}

/** rustc's host triple for the usual Linux hosts; close enough to pick `target.<triple>` keys. */
export function hostTriple(): string {
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  return process.platform === 'linux' ? `${arch}-unknown-linux-gnu` : `${arch}-unknown-${process.platform}`;
}
