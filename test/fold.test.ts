// The stack folder (flame-native's fold): every case of the stackcollapse-perf.pl and inferno
// suites in the corpus (one test per input and option set found there), the naming rules,
// several threads, and the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatFolded } from '../engine/render/folded.js';
import { CORPUS, runFlame } from './helpers.js';
import { corpusCases, expectedLines, flagsOf, fold, FLAMEGRAPH, INFERNO, NATIVE, native, readInput, warningsOf } from './corpus.js';

const { cases, unexpected } = corpusCases();

test('the corpus is there and has cases from both suites', () => {
  assert.ok(
    cases.some((c) => c.input.startsWith(FLAMEGRAPH)),
    `no stackcollapse-perf.pl cases under ${FLAMEGRAPH}`,
  );
  assert.ok(
    cases.some((c) => c.input.startsWith(INFERNO)),
    `no inferno cases under ${INFERNO}`,
  );
  assert.ok(cases.length >= 80, `only ${cases.length} cases`);
});

for (const c of cases) {
  const name = `${path.relative(CORPUS, c.input)} [${c.opts.join('+') || 'default'}] matches ${path.relative(CORPUS, c.expected)}`;
  test(name, () => {
    const result = fold(readInput(c.input), flagsOf(c));
    let lines = result.text.split('\n');
    lines.pop();
    if (c.stripQuotes) lines = lines.map((l) => l.replace(/["']/g, ''));
    assert.deepEqual(lines, expectedLines(c.expected));
    assert.deepEqual(
      result.warnings.filter((w) => /malformed/.test(w)),
      [],
      'the suites hold no malformed lines',
    );
  });
}

// Inputs without an expected output hold one bad line: folding must warn once and go on.
for (const input of unexpected) {
  test(`${path.relative(CORPUS, input)} warns exactly once about its bad line and folds the rest`, () => {
    const result = fold(readInput(input));
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /1 malformed line.*line \d+/);
    assert.ok(result.stacks.size >= 1, 'the good samples are still folded');
  });
}

test('empty-line.txt: the stack after the stray blank line is the one bad line', () => {
  const result = fold(readInput(path.join(INFERNO, 'empty-line.txt')));
  assert.deepEqual([...result.stacks], [['inline-counter;main', 250000]]);
  assert.match(result.warnings[0]!, /line 6: "\\t {10}401b94 main\+0x1c/);
});

test('weird-stack-line.txt: the weird frame is dropped and its sample is not counted', () => {
  const result = fold(readInput(path.join(INFERNO, 'weird-stack-line.txt')));
  assert.deepEqual([...result.stacks], [['inline-counter;main', 250000]]);
  assert.match(result.warnings[0]!, /THIS_IS_A_WEIRD_LINE/);
});

test('a last sample without a blank line after it counts, except under compat perl', () => {
  const text = 'p 1 1.0: 1 cycles:\n\t1 a (/x)\n\np 1 1.1: 1 cycles:\n\t1 b (/x)\n';
  assert.deepEqual(Object.fromEntries(fold(text).stacks), { 'p;a': 1, 'p;b': 1 });
  assert.deepEqual(Object.fromEntries(fold(text, ['--compat', 'perl']).stacks), { 'p;a': 1 });
});

test('Java names are tidied for java* processes; under compat perl only for "java" itself', () => {
  const text = 'java 1/2 1.0: 1 cycles:\n\t1 Lio/netty/Loop;.run()V (/tmp/perf-1.map)\n\n';
  assert.deepEqual(Object.fromEntries(fold(text, ['--pid']).stacks), { 'java-1;io/netty/Loop:.run': 1 });
  assert.deepEqual(Object.fromEntries(fold(text, ['--pid', '--compat', 'perl']).stacks), { 'java-1;Lio/netty/Loop:.run': 1 });
  assert.deepEqual(Object.fromEntries(fold(text, ['--compat', 'perl']).stacks), { 'java;io/netty/Loop:.run': 1 });
});

test('input that arrives in small pieces through a pipe folds as a file does', () => {
  const file = path.join(INFERNO, 'java-inline.txt');
  const whole = fold(readInput(file)).text;
  // dd with a 1-byte output block: reads of every size, lines and samples cut anywhere.
  const piped = spawnSync('bash', ['-c', `dd if=${file} obs=1 status=none | ${NATIVE} fold`], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(piped.status, 0, piped.stderr);
  assert.equal(piped.stdout, whole);
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
  const r = fold(TWO_EVENTS);
  // Counts are the events' periods (10 and 5), not the number of samples.
  assert.deepEqual(Object.fromEntries(r.stacks), { 'prog;main;inner': 10, 'prog;main': 5 });
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, /'cycles'.*1 sample of 'instructions'/);
});

test('--event-filter picks another event, and then nothing is said about skipping', () => {
  const r = fold(TWO_EVENTS, ['--event-filter', 'instructions']);
  assert.deepEqual(Object.fromEntries(r.stacks), { 'prog;other': 7 });
  assert.deepEqual(r.warnings, []);
});

test('without periods, counts are samples; pid and tid name the root frame', () => {
  const text = 'my app 12/34 [000] 5.0: cpu-clock:\n\t1 f (/x)\n\nmy app 12/34 [000] 5.1: cpu-clock:\n\t1 f (/x)\n';
  assert.deepEqual(Object.fromEntries(fold(text).stacks), { 'my_app;f': 2 });
  assert.deepEqual(Object.fromEntries(fold(text, ['--pid']).stacks), { 'my_app-12;f': 2 });
  assert.deepEqual(Object.fromEntries(fold(text, ['--tid']).stacks), { 'my_app-12/34;f': 2 });
});

test('--skip-after drops the callers of a matching frame and the process name', () => {
  const text = 'p 1 1.0: 1 cycles:\n\t1 leaf (/x)\n\t2 run_task (/x)\n\t3 scheduler (/x)\n\t4 main (/x)\n';
  assert.deepEqual(Object.fromEntries(fold(text, ['--skip-after', 'run_task']).stacks), { 'run_task;leaf': 1 });
  assert.deepEqual(Object.fromEntries(fold(text, ['--skip-after', 'absent']).stacks), { 'p;main;scheduler;run_task;leaf': 1 });
});

test('UTF-8 names survive; invalid bytes become U+FFFD as in inferno', () => {
  const text = Buffer.concat([Buffer.from('wörker 1 1.0: 1 cycles:\n\t1 ünïcode::fn (/x)\n\t2 bad'), Buffer.from([0xff, 0xfe]), Buffer.from(' (/x)\n')]);
  assert.deepEqual(Object.fromEntries(fold(text).stacks), { 'wörker;bad\ufffd\ufffd;ünïcode::fn': 1 });
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

/** The folded name perf script's `rawfunc` (in module `module`) gets, as the only frame of a sample. */
function nameOf(rawfunc: string, module = '/bin/x', flags: string[] = []): string {
  const r = fold(`p 1 1.0: 1 cycles:\n\t1234 ${rawfunc} (${module})\n\n`, flags);
  const [stack] = [...r.stacks.keys()];
  return stack!.slice('p;'.length);
}

test('naming rules: argument lists, Go receivers, anonymous namespaces, Rust repair, kernel modules', () => {
  const tidy: [string, string][] = [
    ['go/build.(*importReader).readByte', 'go/build.(*importReader).readByte'],
    ['foo<Vec::<usize>>(Vec<usize>)', 'foo<Vec::<usize>>'],
    ['base(BasicType) const', 'base'],
    ['std::function<void (int, int)>::operator(int, int)', 'std::function<void (int, int)>::operator'],
    ['{lambda(int, int)#2}::operator()', '{lambda(int, int)#2}::operator'],
    // (A name that starts with "(" reads as perf's module in a stack line: inside one it stays.)
    ['foo::(anonymous namespace)::myBar()', 'foo::(anonymous namespace)::myBar'],
    ['a;b', 'a:b'],
  ];
  for (const [input, want] of tidy) assert.equal(nameOf(`${input}+0x10`), want, input);
  assert.equal(
    nameOf('_$LT$std..fs..ReadDir$u20$as$u20$core..iter..traits..iterator..Iterator$GT$::next::hc14f1750ca79129b+0x5'),
    '<std::fs::ReadDir as core::iter::traits::iterator::Iterator>::next',
  );
  assert.equal(nameOf('std::sys::unix::fs::File::open::hb90e1c1c787080f0'), 'std::sys::unix::fs::File::open');
  assert.equal(nameOf('plain_c_function'), 'plain_c_function');
  // Kernel modules get _[k] under --kernel; [unknown] and a name that only looks like one do not.
  for (const m of ['[kernel.kallsyms]', '/usr/lib/debug/boot/vmlinux-5.4.14-cloudflare-2020.1.11', 'nf_conntrack.ko'])
    assert.equal(nameOf('f', m, ['--kernel']), 'f_[k]', m);
  for (const m of ['[unknown]', 'vmlinux-5.4.14)']) assert.equal(nameOf('f', m, ['--kernel']), 'f', m);
  // A frame without a symbol is named by its module.
  assert.equal(nameOf('[unknown]', '/lib/libc.so'), '[libc.so]');
  // A line that is no frame at all is reported, and its sample dropped.
  const weird = fold('p 1 1.0: 1 cycles:\n\tTHIS_IS_A_WEIRD_LINE\n\n');
  assert.equal(weird.stacks.size, 0);
  assert.match(weird.warnings[0]!, /THIS_IS_A_WEIRD_LINE/);
});

test('inlined frames from plain perf script keep their names; --kernel marks kernel frames', () => {
  const text =
    'app 1 1.0: 3 cycles:\n\tffffffff81000130 entry_SYSCALL_64+0x76 ([kernel.kallsyms])\n\t40621 std::rt::init+0x271 (inlined)\n\t40621 main+0x10 (/bin/app)\n';
  assert.deepEqual(Object.fromEntries(fold(text, ['--kernel']).stacks), { 'app;main;std::rt::init;entry_SYSCALL_64_[k]': 3 });
});

test('flame fold --compat perl reproduces stackcollapse-perf.pl on a file (vertx, --all)', async () => {
  const r = await runFlame(['fold', '--all', '--compat', 'perl', path.join(FLAMEGRAPH, 'perf-vertx-stacks-01.txt')]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout
    .split('\n')
    .slice(0, -1)
    .map((l) => l.replace(/["']/g, ''));
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
  for (const flag of ['--pid', '--tid', '--kernel', '--jit', '--all', '--addrs', '--event-filter', '--skip-after', '--compat'])
    assert.ok(help.stdout.includes(flag), flag);
});

test('several threads give the single-threaded result, warnings and line numbers included', () => {
  const files = ['perf-cycles-instructions-01.txt', 'perf-vertx-stacks-01.txt', 'perf-java-stacks-01.txt'].map((f) => path.join(FLAMEGRAPH, f));
  files.push(path.join(INFERNO, 'java-inline.txt'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flame-fold-'));
  for (const file of files) {
    // Big enough to be cut in parts (at least 8 MiB each).
    const big = path.join(dir, path.basename(file));
    const text = fs.readFileSync(file);
    fs.writeFileSync(big, Buffer.concat(Array.from({ length: Math.ceil((20 << 20) / text.length) }, () => Buffer.concat([text, Buffer.from('\n')]))));
    for (const flags of [[], ['--all', '--pid'], ['--compat', 'perl']]) {
      const one = native(['fold', '-n', '1', ...flags, big]);
      const many = native(['fold', '-n', '3', ...flags, big]);
      assert.equal(many.code, 0, many.stderr);
      assert.ok(many.stdout.equals(one.stdout), `${path.basename(file)} ${flags.join(' ')}`);
      assert.deepEqual(warningsOf(many.stderr), warningsOf(one.stderr));
    }
    fs.rmSync(big);
  }
  // A bad line in a later part is reported with its line number in the whole file.
  const file = path.join(dir, 'bad.txt');
  const good = 'p 1 1.0: 1 cycles:\n\t1 a (/x)\n\t2 main (/x)\n\n';
  const copies = Math.ceil((9 << 20) / good.length);
  fs.writeFileSync(file, good.repeat(copies) + 'p 1 1.0: 1 cycles:\n\tNOT_A_FRAME\n\n' + good.repeat(10));
  for (const n of ['1', '2']) {
    const r = native(['fold', '-n', n, file]);
    assert.match(warningsOf(r.stderr)[0]!, new RegExp(`line ${copies * 4 + 2}:`), `-n ${n}`);
    assert.equal(r.stdout.toString(), `p;main;a ${copies + 10}\n`);
  }
  fs.rmSync(dir, { recursive: true });
});
