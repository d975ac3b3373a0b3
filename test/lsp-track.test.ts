// The language server's line tracking, with data: edits of a buffer and where each of the
// profile's lines is afterwards (undefined: the edit touched it, its annotation goes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChange, identity, lineChanges, mapLine, type Change } from '../clients/lsp/track.js';

const BUF = ['fn a() {', '    hot();', '}', '', 'fn b() {', '    warm();', '}'];

/** Where profile lines 0..n-1 are after applying `changes` in order to BUF. */
function after(changes: Change[], buf = BUF): Array<number | undefined> {
  let map = identity();
  let lines = [...buf];
  for (const c of changes) {
    map = applyChange(map, c, (l) => lines[l]?.length ?? 0);
    const head = lines[c.startLine]!.slice(0, c.startChar);
    const tail = (lines[c.endLine] ?? '').slice(c.endChar);
    lines = [...lines.slice(0, c.startLine), ...(head + c.text + tail).split('\n'), ...lines.slice(c.endLine + 1)];
  }
  return buf.map((_, i) => mapLine(map, i));
}

const at = (line: number, ch: number, text: string, endLine = line, endChar = ch): Change => ({ startLine: line, startChar: ch, endLine, endChar, text });

const cases: Array<[string, Change[], Array<number | undefined>]> = [
  ['nothing', [], [0, 1, 2, 3, 4, 5, 6]],
  ['two lines inserted at the top', [at(0, 0, '// x\n// y\n')], [2, 3, 4, 5, 6, 7, 8]],
  ['a line inserted above the hot line', [at(1, 0, '    cold();\n')], [0, 2, 3, 4, 5, 6, 7]],
  ['Enter at the end of the hot line', [at(1, 10, '\n    ')], [0, 1, 3, 4, 5, 6, 7]],
  ['typing inside the hot line', [at(1, 7, 'x')], [0, undefined, 2, 3, 4, 5, 6]],
  ['replacing the hot line', [at(1, 0, '    cool();', 1, 10)], [0, undefined, 2, 3, 4, 5, 6]],
  ['deleting the empty line 3 (from the end of line 2)', [at(2, 1, '', 3, 0)], [0, 1, 2, undefined, 3, 4, 5]],
  ['deleting whole lines 1..2', [at(1, 0, '', 3, 0)], [0, undefined, undefined, 1, 2, 3, 4]],
  ['a line joined to the next', [at(4, 8, '', 5, 4)], [0, 1, 2, 3, undefined, undefined, 5]],
  ['a paste of three lines inside fn b', [at(5, 4, 'a();\n    b();\n    ')], [0, 1, 2, 3, 4, undefined, 8]],
  ['edits in sequence: insert at the top, then edit what was line 5', [at(0, 0, '\n'), at(6, 4, 'x')], [1, 2, 3, 4, 5, undefined, 7]],
  ['undo-like: insert a line then delete it', [at(2, 0, 'x\n'), at(2, 0, '', 3, 0)], [0, 1, 2, 3, 4, 5, 6]],
  ['an empty insertion changes nothing', [at(1, 3, '')], [0, 1, 2, 3, 4, 5, 6]],
];

for (const [name, changes, want] of cases) {
  test(`track: ${name}`, () => assert.deepEqual(after(changes), want));
}

test('track: a full-text change is aligned line by line', () => {
  const edited = ['// new', 'fn a() {', '    hot2();', '}', '', 'fn b() {', '    warm();', '}', '// end'];
  let map = identity();
  for (const c of lineChanges(BUF, edited.join('\n'))) map = applyChange(map, c, (l) => BUF[l]?.length ?? 0);
  assert.deepEqual(
    BUF.map((_, i) => mapLine(map, i)),
    [1, undefined, 3, 4, 5, 6, 7],
  );
});

test('track: identical texts give no changes; a huge middle falls back to one change', () => {
  assert.deepEqual(lineChanges(BUF, BUF.join('\n')), []);
  const big = Array.from({ length: 3000 }, (_, i) => `line ${i}`);
  const other = big.map((l, i) => (i % 2 ? `${l}!` : l));
  const cs = lineChanges(big, other);
  assert.equal(cs.length, 1);
});
