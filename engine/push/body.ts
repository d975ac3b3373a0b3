// The bodies flame posts to Pyroscope's /ingest: the profile's folded stacks ("a;b;c N" lines,
// flame's own folded export), cut into pieces small enough for the server's limits. Pure.
import type { ProfileData } from '../profile/profile.js';
import { foldedStacks } from '../query/query.js';
import { writeFolded } from '../render/folded.js';

/** How large one POST may be. */
export interface ChunkLimits {
  /** Stacks per body: Pyroscope refuses a profile of more than 16,000 samples (validation.max-profile-stacktrace-samples). */
  maxLines: number;
  /** Bytes per body: below Pyroscope's default ingestion burst (2 MB) and profile size (4 MB) limits. */
  maxBytes: number;
}

export const DEFAULT_LIMITS: ChunkLimits = { maxLines: 8000, maxBytes: 1 << 20 };

/**
 * The profile's folded stacks as one or more bodies, each whole lines in inferno's order; the
 * server sums pieces pushed under one name and time range, so the pieces add up to the profile.
 * The same profile always gives the same pieces: a push that stopped after piece k resumes there.
 */
export function foldedBodies(p: ProfileData, limits: ChunkLimits = DEFAULT_LIMITS): string[] {
  const bodies: string[] = [];
  let lines: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (lines.length === 0) return;
    bodies.push(lines.join(''));
    lines = [];
    bytes = 0;
  };
  writeFolded(foldedStacks(p), (piece) => {
    for (const line of piece.split(/(?<=\n)/)) {
      const n = Buffer.byteLength(line);
      if (lines.length >= limits.maxLines || (lines.length > 0 && bytes + n > limits.maxBytes)) flush();
      lines.push(line);
      bytes += n;
    }
  });
  flush();
  return bodies;
}
