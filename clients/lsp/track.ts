// Follow a profile's lines through the edits of a buffer until the next profile: a pure map from
// the lines the profile saw to the lines of the buffer now. A line an edit touched loses its place.

/** A run of profile lines [from, to) that now sit `shift` lines further down (0-based lines). */
export interface Segment {
  from: number;
  to: number;
  shift: number;
}

/** Where the profile's lines are now: sorted, disjoint segments. Lines in none were edited away. */
export type LineMap = Segment[];

/** An incremental change as LSP sends it: a range of the buffer before the change, and its new text. */
export interface Change {
  startLine: number;
  startChar: number;
  endLine: number;
  endChar: number;
  text: string;
}

/** The identity map: nothing edited yet (covers every line). */
export function identity(): LineMap {
  return [{ from: 0, to: Number.MAX_SAFE_INTEGER, shift: 0 }];
}

/** The buffer line of profile line `line` (0-based), or undefined when an edit changed or removed it. */
export function mapLine(map: LineMap, line: number): number | undefined {
  let lo = 0;
  let hi = map.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = map[mid]!;
    if (line < s.from) hi = mid - 1;
    else if (line >= s.to) lo = mid + 1;
    else return line + s.shift;
  }
  return undefined;
}

/**
 * Apply one change. `lineLength(l)` is the length of buffer line l before the change. A line
 * survives when the change leaves its text whole: lines inserted above it (the change ends at
 * its column 0 with a newline), or below it (the change starts at its end with a newline).
 */
export function applyChange(map: LineMap, c: Change, lineLength: (line: number) => number): LineMap {
  const parts = c.text.split(/\r\n|\n|\r/);
  const k = parts.length - 1;
  const sl = c.startLine;
  const el = c.endLine;
  if (c.text === '' && sl === el && c.startChar === c.endChar) return map;
  const startSurvives = c.startChar >= lineLength(sl) && parts[0] === '' && (k > 0 || c.endChar >= lineLength(el));
  const endSurvives = !(startSurvives && sl === el) && c.endChar === 0 && parts[k] === '' && (k > 0 || c.startChar === 0) && !(startSurvives && k === 0);
  const after = k - (el - sl);
  const out: LineMap = [];
  const push = (from: number, to: number, shift: number) => {
    if (from >= to) return;
    const last = out[out.length - 1];
    if (last && last.to === from && last.shift === shift) last.to = to;
    else out.push({ from, to, shift });
  };
  for (const s of map) {
    // In buffer coordinates the segment covers [s.from + s.shift, s.to + s.shift).
    const cur = (b: number) => b - s.shift; // buffer line → profile line
    const lo = s.from;
    const hi = s.to;
    const clip = (a: number, b: number): [number, number] => [Math.max(lo, a), Math.min(hi, b)];
    const before = clip(lo, cur(sl));
    push(before[0], before[1], s.shift);
    if (startSurvives) {
      const [a, b] = clip(cur(sl), cur(sl) + 1);
      push(a, b, s.shift);
    }
    if (endSurvives) {
      const [a, b] = clip(cur(el), cur(el) + 1);
      push(a, b, s.shift + (sl + k - el));
    }
    const tail = clip(cur(el) + 1, hi);
    push(tail[0], tail[1], s.shift + after);
  }
  return out;
}

/**
 * A full-text replacement as one ranged change: the lines both texts share at the start and
 * at the end are kept, the rest is replaced. Editors without incremental sync send these.
 */
export function fullChange(oldLines: string[], newText: string): Change {
  const newLines = newText.split(/\r\n|\n|\r/);
  let pre = 0;
  const max = Math.min(oldLines.length, newLines.length);
  while (pre < max && oldLines[pre] === newLines[pre]) pre++;
  let suf = 0;
  while (suf < max - pre && oldLines[oldLines.length - 1 - suf] === newLines[newLines.length - 1 - suf]) suf++;
  if (pre === oldLines.length && pre === newLines.length) return { startLine: 0, startChar: 0, endLine: 0, endChar: 0, text: '' };
  // Replace old lines [pre, oldLen - suf) by new lines [pre, newLen - suf), whole lines with their newlines.
  const oldEnd = oldLines.length - suf;
  const inserted = newLines.slice(pre, newLines.length - suf);
  return { startLine: pre, startChar: 0, endLine: oldEnd, endChar: 0, text: inserted.map((l) => `${l}\n`).join('') };
}
