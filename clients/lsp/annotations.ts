// What a profile says about one source file, in the profile's own line numbers: each line's
// self and total counts and shares with their change against the previous profile, and the
// functions declared in the file. Pure: built from the daemon's answers, read by the features.
import type { Diff } from '../../protocol/methods.js';
import type { FunctionRow, LineRow, RowChange, RowNoise } from '../../protocol/types.js';

export interface Was {
  selfShare: number;
  totalShare: number;
  /** The self or the total share changed for real (the daemon's judgement, profile/diff). */
  significant: boolean;
  /** Each share's change with its interval and verdict; absent from older daemons. */
  change?: RowChange;
}

export interface LineHeat {
  /** 1-based, as in the profile. */
  line: number;
  self: number;
  total: number;
  selfShare: number;
  totalShare: number;
  was?: Was;
  /** The shares' 95% intervals, as the daemon gives them. */
  noise?: RowNoise;
}

export interface FunctionHeat extends LineHeat {
  name: string;
}

export interface FileHeat {
  profile: string;
  samples: number;
  lines: Map<number, LineHeat>;
  /** Functions declared in this file, hottest (self) first. */
  functions: FunctionHeat[];
}

type DiffLine = Diff.Result['lines'][number];
type DiffFunction = Diff.Result['functions'][number];

function was(d: DiffLine | DiffFunction | undefined): Was | undefined {
  if (!d) return undefined;
  const w: Was = { selfShare: d.base.selfShare, totalShare: d.base.totalShare, significant: d.significant };
  if (d.change) w.change = d.change;
  return w;
}

/** Whether the self or the total share's change is real: the daemon's verdict on that share, or on the row from a daemon that gives only that. */
export function realChange(w: Was, k: 'self' | 'total'): boolean {
  return w.change ? w.change[k].significant : w.significant;
}

/** Put together one file's heat from the profile's lines and functions of that file and the diff. */
export function fileHeat(input: { profile: string; samples: number; file: string; lines: LineRow[]; functions: FunctionRow[]; diff?: Diff.Result }): FileHeat {
  const n = Math.max(1, input.samples);
  const diffLines = new Map<number, DiffLine>();
  const diffFns = new Map<string, DiffFunction>();
  for (const d of input.diff?.lines ?? []) if (d.file === input.file) diffLines.set(d.line, d);
  for (const d of input.diff?.functions ?? []) diffFns.set(d.name, d);
  const lines = new Map<number, LineHeat>();
  for (const r of input.lines) {
    if (r.file !== input.file || r.line < 1) continue;
    lines.set(r.line, {
      line: r.line,
      self: r.self,
      total: r.total,
      selfShare: r.self / n,
      totalShare: r.total / n,
      was: was(diffLines.get(r.line)),
      ...(r.noise ? { noise: r.noise } : {}),
    });
  }
  const functions = input.functions
    .filter((f) => f.file === input.file && f.line !== undefined && f.line >= 1)
    .map((f) => ({
      name: f.name,
      line: f.line!,
      self: f.self,
      total: f.total,
      selfShare: f.self / n,
      totalShare: f.total / n,
      was: was(diffFns.get(f.name)),
      ...(f.noise ? { noise: f.noise } : {}),
    }))
    .sort((a, b) => b.self - a.self || b.total - a.total);
  return { profile: input.profile, samples: input.samples, lines, functions };
}

/** The larger of a line's shares: what decides whether it is hot enough to show. */
export const heatOf = (h: LineHeat) => Math.max(h.selfShare, h.totalShare);

/** A significant growth of the self share, the only kind worth a diagnostic. */
export function regressed(h: LineHeat): boolean {
  return !!h.was && realChange(h.was, 'self') && h.selfShare > h.was.selfShare;
}

/** The function declared closest above a line: the one a line belongs to, for hovers. */
export function enclosingFunction(heat: FileHeat, line: number): FunctionHeat | undefined {
  let best: FunctionHeat | undefined;
  for (const f of heat.functions) if (f.line <= line && (!best || f.line > best.line)) best = f;
  return best;
}
