// The folder's test corpus (test/corpus): every (input, option set) of the
// stackcollapse-perf.pl and inferno suites that has an expected output, shared by the tests of
// the TypeScript folder (fold.test.ts) and of the native one (native.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FoldOptions } from '../engine/render/fold.js';
import { CORPUS } from './helpers.js';

export const FLAMEGRAPH = path.join(CORPUS, 'flamegraph');
export const INFERNO = path.join(CORPUS, 'inferno', 'collapse-perf');

export interface Case {
  input: string;
  /** Option names as in the result file names (pid, tid, kernel, jit, all, addrs). */
  opts: string[];
  expected: string;
  /** stackcollapse-perf.pl drops quotes from names; inferno (and we) keep them. */
  stripQuotes: boolean;
  /** The expected output is stackcollapse-perf.pl's, so fold with its quirks. */
  perl: boolean;
}

export function readInput(file: string): Buffer {
  const raw = fs.readFileSync(file);
  return file.endsWith('.gz') ? gunzipSync(raw) : raw;
}

function stemOf(file: string): string {
  return path.basename(file).replace(/\.txt(\.gz)?$/, '');
}

/** Expected results for a stem: option suffix → file, from one results directory. */
function resultsFor(dir: string, stem: string): Map<string, string> {
  const found = new Map<string, string>();
  const prefix = `${stem}-collapsed`;
  for (const f of fs.readdirSync(dir)) {
    if (!f.startsWith(prefix) || !f.endsWith('.txt')) continue;
    const suffix = f.slice(prefix.length, -'.txt'.length);
    if (suffix === '' || suffix.startsWith('-')) found.set(suffix.slice(1), path.join(dir, f));
  }
  return found;
}

/** Every (input, option set) with an expected output; inferno's own results take precedence. */
export function corpusCases(): { cases: Case[]; unexpected: string[] } {
  const inputs = [FLAMEGRAPH, INFERNO].flatMap((dir) =>
    fs
      .readdirSync(dir)
      .filter((f) => /\.txt(\.gz)?$/.test(f) && !f.startsWith('LICENSE'))
      .map((f) => path.join(dir, f)),
  );
  const cases: Case[] = [];
  const unexpected: string[] = [];
  for (const input of inputs) {
    const stem = stemOf(input);
    const own = resultsFor(path.join(INFERNO, 'results'), stem);
    const perl = resultsFor(path.join(FLAMEGRAPH, 'results'), stem);
    for (const [suffix, expected] of own) cases.push({ input, opts: suffix === '' ? [] : suffix.split('+'), expected, stripQuotes: false, perl: false });
    for (const [suffix, expected] of perl) {
      if (!own.has(suffix)) cases.push({ input, opts: suffix === '' ? [] : suffix.split('+'), expected, stripQuotes: true, perl: true });
    }
    if (own.size === 0 && perl.size === 0) unexpected.push(input);
  }
  return { cases, unexpected };
}

export function optionsFrom(names: string[]): FoldOptions {
  const o: FoldOptions = {};
  for (const n of names) {
    if (!['pid', 'tid', 'kernel', 'jit', 'all', 'addrs'].includes(n)) throw new Error(`unknown option in a result file name: ${n}`);
    (o as Record<string, boolean>)[n] = true;
  }
  return o;
}

export function expectedLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l, i, all) => !(l === '' && i === all.length - 1));
}

