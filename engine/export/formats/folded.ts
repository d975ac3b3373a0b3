// Folded stacks, one "a;b;c N" line per stack: what inferno and flamegraph.pl read.
import { formatFolded } from '../../render/folded.js';
import type { ProfileData } from '../../profile/profile.js';
import { foldedStacks, type FoldedOptions } from '../../query/query.js';
import type { Exporter } from './format.js';

/** Folded stacks as text: one "a;b;c N" line per stack, sorted, newline-terminated. */
export function toFolded(p: ProfileData, opts: FoldedOptions = {}): string {
  return formatFolded(foldedStacks(p, opts));
}

export const exporter: Exporter = {
  render: (p) => toFolded(p),
};
