// The few conversions between the daemon's world (absolute paths, 1-based lines, shares 0..1)
// and the editor's (file URIs, 0-based lines, text), kept in one place.
import path from 'node:path';
import type { RowNoise, ShareRange } from '../../protocol/types.js';

/** 0.1234 → "12.3%". */
export function pct(share: number): string {
  return `${(share * 100).toFixed(share !== 0 && share < 0.001 ? 2 : 1)}%`;
}

/** A 95% interval as half its width: "±0.3%". */
export function plusMinus(r: ShareRange): string {
  return `±${pct((r.high - r.low) / 2)}`;
}

/** A change of share in points: "+0.4 pt", "−1.2 pt". */
export function points(delta: number): string {
  const v = Math.abs(delta * 100).toFixed(1);
  return `${delta < 0 && v !== '0.0' ? '−' : '+'}${v} pt`;
}

/** Where a band comes from: "from 3 runs" or "sampling noise only (one run)". */
export function basisText(n: RowNoise): string {
  return n.basis === 'runs' ? `from ${n.runs?.self.length ?? 'several'} runs` : 'sampling noise only (one run)';
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
