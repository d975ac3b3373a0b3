// Where a file's heat sits in a buffer now: each annotated profile line carried through the
// buffer's edits (track.ts); lines an edit touched are dropped.
import type { FileHeat, FunctionHeat, LineHeat } from './annotations.js';
import type { Doc } from './documents.js';
import { mapLine } from './track.js';

export interface Placed<T> {
  /** 0-based buffer line. */
  at: number;
  heat: T;
}

function place<T extends LineHeat>(doc: Doc, rows: Iterable<T>): Array<Placed<T>> {
  const out: Array<Placed<T>> = [];
  for (const h of rows) {
    const at = mapLine(doc.map, h.line - 1);
    if (at !== undefined && at < doc.lines.length) out.push({ at, heat: h });
  }
  return out;
}

export const placedLines = (doc: Doc, heat: FileHeat): Array<Placed<LineHeat>> => place(doc, heat.lines.values());
export const placedFunctions = (doc: Doc, heat: FileHeat): Array<Placed<FunctionHeat>> => place(doc, heat.functions);
