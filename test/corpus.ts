// The folder's test corpus (test/corpus): every (input, option set) of the
// stackcollapse-perf.pl and inferno suites that has an expected output, and the way the tests
// run flame-native on it (fold.test.ts, native.test.ts, svg.test.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CORPUS, REPO } from './helpers.js';

export const NATIVE = path.join(REPO, 'native', 'target', 'release', 'flame-native');

export interface NativeRun {
  stdout: Buffer;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Run flame-native with `args` (e.g. ['fold', '--pid', file]) and `input` on stdin. */
export function native(args: string[], input?: Buffer | string, env?: NodeJS.ProcessEnv): NativeRun {
  const r = spawnSync(NATIVE, args, { input, maxBuffer: 1 << 30, env: { ...process.env, ...env } });
  // A command that fails before reading stdin closes it: not an error of the test.
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw r.error;
  return { stdout: r.stdout, stderr: r.stderr.toString(), code: r.status, signal: r.signal };
}

/** The warnings a run printed, without their "warning: " prefix. */
export function warningsOf(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('warning: '))
    .map((l) => l.slice('warning: '.length));
}

export interface Folded {
  /** The folded lines, as printed. */
  text: string;
  stacks: Map<string, number>;
  warnings: string[];
}

/** `flame fold FLAGS` of `input` (text or bytes on stdin); exit 0 is asserted by the caller's use. */
export function fold(input: Buffer | string, flags: string[] = []): Folded {
  const r = native(['fold', ...flags], input);
  if (r.code !== 0) throw new Error(`flame fold ${flags.join(' ')} exited with ${r.code}: ${r.stderr}`);
  const text = r.stdout.toString();
  const stacks = new Map<string, number>();
  for (const line of text.split('\n')) {
    const sp = line.lastIndexOf(' ');
    if (sp > 0) stacks.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return { text, stacks, warnings: warningsOf(r.stderr) };
}

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

/** `flame fold` flags for a case: its options, and stackcollapse-perf.pl's quirks for its results. */
export function flagsOf(c: Case): string[] {
  const flags = c.opts.map((n) => {
    if (!['pid', 'tid', 'kernel', 'jit', 'all', 'addrs'].includes(n)) throw new Error(`unknown option in a result file name: ${n}`);
    return `--${n}`;
  });
  if (c.perl) flags.push('--compat', 'perl');
  return flags;
}

export function expectedLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l, i, all) => !(l === '' && i === all.length - 1));
}
