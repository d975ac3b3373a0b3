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

/** The largest middle (old × new lines) compared line by line; past it the middle is one change. */
const MAX_CELLS = 4_000_000;

/**
 * A full-text replacement as ranged changes of whole lines, last first so that each one's
 * lines are still those of the old text: the shared start and end are kept, and the middle is
 * aligned by a longest common subsequence of lines. Editors without incremental sync send
 * these, and a new profile's view of a file is aligned with an edited buffer this way.
 */
export function lineChanges(oldLines: string[], newText: string | string[]): Change[] {
  const b = typeof newText === 'string' ? newText.split(/\r\n|\n|\r/) : newText;
  const a = oldLines;
  let pre = 0;
  const max = Math.min(a.length, b.length);
  while (pre < max && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < max - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const n = a.length - pre - suf;
  const m = b.length - pre - suf;
  if (n === 0 && m === 0) return [];
  const whole = (oa: number, ob: number, na: number, nb: number): Change => ({
    startLine: oa,
    startChar: 0,
    endLine: ob,
    endChar: 0,
    text: b
      .slice(na, nb)
      .map((l) => `${l}\n`)
      .join(''),
  });
  if (n * m > MAX_CELLS || n === 0 || m === 0) return [whole(pre, pre + n, pre, pre + m)];
  // lcs[i][j]: the longest common subsequence of a[pre+i..] and b[pre+j..] (the middles).
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[pre + i] === b[pre + j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const out: Change[] = [];
  let i = 0;
  let j = 0;
  let runA = -1;
  let runB = -1;
  const flush = () => {
    if (runA >= 0) out.push(whole(pre + runA, pre + i, pre + runB, pre + j));
    runA = runB = -1;
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[pre + i] === b[pre + j]) {
      flush();
      i++;
      j++;
      continue;
    }
    if (runA < 0) [runA, runB] = [i, j];
    if (j < m && (i === n || lcs[i * w + j + 1]! >= lcs[(i + 1) * w + j]!)) j++;
    else i++;
  }
  flush();
  return out.reverse();
}
