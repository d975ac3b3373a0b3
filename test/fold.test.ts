// The stack folder: every case of the stackcollapse-perf.pl and inferno suites in the corpus
// (one test per input and option set found there), the naming rules, streaming, and the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Folder, foldText, formatFolded, type FoldOptions } from '../engine/render/fold.js';
import { foldFile } from '../engine/render/fold-parallel.js';
import { fixRustSymbol, isKernelModule, stackLineParts, tidyGeneric } from '../engine/render/fold-names.js';
import { CORPUS, runFlame } from './helpers.js';
import { corpusCases, expectedLines, FLAMEGRAPH, INFERNO, optionsFrom, readInput } from './corpus.js';

/** Fold in odd-sized chunks, so that lines and samples straddle chunk boundaries. */
function foldChunked(buf: Buffer, opts: FoldOptions, size: number) {
  const f = new Folder(opts);
  for (let i = 0; i < buf.length; i += size) f.push(buf.subarray(i, i + size));
  return f.end();
}

const { cases, unexpected } = corpusCases();

test('the corpus is there and has cases from both suites', () => {
  assert.ok(cases.some((c) => c.input.startsWith(FLAMEGRAPH)), `no stackcollapse-perf.pl cases under ${FLAMEGRAPH}`);
  assert.ok(cases.some((c) => c.input.startsWith(INFERNO)), `no inferno cases under ${INFERNO}`);
  assert.ok(cases.length >= 80, `only ${cases.length} cases`);
});

for (const c of cases) {
  const name = `${path.relative(CORPUS, c.input)} [${c.opts.join('+') || 'default'}] matches ${path.relative(CORPUS, c.expected)}`;
  test(name, () => {
    const result = foldChunked(readInput(c.input), { ...optionsFrom(c.opts), compat: c.perl ? 'perl' : 'inferno' }, 4093);
    let lines = formatFolded(result.stacks).split('\n');
    lines.pop();
    if (c.stripQuotes) lines = lines.map((l) => l.replace(/["']/g, ''));
    assert.deepEqual(lines, expectedLines(c.expected));
    assert.equal(result.malformedLines, 0, 'the suites hold no malformed lines');
  });
}

// Inputs without an expected output hold one bad line: folding must warn once and go on.
for (const input of unexpected) {
  test(`${path.relative(CORPUS, input)} warns exactly once about its bad line and folds the rest`, () => {
    const result = foldText(readInput(input));
    assert.equal(result.malformedLines, 1);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /malformed line.*line \d+/);
    assert.ok(result.samples >= 1, 'the good samples are still folded');
  });
}

test('empty-line.txt: the stack after the stray blank line is the one bad line', () => {
  const result = foldText(readInput(path.join(INFERNO, 'empty-line.txt')));
  assert.deepEqual([...result.stacks], [['inline-counter;main', 250000]]);
  assert.match(result.warnings[0]!, /line 6: "\\t {10}401b94 main\+0x1c/);
});

test('weird-stack-line.txt: the weird frame is dropped and its sample is not counted', () => {
  const result = foldText(readInput(path.join(INFERNO, 'weird-stack-line.txt')));
  assert.deepEqual([...result.stacks], [['inline-counter;main', 250000]]);
  assert.equal(result.samples, 1);
  assert.match(result.warnings[0]!, /THIS_IS_A_WEIRD_LINE/);
});

test('a last sample without a blank line after it counts, except under compat perl', () => {
  const text = 'p 1 1.0: 1 cycles:\n\t1 a (/x)\n\np 1 1.1: 1 cycles:\n\t1 b (/x)\n';
  assert.deepEqual(Object.fromEntries(foldText(text).stacks), { 'p;a': 1, 'p;b': 1 });
  assert.deepEqual(Object.fromEntries(foldText(text, { compat: 'perl' }).stacks), { 'p;a': 1 });
});

test('Java names are tidied for java* processes; under compat perl only for "java" itself', () => {
  const text = 'java 1/2 1.0: 1 cycles:\n\t1 Lio/netty/Loop;.run()V (/tmp/perf-1.map)\n\n';
  assert.deepEqual(Object.fromEntries(foldText(text, { pid: true }).stacks), { 'java-1;io/netty/Loop:.run': 1 });
  assert.deepEqual(Object.fromEntries(foldText(text, { pid: true, compat: 'perl' }).stacks), { 'java-1;Lio/netty/Loop:.run': 1 });
  assert.deepEqual(Object.fromEntries(foldText(text, { compat: 'perl' }).stacks), { 'java;io/netty/Loop:.run': 1 });
});

test('chunk boundaries anywhere give the same result as one push', () => {
  const buf = readInput(path.join(INFERNO, 'java-inline.txt'));
  const whole = formatFolded(foldText(buf).stacks);
  for (const size of [1, 2, 3, 17, 64, 1000]) assert.equal(formatFolded(foldChunked(buf, {}, size).stacks), whole, `chunks of ${size}`);
  const f = new Folder();
  f.push(buf.toString('utf8'));
  assert.equal(formatFolded(f.end().stacks), whole, 'string chunks');
});

const TWO_EVENTS = `prog 100 1.000: 10 cycles:
\tffff0001 inner+0x1 (/bin/prog)
\tffff0002 main+0x2 (/bin/prog)

prog 100 1.001: 7 instructions:
\tffff0003 other+0x1 (/bin/prog)

prog 100 1.002: 5 cycles:
\tffff0002 main+0x2 (/bin/prog)
`;

test('only the first event type is folded, with a warning naming the others', () => {
  const r = foldText(TWO_EVENTS);
  assert.deepEqual(Object.fromEntries(r.stacks), { 'prog;main;inner': 10, 'prog;main': 5 });
  assert.equal(r.event, 'cycles');
  assert.equal(r.unit, 'period');
  assert.equal(r.samples, 2);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /'cycles'.*1 sample of 'instructions'/);
});

test('eventFilter picks another event, and then nothing is said about skipping', () => {
  const r = foldText(TWO_EVENTS, { eventFilter: 'instructions' });
  assert.deepEqual(Object.fromEntries(r.stacks), { 'prog;other': 7 });
  assert.deepEqual(r.warnings, []);
});

test('without periods, counts are samples; pid and tid name the root frame', () => {
  const text = 'my app 12/34 [000] 5.0: cpu-clock:\n\t1 f (/x)\n\nmy app 12/34 [000] 5.1: cpu-clock:\n\t1 f (/x)\n';
  assert.deepEqual(Object.fromEntries(foldText(text).stacks), { 'my_app;f': 2 });
  assert.equal(foldText(text).unit, 'samples');
  assert.deepEqual(Object.fromEntries(foldText(text, { pid: true }).stacks), { 'my_app-12;f': 2 });
  assert.deepEqual(Object.fromEntries(foldText(text, { tid: true }).stacks), { 'my_app-12/34;f': 2 });
});

test('skipAfter drops the callers of a matching frame and the process name', () => {
  const text = 'p 1 1.0: 1 cycles:\n\t1 leaf (/x)\n\t2 run_task (/x)\n\t3 scheduler (/x)\n\t4 main (/x)\n';
  assert.deepEqual(Object.fromEntries(foldText(text, { skipAfter: ['run_task'] }).stacks), { 'run_task;leaf': 1 });
  assert.deepEqual(Object.fromEntries(foldText(text, { skipAfter: ['absent'] }).stacks), { 'p;main;scheduler;run_task;leaf': 1 });
});

test('UTF-8 names survive; invalid bytes become U+FFFD as in inferno', () => {
  const text = Buffer.concat([
    Buffer.from('wörker 1 1.0: 1 cycles:\n\t1 ünïcode::fn (/x)\n\t2 bad'),
    Buffer.from([0xff, 0xfe]),
    Buffer.from(' (/x)\n'),
  ]);
  assert.deepEqual(Object.fromEntries(foldText(text).stacks), { 'wörker;bad\ufffd\ufffd;ünïcode::fn': 1 });
});

test('formatFolded sorts in UTF-8 byte order, like inferno', () => {
  const stacks = new Map([
    ['a;\u{1F600}', 1],
    ['a;\uFF21', 2],
    ['a;b', 3],
    ['A', 4],
  ]);
  assert.equal(formatFolded(stacks), 'A 4\na;b 3\na;\uFF21 2\na;\u{1F600} 1\n');
});

test('naming rules: argument lists, Go receivers, anonymous namespaces, Rust repair, kernel modules', () => {
  const tidy: [string, string][] = [
    ['go/build.(*importReader).readByte', 'go/build.(*importReader).readByte'],
    ['foo<Vec::<usize>>(Vec<usize>)', 'foo<Vec::<usize>>'],
    ['base(BasicType) const', 'base'],
    ['std::function<void (int, int)>::operator(int, int)', 'std::function<void (int, int)>::operator'],
    ['{lambda(int, int)#2}::operator()', '{lambda(int, int)#2}::operator'],
    ['(anonymous namespace)::myBar()', '(anonymous namespace)::myBar'],
    ['a;b', 'a:b'],
  ];
  for (const [input, want] of tidy) assert.equal(tidyGeneric(input), want, input);
  assert.equal(
    fixRustSymbol('_$LT$std..fs..ReadDir$u20$as$u20$core..iter..traits..iterator..Iterator$GT$::next::hc14f1750ca79129b'),
    '<std::fs::ReadDir as core::iter::traits::iterator::Iterator>::next',
  );
  assert.equal(fixRustSymbol('std::sys::unix::fs::File::open::hb90e1c1c787080f0'), 'std::sys::unix::fs::File::open');
  assert.equal(fixRustSymbol('plain_c_function'), 'plain_c_function');
  assert.ok(isKernelModule('[kernel.kallsyms]'));
  assert.ok(isKernelModule('/usr/lib/debug/boot/vmlinux-5.4.14-cloudflare-2020.1.11'));
  assert.ok(isKernelModule('nf_conntrack.ko'));
  assert.ok(!isKernelModule('[unknown]'));
  assert.ok(!isKernelModule('vmlinux-5.4.14)'));
  assert.deepEqual(stackLineParts('\t7f1e2215d058  (/lib/libc.so)'), { pc: '7f1e2215d058', rawfunc: ' ', module: '/lib/libc.so' });
  assert.equal(stackLineParts('\tTHIS_IS_A_WEIRD_LINE'), null);
});

test('inlined frames from plain perf script keep their names; --kernel marks kernel frames', () => {
  const text = 'app 1 1.0: 3 cycles:\n\tffffffff81000130 entry_SYSCALL_64+0x76 ([kernel.kallsyms])\n\t40621 std::rt::init+0x271 (inlined)\n\t40621 main+0x10 (/bin/app)\n';
  assert.deepEqual(Object.fromEntries(foldText(text, { kernel: true }).stacks), { 'app;main;std::rt::init;entry_SYSCALL_64_[k]': 3 });
});

test('flame fold --compat perl reproduces stackcollapse-perf.pl on a file (vertx, --all)', async () => {
  const r = await runFlame(['fold', '--all', '--compat', 'perl', path.join(FLAMEGRAPH, 'perf-vertx-stacks-01.txt')]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.split('\n').slice(0, -1).map((l) => l.replace(/["']/g, ''));
  assert.deepEqual(lines, expectedLines(path.join(FLAMEGRAPH, 'results', 'perf-vertx-stacks-01-collapsed-all.txt')));
});

test('flame fold reads stdin, gzip included', async () => {
  const input = readInput(path.join(INFERNO, 'go-stacks.txt'));
  const want = fs.readFileSync(path.join(INFERNO, 'results', 'go-stacks-collapsed.txt'), 'utf8');
  const plain = await runFlame(['fold'], { input });
  assert.equal(plain.exitCode, 0, plain.stderr);
  assert.equal(plain.stdout, want);
  const gz = await runFlame(['fold', '-'], { input: gzipSync(input) });
  assert.equal(gz.exitCode, 0, gz.stderr);
  assert.equal(gz.stdout, want);
});

test('flame fold reads a .gz file (example-perf-stacks)', async () => {
  const r = await runFlame(['fold', path.join(FLAMEGRAPH, 'example-perf-stacks.txt.gz')]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout, fs.readFileSync(path.join(INFERNO, 'results', 'example-perf-stacks-collapsed.txt'), 'utf8'));
});

test('flame fold warns once on stderr about a bad line and still prints the rest', async () => {
  const r = await runFlame(['fold', path.join(INFERNO, 'weird-stack-line.txt')]);
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout, 'inline-counter;main 250000\n');
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('warning:')).length, 1);
  const quiet = await runFlame(['fold', '-q', path.join(INFERNO, 'weird-stack-line.txt')]);
  assert.equal(quiet.stderr, '');
});

test('flame fold: bad flags exit 2, missing or corrupt input exit 1, --help lists the options', async () => {
  const bad = await runFlame(['fold', '--frobnicate']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /frobnicate.*flame fold --help/s);
  const compat = await runFlame(['fold', '--compat', 'python']);
  assert.equal(compat.exitCode, 2);
  assert.match(compat.stderr, /--compat takes inferno or perl/);
  const missing = await runFlame(['fold', '/nonexistent/perf.txt']);
  assert.equal(missing.exitCode, 1);
  assert.match(missing.stderr, /cannot read \/nonexistent\/perf.txt: no such file/);
  const corrupt = await runFlame(['fold'], { input: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]) });
  assert.equal(corrupt.exitCode, 1);
  assert.match(corrupt.stderr, /cannot read stdin/);
  const help = await runFlame(['fold', '--help']);
  assert.equal(help.exitCode, 0);
  for (const flag of ['--pid', '--tid', '--kernel', '--jit', '--all', '--addrs', '--event-filter', '--skip-after', '--compat']) assert.ok(help.stdout.includes(flag), flag);
});

test('foldFile on worker threads gives the single-threaded result, warnings and line numbers included', async () => {
  const files = ['perf-cycles-instructions-01.txt', 'perf-vertx-stacks-01.txt', 'perf-java-stacks-01.txt'].map((f) => path.join(FLAMEGRAPH, f));
  files.push(path.join(INFERNO, 'java-inline.txt'));
  for (const file of files) {
    for (const opts of [{}, { all: true, pid: true }, { compat: 'perl' as const }]) {
      const one = foldText(fs.readFileSync(file), opts);
      const many = await foldFile(file, opts, { threads: 3, minPartBytes: 1024 });
      assert.equal(formatFolded(many.stacks), formatFolded(one.stacks), `${path.basename(file)} ${JSON.stringify(opts)}`);
      assert.deepEqual(many.warnings, one.warnings);
      assert.equal(many.samples, one.samples);
      assert.equal(many.unit, one.unit);
    }
  }
  // A bad line in a later part is reported with its line number in the whole file.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flame-fold-'));
  const file = path.join(dir, 'bad.txt');
  const good = 'p 1 1.0: 1 cycles:\n\t1 a (/x)\n\t2 main (/x)\n\n';
  fs.writeFileSync(file, good.repeat(400) + 'p 1 1.0: 1 cycles:\n\tNOT_A_FRAME\n\n' + good.repeat(10));
  const one = foldText(fs.readFileSync(file));
  const many = await foldFile(file, {}, { threads: 2, minPartBytes: 1024 });
  assert.match(one.warnings[0]!, /line 1602:/);
  assert.deepEqual(many.warnings, one.warnings);
  assert.deepEqual([...many.stacks], [['p;main;a', 410]]);
  fs.rmSync(dir, { recursive: true });
});

test('foldFile unpacks gzip files', async () => {
  const r = await foldFile(path.join(FLAMEGRAPH, 'example-perf-stacks.txt.gz'));
  assert.equal(formatFolded(r.stacks), fs.readFileSync(path.join(INFERNO, 'results', 'example-perf-stacks-collapsed.txt'), 'utf8'));
});
