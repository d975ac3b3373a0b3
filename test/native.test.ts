// flame-native (native/) against the TypeScript commands it stands in for: the same stdout byte
// for byte, the same warnings and errors, the same exit codes, on the whole folder corpus, on
// every option, on large inputs folded by several threads, and for flame graphs in every mode.
// Also: bin/flame runs it for fold and svg, and it is built from the current sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { foldText, formatFolded, type FoldOptions } from '../engine/render/fold.js';
import { foldFile } from '../engine/render/fold-parallel.js';
import { corpusCases, expectedLines, FLAMEGRAPH, INFERNO, optionsFrom, readInput } from './corpus.js';
import { CORPUS, FLAME_BIN, REPO } from './helpers.js';

const NATIVE = path.join(REPO, 'native', 'target', 'release', 'flame-native');
const LAUNCHER = path.join(REPO, 'bin', 'flame');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flame-native-'));

interface Run {
  stdout: Buffer;
  stderr: string;
  code: number | null;
}

function run(cmd: string, args: string[], input?: Buffer | string, env?: NodeJS.ProcessEnv): Run {
  const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 30, env: { ...process.env, ...env } });
  // A command that fails before reading stdin closes it: not an error of the test.
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw r.error;
  return { stdout: r.stdout, stderr: r.stderr.toString(), code: r.status };
}

const native = (args: string[], input?: Buffer | string) => run(NATIVE, args, input);
const node = (args: string[], input?: Buffer | string) => run(process.execPath, [FLAME_BIN, ...args], input);

/** The native command and the Node one give the same bytes, messages and exit code. */
function assertSame(args: string[], input?: Buffer | string, what = args.join(' ')): Run {
  const n = native(args, input);
  const t = node(args, input);
  assert.equal(n.code, t.code, `${what}: exit code (stderr: ${n.stderr} | ${t.stderr})`);
  assert.equal(n.stderr, t.stderr, `${what}: stderr`);
  assert.ok(n.stdout.equals(t.stdout), `${what}: stdout differs (${n.stdout.length} vs ${t.stdout.length} bytes)`);
  return n;
}

function warningsOf(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('warning: '))
    .map((l) => l.slice('warning: '.length));
}

test('flame-native is built, and built from the current sources', () => {
  assert.ok(fs.existsSync(NATIVE), `${NATIVE} is missing: npm run build builds it (cargo must be installed)`);
  const built = fs.statSync(NATIVE).mtimeMs;
  const sources = [
    ...fs.readdirSync(path.join(REPO, 'native', 'src')).map((f) => path.join(REPO, 'native', 'src', f)),
    path.join(REPO, 'native', 'Cargo.toml'),
    // Compiled into it: the help texts and the flame graph's script.
    path.join(REPO, 'clients', 'cli', 'commands', 'fold.ts'),
    path.join(REPO, 'clients', 'cli', 'commands', 'svg.ts'),
    path.join(REPO, 'engine', 'render', 'svg-script.ts'),
  ];
  for (const s of sources) assert.ok(fs.statSync(s).mtimeMs <= built, `${path.relative(REPO, s)} is newer than the binary: run npm run build`);
});

test("flame-native's own unit tests pass (cargo test)", () => {
  const r = spawnSync('cargo', ['test', '--release', '--quiet', '--manifest-path', path.join(REPO, 'native', 'Cargo.toml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});

const { cases, unexpected } = corpusCases();

test('fold: every corpus case gives the expected output, and the TypeScript folder’s bytes', () => {
  assert.ok(cases.length >= 80);
  for (const c of cases) {
    const flags = c.opts.map((o) => `--${o}`);
    if (c.perl) flags.push('--compat', 'perl');
    const r = native(['fold', ...flags, c.input]);
    const what = `${path.relative(CORPUS, c.input)} [${flags.join(' ')}]`;
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    const ts = foldText(readInput(c.input), { ...optionsFrom(c.opts), compat: c.perl ? 'perl' : 'inferno' });
    assert.equal(r.stdout.toString(), formatFolded(ts.stacks), what);
    assert.deepEqual(warningsOf(r.stderr), ts.warnings, what);
    let lines = r.stdout.toString().split('\n');
    lines.pop();
    if (c.stripQuotes) lines = lines.map((l) => l.replace(/["']/g, ''));
    assert.deepEqual(lines, expectedLines(c.expected), what);
  }
});

test('fold: inputs with a bad line get the same single warning, line number included', () => {
  assert.ok(unexpected.length >= 2);
  for (const input of unexpected) {
    const r = native(['fold', input]);
    const ts = foldText(readInput(input));
    assert.equal(r.code, 0);
    assert.deepEqual(warningsOf(r.stderr), ts.warnings, input);
    assert.equal(r.stdout.toString(), formatFolded(ts.stacks));
  }
});

test('fold: every option, alone and combined, on inputs from both suites', () => {
  const inputs = ['perf-cycles-instructions-01.txt', 'perf-java-stacks-01.txt', 'perf-iperf-stacks-pidtid-01.txt', 'perf-rust-Yamakaky-dcpu.txt', 'perf-js-stacks-01.txt', 'perf-vertx-stacks-01.txt']
    .map((f) => path.join(FLAMEGRAPH, f))
    .concat(['java-inline.txt', 'go-stacks.txt', 'cpp-stacks-std-function.txt'].map((f) => path.join(INFERNO, f)).filter((f) => fs.existsSync(f)));
  const sets: Array<[string[], FoldOptions]> = [
    [['--pid'], { pid: true }],
    [['--tid'], { tid: true }],
    [['--addrs'], { addrs: true }],
    [['--kernel', '--jit'], { kernel: true, jit: true }],
    [['--all', '--tid', '--compat', 'perl'], { all: true, tid: true, compat: 'perl' }],
    [['--event-filter', 'instructions'], { eventFilter: 'instructions' }],
    [['--event-filter=cpu-clock', '--all'], { eventFilter: 'cpu-clock', all: true }],
    [['--skip-after', 'main', '--skip-after', 'start_thread'], { skipAfter: ['main', 'start_thread'] }],
    [['--addrs', '--pid', '--kernel'], { addrs: true, pid: true, kernel: true }],
  ];
  for (const input of inputs) {
    const text = readInput(input);
    for (const [flags, opts] of sets) {
      const r = native(['fold', ...flags, input]);
      const ts = foldText(text, opts);
      const what = `${path.basename(input)} ${flags.join(' ')}`;
      assert.equal(r.code, 0, what);
      assert.equal(r.stdout.toString(), formatFolded(ts.stacks), what);
      assert.deepEqual(warningsOf(r.stderr), ts.warnings, what);
      assert.equal(native(['fold', '-q', ...flags, input]).stderr, '');
    }
  }
});

test('fold: odd inputs: non-UTF-8 bytes, CRLF, headers with a stack on them, no final newline, names with ";"', () => {
  const texts = [
    'prog 1 1.0: 1 cycles:\n\t1 caf\xe9 (/x)\n\t2 main (/x)\n\n',
    'prog 1 1.0: 1 cycles:\r\n\t1 a (/x)\r\n\t2 main (/x)\r\n\r\n',
    'prog 12 1.0: cycles:u:  ffffffff81000000 do_syscall_64 ([kernel.kallsyms])\n\n',
    'prog 1 1.0: 1 cycles:\n\t1 a (/x)\n\t2 main (/x)',
    'a;b 1 1.0: 1 cycles:\n\t1 main (/x)\n\na 1 1.0: 1 cycles:\n\t1 b (/x)\n\t2 main (/x)\n\n',
    'p 1 1.0: 18446744073709551615 cycles:\n\t1 a (/x)\n\np 1 1.0: 9007199254740993 cycles:\n\t1 a (/x)\n\n',
    '# comment\np 1 1.0: 5 cycles:\n\t1 a+0x10 (/x)\n\t2 a+0x20 (/x)\n\t3 [unknown] (/usr/lib/libfoo.so)\n\t4 [unknown] ([unknown])\n\t5 (anonymous namespace)::f(int) (/x)\n\t6 Foo::bar(std::vector<int>) const (/x)\n\n',
    'p 1 1.0: 1 cycles:\n\tnot a frame\n\t1 main (/x)\n\nbad header line\n',
  ];
  for (const t of texts) {
    const buf = Buffer.from(t, 'latin1');
    for (const flags of [[], ['--addrs', '--all'], ['--compat', 'perl']]) {
      const r = native(['fold', ...flags], buf);
      const ts = foldText(buf, flags.includes('--addrs') ? { addrs: true, all: true } : flags.includes('perl') ? { compat: 'perl' } : {});
      assert.equal(r.stdout.toString(), formatFolded(ts.stacks), JSON.stringify(t) + flags.join(' '));
      assert.deepEqual(warningsOf(r.stderr), ts.warnings, JSON.stringify(t));
    }
  }
});

test('fold: a large file folded by several threads equals the single-threaded fold, warnings and line numbers included', () => {
  // 20+ MB: several copies of a multi-event recording, a bad line near the end, another process.
  const base = readInput(path.join(FLAMEGRAPH, 'perf-cycles-instructions-01.txt'));
  const copies = Math.ceil((20 << 20) / base.length);
  const parts: Buffer[] = [];
  for (let i = 0; i < copies; i++) parts.push(base, Buffer.from('\n'));
  parts.push(Buffer.from('p 1 1.0: 1 instructions:\n\tNOT_A_FRAME\n\t1 main (/x)\n\n'), base);
  const file = path.join(tmp, 'big.txt');
  fs.writeFileSync(file, Buffer.concat(parts));
  const ts = foldText(fs.readFileSync(file));
  assert.equal(ts.warnings.length, 2, 'a bad line and the other event type');
  for (const n of [['-n', '1'], ['-n', '2'], ['-n', '3'], []]) {
    const r = native(['fold', ...n, file]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.toString(), formatFolded(ts.stacks), n.join(' '));
    assert.deepEqual(warningsOf(r.stderr), ts.warnings, n.join(' '));
  }
  const ev = foldText(fs.readFileSync(file), { eventFilter: 'instructions' });
  assert.equal(native(['fold', '-n', '2', '--event-filter', 'instructions', file]).stdout.toString(), formatFolded(ev.stacks));
});

test('fold: stdin, gzip on stdin and in a file, and every input error, as the Node command', () => {
  const go = readInput(path.join(INFERNO, 'go-stacks.txt'));
  assertSame(['fold'], go);
  assertSame(['fold', '-'], gzipSync(go));
  assertSame(['fold', path.join(FLAMEGRAPH, 'example-perf-stacks.txt.gz')]);
  assertSame(['fold'], Buffer.alloc(0));
  assertSame(['fold'], Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]), 'corrupt gzip on stdin');
  const corrupt = path.join(tmp, 'corrupt.gz');
  fs.writeFileSync(corrupt, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]));
  assertSame(['fold', corrupt]);
  const usage = [['--frobnicate'], ['--compat', 'python'], ['-n', '0'], ['--nthreads', 'x'], ['a', 'b'], ['--event-filter'], ['--nthreads'], ['--pid=yes'], ['--quiet=1'], ['-x'], ['-qx'], ['-q=1'], ['--=x'], ['--event-filter', '--pid'], ['-n', '-q']];
  for (const args of [...usage, ['/nonexistent/perf.txt'], [tmp], ['--help'], ['-qh'], ['-q', '--', '-']]) {
    assertSame(['fold', ...args]);
  }
});

/** Folded inputs for the flame graph checks: corpus results plus the awkward cases. */
function svgInputs(): Array<[string, Buffer]> {
  const results = path.join(INFERNO, 'results');
  const files = fs.readdirSync(results).filter((f) => f.endsWith('.txt')).sort().slice(0, 12);
  const out: Array<[string, Buffer]> = files.map((f) => [f, fs.readFileSync(path.join(results, f))]);
  out.push(['unicode', Buffer.from('main;\u{1F600}emoji;leaf 3\nmain;\ue000private 2\nmain;caf\u00e9 \u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9 40\nmain;\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600}\u{1F600} 30\n', 'utf8')]);
  out.push(['escapes', Buffer.from('a<b>;"q"&\'s\';ctl\x01x 5\nk_[k];j_[j];i_[i] 4\n-;--;x 2\nstd::rt::lang_start;core::ptr::drop;<alloc::vec::Vec<T>>::push;user::f 9\nLjava/lang/Thread;.run;Perl_pp;js/node_modules/x.js;foo.pl 3\n', 'latin1')]);
  out.push(['odd lines', Buffer.from('# comment\n\n  a;b 3  \r\na;b;c 2.5\na;b;c 2.0\nno count\n;x 1\na;;b 4\n 7\na;b x\na;b 0\n', 'latin1')]);
  out.push(['invalid utf-8', Buffer.from([0x61, 0x3b, 0xff, 0xfe, 0x62, 0x20, 0x31, 0x0a, 0x61, 0x3b, 0xe2, 0x82, 0x20, 0x32, 0x0a])]);
  out.push(['big counts', Buffer.from('a;b 9007199254740993\na;c 123456789012345678901\nd 1\n')]);
  out.push(['empty', Buffer.alloc(0)]);
  out.push(['no final newline', Buffer.from('a;b 1\na;c 2')]);
  return out;
}

const SVG_SETS: string[][] = [
  ['--deterministic'],
  ['--hash'],
  ['--hash', '--inverted', '--title', 'T <&>', '--subtitle', 'sub "x"', '--notes', 'a--b-'],
  ['--deterministic', '--flamechart'],
  ['--deterministic', '--reverse', '--min-width', '1%'],
  ['--hash', '--font-size', '12.125', '--font-width', '0.5', '--font-type', 'DejaVu Sans', '--frame-height', '20', '--image-width', '800', '--countname', 'bytes', '--nametype', 'Fn:'],
  ['--deterministic', '--min-width', '0', '--width', '0x258', '--fontsize', '9'],
];

test('svg: the same bytes as the Node command on corpus and awkward inputs, in every deterministic mode', () => {
  for (const [name, input] of svgInputs()) {
    for (const flags of SVG_SETS) assertSame(['svg', ...flags], input, `${name}: svg ${flags.join(' ')}`);
  }
});

test('svg: every palette, deterministic and by name similarity', () => {
  const input = svgInputs().find(([n]) => n === 'escapes')![1];
  const help = native(['svg', '--help']).stdout.toString();
  const palettes = /--palette NAME\s+frame colours \(alias --colors\): ([a-z, \n]+?) \(default/.exec(help)![1]!.split(/,\s*/).map((s) => s.trim());
  assert.ok(palettes.length >= 15, palettes.join(','));
  for (const p of palettes) {
    assertSame(['svg', '--deterministic', '--palette', p], input);
    assertSame(['svg', '--hash', '-c', p], input);
  }
});

test('svg: random colours differ from run to run but stay in the palette, and all else is the same', () => {
  const input = fs.readFileSync(path.join(INFERNO, 'results', 'example-perf-stacks-collapsed.txt'));
  const a = native(['svg', '-', '--title', 'r'], input).stdout.toString();
  const b = native(['svg', '--title', 'r'], input).stdout.toString();
  const t = node(['svg', '--title', 'r'], input).stdout.toString();
  const fills = (s: string) => [...s.matchAll(/fill="rgb\((\d+),(\d+),(\d+)\)"/g)].map((m) => m.slice(1).map(Number) as [number, number, number]);
  const strip = (s: string) => s.replace(/fill="rgb\(\d+,\d+,\d+\)"/g, 'fill=""');
  assert.equal(strip(a), strip(t));
  assert.notDeepEqual(fills(a), fills(b));
  const hot = fills(a);
  assert.ok(hot.length > 100);
  // The hot palette: red 205–255, green 0–230, blue 0–55 (annotated frames use other palettes).
  const plain = hot.filter(([r, g, bl]) => r >= 205 && r <= 255 && g <= 230 && bl <= 55);
  assert.ok(plain.length / hot.length > 0.9, `${plain.length} of ${hot.length} fills in the hot range`);
});

test('svg: several inputs read as one stream, stdin among them; usage and input errors as the Node command', () => {
  const a = path.join(tmp, 'a.folded');
  const b = path.join(tmp, 'b.folded');
  fs.writeFileSync(a, 'x;y 1\nx;z 2');
  fs.writeFileSync(b, 'x;y 4\n');
  assertSame(['svg', '--hash', a, b]);
  assertSame(['svg', '--hash', a, '-', b], 'x;w 3');
  for (const args of [['--palette', 'nope'], ['--min-width', 'x'], ['--image-width', '20'], ['--image-width', '30.5'], ['--font-width', '0'], ['--frame-height', ''], ['/nonexistent.folded'], ['--frobnicate'], ['--title'], ['-i', '--reverse', '--hash'], ['--help']]) {
    assertSame(['svg', ...args], 'a;b 1\n');
  }
});

test('bin/flame runs flame-native for fold and svg, Node for the rest and when FLAME_NO_NATIVE is set, through a symlink too', () => {
  const link = path.join(tmp, 'flame');
  fs.symlinkSync(LAUNCHER, link);
  const input = 'a;b 1\n';
  // With no usable node, only the native build can answer.
  const noNode = { FLAME_NODE: '/bin/false' };
  const viaLink = run(link, ['svg', '--hash'], input, noNode);
  assert.equal(viaLink.code, 0, viaLink.stderr);
  assert.ok(viaLink.stdout.equals(native(['svg', '--hash'], input).stdout));
  assert.equal(run(link, ['fold', '--help'], undefined, noNode).code, 0);
  assert.notEqual(run(link, ['--version'], undefined, noNode).code, 0, 'other verbs need node');
  assert.notEqual(run(link, ['fold', '--help'], undefined, { ...noNode, FLAME_NO_NATIVE: '1' }).code, 0, 'FLAME_NO_NATIVE=1 means node');
  const version = run(link, ['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout.toString(), /^flame \d/);
});

// Found by reviewing the port: each case once differed between the two, or broke one of them.
test('edge cases found in review: both commands agree', () => {
  const t1 = path.join(tmp, 't1.txt');
  fs.writeFileSync(t1, 'a 1/2 3.0: 10 cycles:\n\t1234 foo+0x1 (/lib/a.so)\n\t5678 main (/bin/x)\n');
  // svg does not unpack gzip (a gzip file is malformed folded text), fold does.
  const gz = path.join(tmp, 'f.folded.gz');
  fs.writeFileSync(gz, gzipSync('a;b 1\n'));
  assertSame(['svg', '--hash', gz]);
  // Arguments that are not UTF-8 are read with U+FFFD.
  assertSame(['fold', '--event-filter', Buffer.from([0xff]).toString('latin1'), t1]);
  // Number() syntax for numeric flags, and its refusals.
  for (const n of ['0x2', '0b1', '0o1', '\ufeff2', ' 2 ', '2.5', '1e0']) assertSame(['fold', '-n', n, t1], undefined, `-n ${JSON.stringify(n)}`);
  for (const w of ['0x10000000000000000', '0x+100', '\ufeff', '1e3', '0x']) assertSame(['svg', '--hash', '--width', w], 'a;b 1\n', `--width ${JSON.stringify(w)}`);
  assertSame(['svg', '--hash', '--min-width', '\ufeff'], 'a;b 1\n');
  // Read errors worded alike.
  assertSame(['fold', `${t1}/x`]);
  assertSame(['svg', `${t1}/x`]);
  // A non-ASCII event name in the warning about other events.
  assertSame(['fold'], 'p 1 1.0: 1 cycl\u00e9s:\n\t1 f (/m)\n\np 1 1.0: 1 cycles:\n\t1 g (/m)\n\n');
  // Counts too big for a double are malformed; counts past 2^53 print as String(n) does.
  assertSame(['svg', '--hash'], `a;b ${'9'.repeat(400)}\nc 1\n`);
  assertSame(['svg', '--hash'], 'a 9007199254740992\nb 1\nb 1\n');
  // The first malformed line is cut at 200 UTF-16 units, not inside a surrogate pair.
  assertSame(['svg', '--hash'], `${'x'.repeat(199)}\u{1F600}yyy\na 1\n`);
  // A character cut at the end of one input does not join the next.
  const f1 = path.join(tmp, 'f1');
  const f2 = path.join(tmp, 'f2');
  fs.writeFileSync(f1, Buffer.from('a;b\xc3', 'latin1'));
  fs.writeFileSync(f2, Buffer.from('\xa9 1\nc 2\n', 'latin1'));
  assertSame(['svg', '--hash', f1, f2]);
});

test('edge cases found in review: pipes, a directory on stdin, a closed stdout, a full disk', () => {
  const input = path.join(FLAMEGRAPH, 'perf-vertx-stacks-01.txt');
  const both: Array<[string, string]> = [
    ['native', NATIVE],
    ['node', `${process.execPath} ${FLAME_BIN}`],
  ];
  const sh = (cmd: string) => spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });
  // Folded stacks whose SVG is about 70 KB: more than a pipe holds, written in a few pieces.
  fs.writeFileSync(path.join(tmp, 'svg70.folded'), Array.from({ length: 330 }, (_, i) => `main;work;step_${i} ${i + 1}\n`).join(''));
  const results = both.map(([who, bin]) => ({
    who,
    // A pipe as the input file: read as a stream (it has no size to split by).
    fifo: sh(`${bin} fold <(cat ${input})`).stdout,
    // A reader that stops early: no error, exit 0.
    head: sh(`set -o pipefail; ${bin} fold ${input} | head -c 10 >/dev/null; echo "rc=$?"`).stdout,
    // A full disk: a clear error, exit 1.
    full: sh(`${bin} fold ${input} >/dev/full; echo "rc=$?"`),
    // stdin is a directory: an error, not an empty input.
    dir: sh(`${bin} fold < ${tmp}; echo "rc=$?"`),
    dirSvg: sh(`${bin} svg < ${tmp} >/dev/null; echo "rc=$?"`),
    // gzip through a pipe as the input file.
    fifoGz: sh(`gzip -c ${input} > ${tmp}/in.gz; ${bin} fold <(cat ${tmp}/in.gz)`).stdout,
    // The reader leaves while the last pieces are still queued: no crash, exit 0 (three tries).
    late: [1, 2, 3].map(() => sh(`${bin} svg --hash ${tmp}/svg70.folded 2>&1 | (sleep 0.4; exec 0<&-; sleep 0.3); echo "rc=\${PIPESTATUS[0]}"`).stdout.trim()),
  }));
  const [n, t] = results;
  assert.equal(n!.fifo, formatFolded(foldText(fs.readFileSync(input)).stacks));
  assert.equal(t!.fifo, n!.fifo);
  assert.equal(n!.fifoGz, n!.fifo);
  assert.equal(t!.fifoGz, n!.fifo);
  for (const r of results) {
    assert.deepEqual(r.late, ['rc=0', 'rc=0', 'rc=0'], r.who);
    assert.equal(r.head.trim(), 'rc=0', r.who);
    assert.match(r.full.stdout, /rc=1/, r.who);
    assert.match(r.full.stderr, /^error: cannot write the output: no space left on device$/m, r.who);
    assert.match(r.dir.stdout, /rc=1/, r.who);
    assert.match(r.dir.stderr, /^error: cannot read stdin: it is a directory$/m, r.who);
    assert.match(r.dirSvg.stdout, /rc=1/, r.who);
    assert.match(r.dirSvg.stderr, /cannot read stdin: it is a directory/, r.who);
  }
});

test('a split fold names the first 8 other events, as one folder does', async () => {
  // 16 event types over a file big enough to be cut in two: the list must not depend on the cut.
  const lines: string[] = [];
  for (let i = 0; i < 16; i++) lines.push(`p 1 1.0: 1 ev${i}:\n\t1 f (/m)\n\n`);
  const first = 'p 1 1.0: 1 cycles:\n\t1 f (/m)\n\n';
  const filler = first.repeat(Math.ceil((9 << 20) / first.length));
  const file = path.join(tmp, 'events.txt');
  fs.writeFileSync(file, first + lines.slice(0, 8).join('') + filler + filler + lines.slice(8).join(''));
  const ts = foldText(fs.readFileSync(file));
  for (const n of ['1', '2', '3']) {
    const r = native(['fold', '-n', n, file]);
    assert.deepEqual(warningsOf(r.stderr), ts.warnings, `-n ${n}`);
  }
  const split = await foldFile(file, {}, { threads: 2 });
  assert.deepEqual(split.warnings, ts.warnings, 'the TypeScript folder on worker threads');
  assert.match(ts.warnings[0]!, /'ev0', .*'ev7';/);
  assert.doesNotMatch(ts.warnings[0]!, /ev8/);
});
