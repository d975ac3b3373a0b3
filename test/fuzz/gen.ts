// Deterministic inputs for the fuzzer: input i of a target under seed S is a function of (S,
// target, i) alone, so a failure is reproduced by those three numbers (`--seed S --only T
// --index I`), whatever ran before it.
import { mulberry32 } from '../helpers.js';

export type Rand = () => number;

/** The generator of one input. */
export function randFor(seed: number, target: string, index: number): Rand {
  let h = seed >>> 0;
  for (const c of `${target}#${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return mulberry32(h);
}

export const int = (r: Rand, n: number): number => Math.floor(r() * n);
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

/** Pieces that parsers treat specially, to splice into text. */
const TOKENS = [
  '\t',
  ' ',
  '\n',
  '\r\n',
  ';',
  ':',
  '+0x',
  '0x',
  '(',
  ')',
  '[unknown]',
  '[kernel.kallsyms]',
  '<',
  '>',
  '::',
  '{{closure}}',
  '_[k]',
  '_[i]',
  '//',
  '\0',
  '\u00e9',
  '\ud83d\ude00',
  '\ud800',
  '-1',
  '0',
  '99999999999999999999',
  '1e308',
  'NaN',
  ' cycles:',
  ' cpu-clock:uppp: ',
  'PERF_RECORD_LOST',
  '\\',
  '"',
  '%',
  '#',
];

/** A mutation of `text`: a few edits of lines, characters and tokens. */
export function mutateText(r: Rand, text: string): string {
  let lines = text.split('\n');
  const edits = 1 + int(r, 6);
  for (let e = 0; e < edits; e++) {
    const i = int(r, Math.max(1, lines.length));
    const line = lines[i] ?? '';
    switch (int(r, 9)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, line);
        break;
      case 2:
        lines.splice(i, 0, lines[int(r, lines.length)] ?? '');
        break;
      case 3: {
        const at = int(r, line.length + 1);
        lines[i] = line.slice(0, at) + pick(r, TOKENS) + line.slice(at);
        break;
      }
      case 4: {
        const at = int(r, line.length + 1);
        lines[i] = line.slice(0, at) + line.slice(at + 1 + int(r, 8));
        break;
      }
      case 5:
        lines[i] = line.replace(/\d+/, () => pick(r, ['0', '-1', '4294967296', '1e400', 'x', '']));
        break;
      case 6:
        lines = lines.slice(0, i);
        break;
      case 7:
        lines[i] = line.repeat(1 + int(r, 50));
        break;
      default:
        lines[i] = Array.from({ length: int(r, 40) }, () => String.fromCharCode(int(r, 0x300))).join('');
    }
  }
  return lines.join('\n');
}

/** A mutation of bytes: flips, overwrites with edge values, cuts and splices. */
export function mutateBytes(r: Rand, buf: Buffer): Buffer {
  const b = Buffer.from(buf);
  const edits = 1 + int(r, 4);
  let out = b;
  for (let e = 0; e < edits; e++) {
    const at = int(r, Math.max(1, out.length));
    switch (int(r, 5)) {
      case 0:
        if (out.length) out[at] = out[at]! ^ (1 << int(r, 8));
        break;
      case 1:
        if (out.length >= at + 4) out.writeUInt32LE(pick(r, [0, 1, 0xffffffff, 0x7fffffff, out.length, int(r, 1 << 20)]), at);
        break;
      case 2:
        out = out.subarray(0, at);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), Buffer.from(pick(r, ['{', '}', '"', 'null', '[]', ',', '1e999', '-1'])), out.subarray(at)]);
        break;
      default:
        if (out.length) out[at] = int(r, 256);
    }
  }
  return Buffer.from(out);
}

/** Random JSON-ish values, wrong types included. */
export function randomValue(r: Rand, depth = 0): unknown {
  switch (int(r, depth > 2 ? 7 : 9)) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(r, [0, -1, 1, 3, -5, 0.5, 1e308, -1e308, 2 ** 31, 997, 65536]);
    case 3:
      return pick(r, [
        '',
        'latest',
        'previous',
        '-1',
        '-99',
        'hot',
        'neon',
        'svg',
        'folded',
        'dwarf',
        'lbr',
        '../../etc/passwd',
        '/',
        '(',
        '^(([a-z_:]+)+)+X$',
        '(?=x)',
        'a{99}',
        'x'.repeat(int(r, 5000)),
      ]);
    case 4:
      return String.fromCharCode(...Array.from({ length: int(r, 20) }, () => int(r, 0xffff)));
    case 5:
      return undefined;
    case 6:
      return int(r, 100);
    case 7:
      return Array.from({ length: int(r, 4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let k = int(r, 4); k > 0; k--) o[pick(r, FIELDS)] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** Field names of the protocol's params, so random objects often hit real fields. */
export const FIELDS = [
  'profile',
  'limit',
  'filter',
  'thread',
  'noInline',
  'sortBy',
  'file',
  'path',
  'maxDepth',
  'minShare',
  'function',
  'base',
  'current',
  'format',
  'svg',
  'palette',
  'notes',
  'minWidth',
  'imageWidth',
  'title',
  'target',
  'record',
  'programArgs',
  'features',
  'frequency',
  'callGraph',
  'stackSize',
  'mmapPages',
  'bin',
  'example',
  'package',
  'sessionId',
  'id',
  'perfData',
  'options',
  '__proto__',
  'constructor',
];
