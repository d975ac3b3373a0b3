// The few conversions between the daemon's world (absolute paths, 1-based lines, shares 0..1)
// and the editor's (file URIs, 0-based lines, text), kept in one place.
import path from 'node:path';

/** 0.1234 → "12.3%". */
export function pct(share: number): string {
  return `${(share * 100).toFixed(share !== 0 && share < 0.001 ? 2 : 1)}%`;
}

/**
 * Whether a profile's source path is a file of the workspace the editor may annotate: under the
 * root, not under target/, and never the standard library or a dependency's sources.
 */
export function isWorkspaceSource(root: string, file: string): boolean {
  if (!path.isAbsolute(file)) return false;
  if (file.startsWith('/rustc/') || /[/\\]\.(cargo|rustup)[/\\]/.test(file)) return false;
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
  return !rel.startsWith(`target${path.sep}`);
}
