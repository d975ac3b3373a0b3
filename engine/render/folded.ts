// A profile's stacks as folded text ("a;b;c N" lines, inferno's order): what `flame export
// --format folded` and `flame record --folded` write. Formatting only; flame-native folds
// perf-script text and draws from folded text.

/**
 * Folded lines in inferno's order (byte order of the UTF-8 stack), "stack count\n" each, handed
 * to `write` in pieces of about 64 KB so that huge profiles never become one string.
 */
export function writeFolded(stacks: Map<string, number>, write: (piece: string) => void): void {
  let piece = '';
  for (const k of sortedKeys(stacks)) {
    piece += `${k} ${stacks.get(k)}\n`;
    if (piece.length >= 65536) {
      write(piece);
      piece = '';
    }
  }
  if (piece !== '') write(piece);
}

/**
 * Folded text back into stacks ("stack count" per line, counts of a repeated stack summed), for
 * what a `--post-process` command hands back. A line that is not a stack and a whole count says
 * which line it is.
 */
export function parseFolded(text: string, what: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const m = /^(.*\S)\s+(\d+)$/.exec(line);
    if (!m) throw new Error(`${what}, line ${i + 1}, is not "stack count": ${JSON.stringify(line.slice(0, 200))}`);
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return out;
}

/** All folded lines as one string (for small profiles and tests). */
export function formatFolded(stacks: Map<string, number>): string {
  const parts: string[] = [];
  writeFolded(stacks, (p) => parts.push(p));
  return parts.join('');
}

/** Keys in UTF-8 byte order; JS's UTF-16 order differs only when astral and U+E000+ chars meet. */
function sortedKeys(stacks: Map<string, number>): string[] {
  const keys = [...stacks.keys()];
  if (keys.some((k) => /[\ud800-\uffff]/.test(k))) return keys.sort(compareUtf8);
  return keys.sort();
}

function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral chars, 4 UTF-8 bytes) sort after everything in the BMP.
    if (x >= 0xd800 && x <= 0xdfff) x += 0x10000;
    if (y >= 0xd800 && y <= 0xdfff) y += 0x10000;
    return x - y;
  }
  return a.length - b.length;
}
