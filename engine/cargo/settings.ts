// flame's settings in Cargo.toml: `[workspace.metadata.flame.NAME]` of the workspace's manifest
// and `[package.metadata.flame.NAME]` of a package's, as `cargo metadata` passes them on. Every
// setting (the push, the compare gate) reads its tables here, so where they live, their order
// (the package's keys over the workspace's) and how a misplaced value is named are one rule.
import { ErrorCodes, FlameError } from '../../common/errors.js';
import type { CargoMetadata } from './target.js';

/** One table that is present: its keys, and where it is, for messages ("[package.metadata.flame.push] in /w/app/Cargo.toml"). */
export interface SettingTable {
  keys: Record<string, unknown>;
  where: string;
}

/**
 * The tables of `flame.<name>`, the workspace's first, then the package `pkg`'s (when given and
 * found); absent ones are left out. A value that is not a table is refused, naming where it is.
 */
export function flameTables(meta: CargoMetadata, name: string, pkg?: string): SettingTable[] {
  const p = pkg === undefined ? undefined : meta.packages.find((x) => x.name === pkg);
  const sources: Array<[unknown, string]> = [[meta.metadata, `[workspace.metadata.flame.${name}] in ${meta.workspaceRoot}/Cargo.toml`]];
  if (p) sources.push([p.metadata, `[package.metadata.flame.${name}] in ${p.manifestPath}`]);
  const out: SettingTable[] = [];
  for (const [metadata, where] of sources) {
    const flame = isTable(metadata) ? metadata.flame : undefined;
    const raw = isTable(flame) ? flame[name] : undefined;
    if (raw === undefined || raw === null) continue;
    if (!isTable(raw)) throw new FlameError(ErrorCodes.BadInput, `${where} must be a table, not ${JSON.stringify(raw)}`);
    out.push({ keys: raw, where });
  }
  return out;
}

export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
