// flame-native (native/) as a program: built from the current sources and assets, its own unit
// tests, its command line and messages, its input and output edge cases (pipes, gzip, a closed
// stdout, a full disk), and the two ways in: bin/flame execs it, `node bin/flame.js` hands over.
// What it computes is held by the corpus (fold.test.ts) and the golden SVGs (golden.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PALETTES } from '../protocol/types.js';
import { FLAMEGRAPH, fold, INFERNO, NATIVE, native, readInput, warningsOf } from './corpus.js';
import { FLAME_BIN, REPO } from './helpers.js';

const LAUNCHER = path.join(REPO, 'bin', 'flame');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flame-native-'));

function run(cmd: string, args: string[], input?: Buffer | string, env?: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 30, env: { ...process.env, ...env } });
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw r.error;
  return { stdout: r.stdout, stderr: r.stderr.toString(), code: r.status };
}

test('flame-native is built, and built from the current sources and assets', () => {
  assert.ok(fs.existsSync(NATIVE), `${NATIVE} is missing: npm run build builds it (cargo must be installed)`);
  const built = fs.statSync(NATIVE).mtimeMs;
  const dirs = ['src', 'assets'].map((d) => path.join(REPO, 'native', d));
  const sources = [...dirs.flatMap((d) => fs.readdirSync(d).map((f) => path.join(d, f))), path.join(REPO, 'native', 'Cargo.toml')];
  // Compiled into it: the help texts, the flame graph's script and stylesheet.
  for (const asset of ['help-fold.txt', 'help-svg.txt', 'svg-options.txt', 'svg-script.js', 'svg-style.css']) {
    assert.ok(sources.includes(path.join(REPO, 'native', 'assets', asset)), asset);
  }
  for (const s of sources) assert.ok(fs.statSync(s).mtimeMs <= built, `${path.relative(REPO, s)} is newer than the binary: run npm run build`);
});

test("flame-native's own unit tests pass (cargo test)", () => {
  const r = spawnSync('cargo', ['test', '--release', '--quiet', '--manifest-path', path.join(REPO, 'native', 'Cargo.toml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});

test('a native build that cannot happen or fails is an install error that gives the cargo command', () => {
  const build = path.join(REPO, 'native', 'build.mjs');
  const noCargo = spawnSync(process.execPath, [build], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
  assert.equal(noCargo.status, 1);
  assert.match(noCargo.stderr, /cargo was not found on the PATH.*install Rust.*run `cargo build --release --manifest-path .*native\/Cargo\.toml`/s);
  // A failing build, in a target directory of its own so that the real binary is not touched.
  const failed = spawnSync(process.execPath, [build], {
    encoding: 'utf8',
    env: { ...process.env, CARGO_TARGET_DIR: path.join(tmp, 'target'), RUSTFLAGS: '-C no-such-option' },
  });
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /building native\/ failed \(cargo exited with \d+; its errors are above\).*cargo build --release/s);
});

test('fold: mistakes on the command line exit 2 with a message that names them; --help lists every option', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--frobnicate'], /^error: unknown option '--frobnicate' for flame fold; run `flame fold --help` for the options/],
    [['-x'], /^error: unknown option '-x' for flame fold; run `flame fold --help`/],
    [['-qx'], /^error: unknown option '-x'/],
    [['--compat', 'python'], /^error: --compat takes inferno or perl, not 'python'$/m],
    [['-n', '0'], /^error: --nthreads takes a whole number of at least 1, not '0'$/m],
    [['--nthreads', 'x'], /^error: --nthreads takes a whole number of at least 1, not 'x'$/m],
    [['--nthreads'], /^error: --nthreads needs a value; run `flame fold --help` for the options$/m],
    [['--event-filter'], /^error: --event-filter needs a value/],
    [['--pid=yes'], /^error: --pid takes no value; run `flame fold --help`/],
    [['a', 'b'], /^error: flame fold reads one input \(a file or -\); run it once per file$/m],
  ];
  for (const [args, want] of cases) {
    const r = native(['fold', ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, want, args.join(' '));
  }
  const help = native(['fold', '--help']);
  assert.equal(help.code, 0);
  assert.equal(help.stdout.toString(), fs.readFileSync(path.join(REPO, 'native', 'assets', 'help-fold.txt'), 'utf8'));
  for (const flag of ['--pid', '--tid', '--kernel', '--jit', '--all', '--addrs', '--event-filter', '--skip-after', '--compat', '--nthreads', '--quiet'])
    assert.ok(help.stdout.includes(flag), flag);
  // A value may start with a dash; `--` ends the options.
  assert.equal(native(['fold', '--event-filter', '-x'], '').code, 0);
  assert.equal(native(['fold', '-q', '--', '-'], '').code, 0);
});

test('svg: mistakes on the command line exit 2 with a message that names them; --help lists every option and palette', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--bogus'], /^error: unknown option '--bogus' for flame svg; run `flame svg --help` for the options/],
    [['--palette', 'neon'], /^error: --palette takes one of hot, mem, .*, not 'neon'$/m],
    [['--min-width', 'wide'], /^error: --min-width takes a number of at least 0, not 'wide'$/m],
    [['--image-width', '20'], /^error: --image-width takes a whole number of at least 21, not '20'$/m],
    [['--image-width', '30.5'], /^error: --image-width takes a whole number/],
    [['--font-width', '0'], /^error: --font-width takes a number above 0, not '0'$/m],
    [['--frame-height', ''], /^error: --frame-height takes a whole number of at least 1, not ''$/m],
    [['--font-size', 'NaN'], /^error: --font-size takes a number of at least 1, not 'NaN'$/m],
    [['--width', 'inf'], /^error: --image-width takes a whole number/],
    [['--max-frames', '0'], /^error: --max-frames takes a whole number of at least 1/],
    [['--title'], /^error: --title needs a value/],
  ];
  for (const [args, want] of cases) {
    const r = native(['svg', ...args], 'a;b 1\n');
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, want, args.join(' '));
  }
  const help = native(['svg', '--help']).stdout.toString();
  assert.ok(help.includes(fs.readFileSync(path.join(REPO, 'native', 'assets', 'svg-options.txt'), 'utf8')), 'the flags flame record shares');
  assert.doesNotMatch(help, /%SVG_OPTIONS%/);
  for (const flag of ['--title', '--palette', '--hash', '--flamechart', '--font-type', '--search-color', '--max-frames']) assert.ok(help.includes(flag), flag);
  // One list of palettes: the wire type's (profile/export) is the one flame-native takes.
  const listed = /--palette NAME[^:]*: ([a-z,\s]+);/
    .exec(help)![1]!
    .split(/,\s*/)
    .map((s) => s.trim());
  assert.deepEqual(listed, [...PALETTES]);
  for (const p of PALETTES) assert.equal(native(['svg', '--hash', '--palette', p], 'a;b 1\n').code, 0, p);
  // The aliases and a trailing % on --min-width.
  assert.equal(native(['svg', '--minwidth', '0.5%', '-c', 'rust', '--fontsize=10'], 'a;b 1\n').code, 0);
});

test('fold: stdin, gzip on stdin and in a file, and the input errors, each with its exit code', () => {
  const go = readInput(path.join(INFERNO, 'go-stacks.txt'));
  const want = fs.readFileSync(path.join(INFERNO, 'results', 'go-stacks-collapsed.txt'), 'utf8');
  assert.equal(native(['fold'], go).stdout.toString(), want);
  assert.equal(native(['fold', '-'], gzipSync(go)).stdout.toString(), want);
  assert.equal(
    native(['fold', path.join(FLAMEGRAPH, 'example-perf-stacks.txt.gz')]).stdout.toString(),
    fs.readFileSync(path.join(INFERNO, 'results', 'example-perf-stacks-collapsed.txt'), 'utf8'),
  );
  const empty = native(['fold'], Buffer.alloc(0));
  assert.deepEqual([empty.code, empty.stdout.length], [0, 0]);
  const corrupt = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]);
  const c1 = native(['fold'], corrupt);
  assert.equal(c1.code, 1);
  assert.match(c1.stderr, /^error: cannot read stdin: not valid gzip$/m);
  const file = path.join(tmp, 'corrupt.gz');
  fs.writeFileSync(file, corrupt);
  assert.match(native(['fold', file]).stderr, new RegExp(`^error: cannot read ${file}: not valid gzip$`, 'm'));
  const missing = native(['fold', '/nonexistent/perf.txt']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: cannot read \/nonexistent\/perf.txt: no such file$/m);
  assert.match(native(['fold', tmp]).stderr, /cannot read .*: it is a directory/);
  const t1 = path.join(tmp, 't1.txt');
  fs.writeFileSync(t1, 'a 1/2 3.0: 10 cycles:\n\t1234 foo+0x1 (/lib/a.so)\n\t5678 main (/bin/x)\n');
  assert.match(native(['fold', `${t1}/x`]).stderr, /: a part of the path is not a directory$/m);
  assert.match(native(['svg', `${t1}/x`]).stderr, /: a part of the path is not a directory$/m);
  // Arguments that are not UTF-8 are read with U+FFFD, and do not stop the run.
  assert.equal(native(['fold', '--event-filter', Buffer.from([0xff]).toString('latin1'), t1]).code, 0);
});

test('svg: odd input: gzip is not unpacked, huge counts and cut characters are malformed, the first bad line is cut whole', () => {
  // svg does not unpack gzip (a gzip file is malformed folded text), fold does.
  const gz = path.join(tmp, 'f.folded.gz');
  fs.writeFileSync(gz, gzipSync('a;b 1\n'));
  const g = native(['svg', '--hash', gz]);
  assert.equal(g.code, 1);
  assert.match(g.stderr, /No stack counts found/);
  // A count too big for a double is as malformed as a missing one.
  const big = native(['svg', '--hash'], `a;b ${'9'.repeat(400)}\nc 1\n`);
  assert.equal(big.code, 0);
  assert.match(warningsOf(big.stderr)[0]!, /^skipped 1 malformed line/);
  // The first malformed line is cut at 200 UTF-16 units, not inside a surrogate pair.
  const cut = native(['svg', '--hash'], `${'x'.repeat(199)}\u{1F600}yyy\na 1\n`);
  assert.equal(warningsOf(cut.stderr)[0], `skipped 1 malformed line (want "frame;frame COUNT"), the first: "${'x'.repeat(199)}…"`);
  // A character cut at the end of one input does not join the next: both halves become U+FFFD.
  const f1 = path.join(tmp, 'f1');
  const f2 = path.join(tmp, 'f2');
  fs.writeFileSync(f1, Buffer.from('a;b\xc3', 'latin1'));
  fs.writeFileSync(f2, Buffer.from('\xa9 1\nc 2\n', 'latin1'));
  const two = native(['svg', '--hash', f1, f2]);
  assert.equal(warningsOf(two.stderr)[0], 'skipped 1 malformed line (want "frame;frame COUNT"), the first: "a;b\ufffd"');
  assert.match(two.stdout.toString(), /total_samples="3"/);
  // A non-ASCII event name in the warning about other events.
  assert.match(fold('p 1 1.0: 1 cycl\u00e9s:\n\t1 f (/m)\n\np 1 1.0: 1 cycles:\n\t1 g (/m)\n\n').warnings[0]!, /cycl\u00e9s/);
});

test('svg --max-frames: past the limit nothing is drawn, exit 3, and the count and depth are said', () => {
  const deep = Array.from({ length: 50 }, (_, i) => `f${i}`).join(';');
  const r = native(['svg', '--max-frames', '20'], `${deep} 3\nmain;work 5\n`);
  assert.equal(r.code, 3);
  assert.equal(r.stdout.length, 0);
  assert.equal(r.stderr, 'error: the flame graph would draw 53 frames, up to 50 deep, more than --max-frames 20; no SVG was written\n');
  assert.equal(native(['svg', '--max-frames', '53'], `${deep} 3\nmain;work 5\n`).code, 0);
  // min-width leaves frames out of the drawing, and so out of the count.
  const wide = `${Array.from({ length: 1000 }, (_, i) => `main;leaf${i} 1`).join('\n')}\nmain;hot 1000000\n`;
  assert.equal(native(['svg', '--max-frames', '3', '--min-width', '1'], wide).code, 0);
  assert.match(native(['svg', '--max-frames', '3', '--min-width', '0'], wide).stderr, /would draw 1003 frames, up to 2 deep/);
});

test('--stdin-args: the arguments come first on stdin, NUL-terminated, an empty one ending them', () => {
  assert.ok(native(['svg', '--stdin-args'], '--hash\0--title=ab\0\0x;y 1\n').stdout.equals(native(['svg', '--hash', '--title=ab'], 'x;y 1\n').stdout));
  // Options checked as on the command line; a stdin that ends early is a usage error.
  assert.match(native(['svg', '--stdin-args'], '--palette=neon\0\0').stderr, /--palette takes one of/);
  const cut = native(['svg', '--stdin-args'], '--hash\0');
  assert.equal(cut.code, 2);
  assert.match(cut.stderr, /stdin ended before the empty argument/);
});

test('bin/flame execs flame-native for fold and svg, Node for the rest, through a symlink too; without the build it says what to run', () => {
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
  const version = run(link, ['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout.toString(), /^flame \d/);
  // A copy of the launcher with no native/ beside it.
  const lonely = path.join(tmp, 'lonely', 'bin');
  fs.mkdirSync(lonely, { recursive: true });
  fs.copyFileSync(LAUNCHER, path.join(lonely, 'flame'));
  fs.chmodSync(path.join(lonely, 'flame'), 0o755);
  const none = run(path.join(lonely, 'flame'), ['fold'], '', noNode);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /flame-native is not built .*run npm run build/);
});

test('node bin/flame.js fold and svg hand over to flame-native: the same bytes, messages and exit codes', () => {
  const input = readInput(path.join(INFERNO, 'java-inline.txt'));
  const folded = fold(input).text;
  for (const [args, stdin] of [
    [['fold', '--all'], input],
    [['svg', '--hash', '--title', 'j'], folded],
    [['svg'], ''],
    [['svg', '--bogus'], ''],
    [['fold', '/nonexistent'], ''],
  ] as Array<[string[], Buffer | string]>) {
    const n = native(args, stdin);
    const viaNode = run(process.execPath, [FLAME_BIN, ...args], stdin);
    assert.equal(viaNode.code, n.code, args.join(' '));
    assert.equal(viaNode.stderr, n.stderr, args.join(' '));
    assert.ok(viaNode.stdout.equals(n.stdout), args.join(' '));
  }
});

test('edge cases: pipes, a directory on stdin, a closed stdout, a full disk, through bin/flame and node alike', () => {
  const input = path.join(FLAMEGRAPH, 'perf-vertx-stacks-01.txt');
  const both: Array<[string, string]> = [
    ['native', NATIVE],
    ['node', `${process.execPath} ${FLAME_BIN}`],
  ];
  const sh = (cmd: string) => spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });
  // Folded stacks whose SVG is about 70 KB: more than a pipe holds, written in a few pieces.
  fs.writeFileSync(path.join(tmp, 'svg70.folded'), Array.from({ length: 330 }, (_, i) => `main;work;step_${i} ${i + 1}\n`).join(''));
  const want = fold(fs.readFileSync(input)).text;
  for (const [who, bin] of both) {
    // A pipe as the input file: read as a stream (it has no size to split by).
    assert.equal(sh(`${bin} fold <(cat ${input})`).stdout, want, who);
    // gzip through a pipe as the input file.
    assert.equal(sh(`gzip -c ${input} > ${tmp}/in.gz; ${bin} fold <(cat ${tmp}/in.gz)`).stdout, want, who);
    // A reader that stops early: no error, exit 0.
    assert.equal(sh(`set -o pipefail; ${bin} fold ${input} | head -c 10 >/dev/null; echo "rc=$?"`).stdout.trim(), 'rc=0', who);
    // The reader leaves while the last pieces are still queued: no crash, exit 0 (three tries).
    const late = [1, 2, 3].map(() =>
      sh(`${bin} svg --hash ${tmp}/svg70.folded 2>&1 | (sleep 0.4; exec 0<&-; sleep 0.3); echo "rc=\${PIPESTATUS[0]}"`).stdout.trim(),
    );
    assert.deepEqual(late, ['rc=0', 'rc=0', 'rc=0'], who);
    // A full disk: a clear error, exit 1.
    const full = sh(`${bin} fold ${input} >/dev/full; echo "rc=$?"`);
    assert.match(full.stdout, /rc=1/, who);
    assert.match(full.stderr, /^error: cannot write the output: no space left on device$/m, who);
    // stdin is a directory: an error, not an empty input.
    const dir = sh(`${bin} fold < ${tmp}; echo "rc=$?"`);
    assert.match(dir.stdout, /rc=1/, who);
    assert.match(dir.stderr, /^error: cannot read stdin: it is a directory$/m, who);
    const dirSvg = sh(`${bin} svg < ${tmp} >/dev/null; echo "rc=$?"`);
    assert.match(dirSvg.stdout, /rc=1/, who);
    assert.match(dirSvg.stderr, /cannot read stdin: it is a directory/, who);
  }
});

test('a split fold names the first 8 other events, as one folder does', () => {
  // 16 event types over a file big enough to be cut in two: the list must not depend on the cut.
  const lines: string[] = [];
  for (let i = 0; i < 16; i++) lines.push(`p 1 1.0: 1 ev${i}:\n\t1 f (/m)\n\n`);
  const first = 'p 1 1.0: 1 cycles:\n\t1 f (/m)\n\n';
  const filler = first.repeat(Math.ceil((9 << 20) / first.length));
  const file = path.join(tmp, 'events.txt');
  fs.writeFileSync(file, first + lines.slice(0, 8).join('') + filler + filler + lines.slice(8).join(''));
  const one = warningsOf(native(['fold', '-n', '1', file]).stderr);
  assert.match(one[0]!, /'ev0', .*'ev7';/);
  assert.doesNotMatch(one[0]!, /ev8/);
  for (const n of ['2', '3']) assert.deepEqual(warningsOf(native(['fold', '-n', n, file]).stderr), one, `-n ${n}`);
});
