// The open buffers as the editor sends them (incremental sync), with the line map that carries
// the profile's annotations through their edits. vscode-languageserver-textdocument is not a
// dependency; buffers are kept as arrays of lines, which is also what the tracker needs.
import { fileURLToPath } from 'node:url';
import { applyChange, identity, lineChanges, type LineMap } from './track.js';

export interface Doc {
  uri: string;
  /** Absolute file path, or undefined for URIs that are not files. */
  path: string | undefined;
  version: number;
  lines: string[];
  /** Profile line → buffer line since the latest profile was applied. */
  map: LineMap;
}

export interface ContentChange {
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
}

const split = (text: string) => text.split(/\r\n|\n|\r/);

export function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

export class Documents {
  private docs = new Map<string, Doc>();

  open(uri: string, version: number, text: string): Doc {
    const doc: Doc = { uri, path: uriToPath(uri), version, lines: split(text), map: identity() };
    this.docs.set(uri, doc);
    return doc;
  }

  close(uri: string): void {
    this.docs.delete(uri);
  }

  get(uri: string): Doc | undefined {
    return this.docs.get(uri);
  }

  all(): Doc[] {
    return [...this.docs.values()];
  }

  /** Apply the editor's changes in order to the text and to the line map. */
  change(uri: string, version: number, changes: ContentChange[]): Doc | undefined {
    const doc = this.docs.get(uri);
    if (!doc) return undefined;
    for (const ch of changes) {
      if (!ch.range) {
        const old = doc.lines;
        const text = String(ch.text ?? '');
        for (const c of lineChanges(old, text)) doc.map = applyChange(doc.map, c, (l) => old[l]?.length ?? 0);
        doc.lines = split(text);
        continue;
      }
      // Positions past the end are clamped as LSP says; negative ones (a client's bug) to 0.
      const last = doc.lines.length - 1;
      const clamp = (p: { line: number; character: number }) =>
        p.line > last ? { line: last, character: doc.lines[last]!.length } : { line: Math.max(0, p.line | 0), character: Math.max(0, p.character | 0) };
      let s = clamp(ch.range.start);
      let e = clamp(ch.range.end);
      if (e.line < s.line || (e.line === s.line && e.character < s.character)) [s, e] = [e, s];
      const c = { startLine: s.line, startChar: s.character, endLine: e.line, endChar: e.character, text: String(ch.text ?? '') };
      doc.map = applyChange(doc.map, c, (l) => doc.lines[l]?.length ?? 0);
      doc.lines = spliceText(doc.lines, c.startLine, c.startChar, c.endLine, c.endChar, c.text);
    }
    doc.version = version;
    return doc;
  }
}

/** Replace a range (within the buffer) of a buffer held as lines. */
function spliceText(lines: string[], sl: number, sc: number, el: number, ec: number, text: string): string[] {
  const head = lines[sl]!.slice(0, Math.min(sc, lines[sl]!.length));
  const tail = lines[el]!.slice(Math.min(ec, lines[el]!.length));
  const mid = split(head + text + tail);
  return [...lines.slice(0, sl), ...mid, ...lines.slice(el + 1)];
}
