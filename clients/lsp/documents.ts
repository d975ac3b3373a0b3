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
  /** Profile line → buffer line since the profile in `profileId` was applied. */
  map: LineMap;
  profileId: string | undefined;
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
    const doc: Doc = { uri, path: uriToPath(uri), version, lines: split(text), map: identity(), profileId: undefined };
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
        for (const c of lineChanges(old, ch.text)) doc.map = applyChange(doc.map, c, (l) => old[l]?.length ?? 0);
        doc.lines = split(ch.text);
        continue;
      }
      const c = { startLine: ch.range.start.line, startChar: ch.range.start.character, endLine: ch.range.end.line, endChar: ch.range.end.character, text: ch.text };
      doc.map = applyChange(doc.map, c, (l) => doc.lines[l]?.length ?? 0);
      doc.lines = spliceText(doc.lines, c.startLine, c.startChar, c.endLine, c.endChar, c.text);
    }
    doc.version = version;
    return doc;
  }
}

/** Replace a range of a buffer held as lines; positions past the end are clamped as LSP says. */
function spliceText(lines: string[], sl: number, sc: number, el: number, ec: number, text: string): string[] {
  const last = lines.length - 1;
  if (sl > last) [sl, sc] = [last, lines[last]!.length];
  if (el > last) [el, ec] = [last, lines[last]!.length];
  const head = lines[sl]!.slice(0, Math.min(sc, lines[sl]!.length));
  const tail = lines[el]!.slice(Math.min(ec, lines[el]!.length));
  const mid = split(head + text + tail);
  return [...lines.slice(0, sl), ...mid, ...lines.slice(el + 1)];
}
