// daemon/symbolize*.ts with real binaries, the real llvm-symbolizer and addr2line, and a real
// perf recording whose per-line counts must equal perf report's own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, hotspotsCopy } from './helpers.js';
import { readElfInfo, vaddrToFileOffset } from '../engine/symbols/elf.js';
import { isFlameError, ErrorCodes } from '../common/errors.js';
import { Symbolizer, cleanName, type SourceFrame } from '../engine/symbols/symbolize.js';
import { cacheKeyFor, decodeCache, encodeCache } from '../engine/symbols/cache.js';
import { Addr2lineParser, findTool, parseLlvmJsonLine, runTool } from '../engine/symbols/tool.js';

const HOTSPOTS = path.join(FIXTURES, 'hotspots');
const LIB_RS = path.join(HOTSPOTS, 'src', 'lib.rs');
const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
let tmp: string;
let bin: string;
/** Every byte offset of hotspots::hash_chain, as perf would print it. */
let hashChain: number[];
/** The leaf offset of each user-space sample in the fixture binary, from perf script. */
let leaves: number[];
/** perf report's sample count per src/lib.rs line. */
let reportCounts: Map<number, number>;

function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The 1-based line range of `fn name` in lib.rs, from its signature to its closing brace. */
function fnLines(name: string): [number, number] {
  const lines = readFileSync(LIB_RS, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.includes(`fn ${name}(`));
  const end = lines.findIndex((l, i) => i > start && l === '}');
  return [start + 1, end + 1];
}

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'flame-sym-'));
  bin = hotspotsCopy(tmp);
  const info = await readElfInfo(bin);
  const m = /^([0-9a-f]+) ([0-9a-f]+) T _ZN8hotspots10hash_chain/m.exec(sh('nm', ['-S', bin]));
  assert.ok(m, 'nm lists hotspots::hash_chain');
  const start = vaddrToFileOffset(info, parseInt(m[1], 16))!;
  hashChain = Array.from({ length: parseInt(m[2], 16) }, (_, i) => start + i);

  const data = path.join(tmp, 'perf.data');
  sh('perf', ['record', '-q', '-F', '997', '--call-graph', 'dwarf,64000', '-o', data, bin], tmp);
  leaves = [];
  let first = false;
  for (const line of sh('perf', ['script', '--no-inline', '-i', data]).split('\n')) {
    if (line !== '' && !/^\s/.test(line)) first = true;
    else if (first && line.trim() !== '') {
      first = false;
      const f = /^\s+([0-9a-f]+) .* \((.*)\)$/.exec(line);
      if (f && f[2] === bin) leaves.push(parseInt(f[1], 16));
    }
  }
  reportCounts = new Map();
  const report = sh('perf', ['report', '-i', data, '--no-children', '--sort', 'srcline', '-g', 'none', '--full-source-path', '--stdio', '-n']);
  for (const line of report.split('\n')) {
    const r = /^\s+[\d.]+%\s+(\d+)\s+(.*):(\d+)\s*$/.exec(line);
    if (r && r[2] === LIB_RS) reportCounts.set(Number(r[3]), Number(r[1]));
  }
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('hash_chain resolves to inline chains with hotspots::mix innermost, lines inside mix', async () => {
  const s = new Symbolizer();
  const res = await s.resolve(bin, hashChain);
  const [mixFrom, mixTo] = fnLines('mix');
  const [chainFrom, chainTo] = fnLines('hash_chain');
  const withMix = [...res.values()].filter((chain) => chain[0].name === 'hotspots::mix');
  assert.ok(withMix.length > 0, 'some instruction of hash_chain is inlined mix');
  // Line 0 ("no particular line") comes with whatever file the line table had; skip those.
  for (const chain of withMix.filter((c) => c[0].line !== 0)) {
    assert.equal(chain[0].file, LIB_RS);
    assert.ok(chain[0].line! >= mixFrom && chain[0].line! <= mixTo, `mix line ${chain[0].line} in ${mixFrom}..${mixTo}`);
    const outer = chain[chain.length - 1];
    assert.equal(outer.name, 'hotspots::hash_chain');
    assert.ok(outer.line! >= chainFrom && outer.line! <= chainTo);
  }
  for (const chain of res.values()) assert.equal(chain[chain.length - 1].name, 'hotspots::hash_chain');
  assert.equal(s.stats.spawned, 1);
  assert.equal(s.stats.sent, hashChain.length);
  await s.close();
});

test('innermost lines of the leaf frames reproduce perf report --sort srcline for src/lib.rs', async () => {
  assert.ok(leaves.length > 100, `enough samples (${leaves.length})`);
  assert.ok(reportCounts.size > 0, 'perf report lists src/lib.rs lines');
  const res = await new Symbolizer().resolve(bin, leaves);
  assert.deepEqual(countLibLines(res), reportCounts);
});

test('addr2line gives the same innermost lines as llvm-symbolizer', async () => {
  const s = new Symbolizer({ tool: 'addr2line' });
  const res = await s.resolve(bin, leaves);
  assert.deepEqual(countLibLines(res), reportCounts);
  const llvm = await new Symbolizer({ tool: 'llvm-symbolizer' }).resolve(bin, leaves);
  const innermost = (m: Map<number, SourceFrame[]>): string[] => [...m].map(([o, c]) => `${o}:${c[0].name}:${c[0].file}:${c[0].line}`).sort();
  assert.deepEqual(innermost(res), innermost(llvm));
});

test('a second Symbolizer with the same cacheDir answers from disk without spawning', async () => {
  const cacheDir = path.join(tmp, 'cache');
  const offsets = [...leaves, ...hashChain];
  const progress: [number, number][] = [];
  const first = new Symbolizer({ cacheDir, onProgress: (d, t) => progress.push([d, t]) });
  const a = await first.resolve(bin, offsets);
  await first.close();
  assert.equal(first.stats.spawned, 1);
  const unique = new Set(offsets).size;
  assert.deepEqual(progress.at(-1), [unique, unique]);
  const info = await readElfInfo(bin);
  assert.deepEqual(readdirSync(cacheDir), [`${info.buildId}.json`]);

  const second = new Symbolizer({ cacheDir });
  const b = await second.resolve(bin, offsets);
  assert.deepEqual(b, a);
  assert.equal(second.stats.spawned, 0);
  assert.equal(second.stats.cached, unique);

  // Only the new addresses go to the tool.
  const extra = hashChain.map((o) => o + hashChain.length);
  const more = await second.resolve(bin, [...offsets, ...extra]);
  assert.equal(second.stats.spawned, 1);
  const seen = new Set(offsets);
  assert.equal(second.stats.sent, new Set(extra.filter((o) => !seen.has(o))).size);
  assert.ok(more.size > a.size);
});

test('kept-alive symbolizers sharing a signal leave no abort listener behind', async () => {
  const signal = new AbortController().signal;
  for (let i = 0; i < 3; i++) {
    const s = new Symbolizer({ keepAlive: true, signal });
    await s.resolve(bin, leaves);
    await s.resolve(LIBC, [0x1000]);
    assert.ok(getEventListeners(signal, 'abort').length <= 1, 'one listener per symbolizer, not per session');
    await s.close();
    assert.equal(getEventListeners(signal, 'abort').length, 0);
  }
});

test('a binary without build-id is cached by path, size and mtime', async () => {
  const noId = path.join(tmp, 'hotspots-noid');
  sh('objcopy', ['--remove-section', '.note.gnu.build-id', bin, noId]);
  const info = await readElfInfo(noId);
  assert.equal(info.buildId, undefined);
  const key = cacheKeyFor(info);
  assert.match(key, /^path-[0-9a-f]{40}$/);
  const cacheDir = path.join(tmp, 'cache-noid');
  const res = await new Symbolizer({ cacheDir }).resolve(noId, hashChain);
  assert.ok(res.size > 0);
  assert.deepEqual(readdirSync(cacheDir), [`${key}.json`]);
  utimesSync(noId, new Date(), new Date(Date.now() + 10_000));
  assert.notEqual(cacheKeyFor(await readElfInfo(noId)), key);
});

test('a stripped binary gives symbol-table names without lines', async () => {
  const stripped = path.join(tmp, 'hotspots-nodebug');
  sh('strip', ['--strip-debug', '-o', stripped, bin]);
  const res = await new Symbolizer().resolve(stripped, hashChain.slice(0, 8));
  assert.equal(res.size, 8);
  for (const chain of res.values()) assert.deepEqual(chain, [{ name: 'hotspots::hash_chain' }]);
});

test('a missing binary gives an empty map and a warning; pseudo-files stay quiet', async () => {
  const warnings: string[] = [];
  const s = new Symbolizer({ onWarning: (w) => warnings.push(w) });
  assert.deepEqual(await s.resolve(path.join(tmp, 'gone'), [0x1000, 0x2000]), new Map());
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /gone/);
  assert.deepEqual(await s.resolve('[vdso]', [0x10]), new Map());
  assert.equal(warnings.length, 1);
  assert.equal(s.stats.spawned, 0);
});

test('offsets outside every PT_LOAD are absent and never sent', async () => {
  const s = new Symbolizer();
  const res = await s.resolve(bin, [hashChain[0], 0x7fff_ffff]);
  assert.deepEqual([...res.keys()], [hashChain[0]]);
  assert.equal(s.stats.sent, 1);
});

test('binaries resolve in parallel, each through its own process', async () => {
  const s = new Symbolizer({ parallel: 2 });
  const libc = await readElfInfo(LIBC);
  const dynsym = sh('nm', ['-D', '--defined-only', LIBC]);
  const libcOffsets = ['malloc', 'free'].map((fn) =>
    vaddrToFileOffset(libc, parseInt(new RegExp(`^([0-9a-f]+) T ${fn}@@GLIBC[0-9_.]+$`, 'm').exec(dynsym)![1], 16))!,
  );
  const all = await s.resolveAll(
    new Map([
      [bin, hashChain.slice(0, 4)],
      [LIBC, libcOffsets],
    ]),
  );
  assert.equal(all.get(bin)!.size, 4);
  // Names depend on whether libc6-dbg is installed (cfree vs free), so match loosely.
  const names = libcOffsets.map((o) => all.get(LIBC)!.get(o)?.at(-1)?.name ?? '');
  assert.match(names[0], /malloc/);
  assert.match(names[1], /free/);
  assert.equal(s.stats.spawned, 2);
});

test('without llvm-symbolizer or addr2line, resolve fails with ToolMissing and install advice', async () => {
  const empty = mkdtempSync(path.join(tmp, 'path-'));
  const s = new Symbolizer({ searchPath: empty });
  await assert.rejects(
    s.resolve(bin, hashChain.slice(0, 1)),
    (err: unknown) => isFlameError(err, ErrorCodes.ToolMissing) && /apt-get install llvm/.test((err as Error).message),
  );
});

test('an aborted signal rejects with Cancelled', async () => {
  const s = new Symbolizer({ signal: AbortSignal.abort() });
  await assert.rejects(s.resolve(bin, hashChain), (err: unknown) => isFlameError(err, ErrorCodes.Cancelled));
});

test('a file the tool cannot read leaves every address unanswered (so never cached as unknown)', async () => {
  const tool = await findTool({ prefer: 'llvm-symbolizer' });
  const answers: number[] = [];
  const r = await runTool(tool, path.join(tmp, 'vanished'), [1, 2, 3], (a) => answers.push(a));
  assert.deepEqual(answers, []);
  assert.equal(r.answered, 0);
  assert.match(r.error ?? '', /No such file/);
});

test('names: hashes stripped, legacy Rust escapes decoded, C++ and plain names untouched', () => {
  const cases: [string, string][] = [
    ['hotspots::mix::h8b5351b4f618ba58', 'hotspots::mix'],
    [
      '_$LT$core..ops..range..Range$LT$T$GT$$u20$as$u20$core..iter..range..RangeIteratorImpl$GT$::spec_next::ha1d6b3f7d0a49c58',
      '<core::ops::range::Range<T> as core::iter::range::RangeIteratorImpl>::spec_next',
    ],
    ['std::rt::lang_start::_$u7b$$u7b$closure$u7d$$u7d$::h0123456789abcdef', 'std::rt::lang_start::{{closure}}'],
    ['_$LT$$RF$T$u20$as$u20$core..fmt..Debug$GT$::fmt', '<&T as core::fmt::Debug>::fmt'],
    ['<u64 as core::cmp::PartialOrd>::lt', '<u64 as core::cmp::PartialOrd>::lt'],
    ['std::vector<int, std::allocator<int> >::push_back(int const&)', 'std::vector<int, std::allocator<int> >::push_back(int const&)'],
    ['__libc_start_call_main', '__libc_start_call_main'],
    ['foo::hbad', 'foo::hbad'],
  ];
  for (const [input, want] of cases) assert.equal(cleanName(input), want, input);
});

test('tool output parsers: llvm-symbolizer JSON and addr2line records', () => {
  const json =
    '{"Address":"0x1c31a","ModuleName":"/b","Symbol":[{"Column":5,"Discriminator":0,"FileName":"/s/macros.rs","FunctionName":"hotspots::mix::h8b5351b4f618ba58","Line":12,"StartAddress":"","StartFileName":"/s/lib.rs","StartLine":9},{"Column":15,"Discriminator":0,"FileName":"/s/lib.rs","FunctionName":"hotspots::hash_chain::h7d9fa8b658ad7078","Line":20,"StartAddress":"0x1c2b0","StartFileName":"/s/lib.rs","StartLine":17}]}';
  assert.deepEqual(parseLlvmJsonLine(json), {
    vaddr: 0x1c31a,
    frames: [
      // A line of a macro expanded in mix: the line's file is the macro's, the declaration's is mix's own.
      { name: 'hotspots::mix', file: '/s/macros.rs', line: 12, column: 5, startLine: 9, startFile: '/s/lib.rs' },
      { name: 'hotspots::hash_chain', file: '/s/lib.rs', line: 20, column: 15, startLine: 17, startFile: '/s/lib.rs' },
    ],
  });
  const unknown =
    '{"Address":"0x9","ModuleName":"/b","Symbol":[{"Column":0,"Discriminator":0,"FileName":"","FunctionName":"","Line":0,"StartAddress":"","StartFileName":"","StartLine":0}]}';
  assert.deepEqual(parseLlvmJsonLine(unknown), { vaddr: 9, frames: [] });
  assert.equal(parseLlvmJsonLine('not json'), undefined);
  assert.deepEqual(parseLlvmJsonLine('{"Address":"0x1","Error":{"Message":"No such file or directory"},"ModuleName":"/x"}'), {
    vaddr: 1,
    frames: [],
    error: 'No such file or directory',
  });

  const got: [number, SourceFrame[]][] = [];
  const p = new Addr2lineParser((a, f) => got.push([a, f]));
  const text = [
    '0x000000000001c31a',
    'hotspots::mix',
    '/s/lib.rs:12',
    'hotspots::hash_chain',
    '/s/lib.rs:19 (discriminator 2)',
    '0x0000000000019e90',
    '_start',
    '??:?',
    '0x0000000000000009',
    '??',
    '??:0',
  ];
  for (const l of text) p.push(l);
  p.end();
  assert.deepEqual(got, [
    [
      0x1c31a,
      [
        { name: 'hotspots::mix', file: '/s/lib.rs', line: 12 },
        { name: 'hotspots::hash_chain', file: '/s/lib.rs', line: 19 },
      ],
    ],
    [0x19e90, [{ name: '_start' }]],
    [9, []],
  ]);
});

test('the cache format round-trips chains, including unknown lines and empty answers', () => {
  const entries = new Map<number, SourceFrame[]>([
    [
      0x1b31a,
      [
        { name: 'hotspots::mix', file: '/s/macros.rs', line: 12, column: 5, startLine: 9, startFile: '/s/lib.rs' },
        { name: 'hotspots::hash_chain', file: '/s/lib.rs', line: 0 },
      ],
    ],
    [0x18eb0, [{ name: '_start' }]],
    [0x99, []],
  ]);
  assert.deepEqual(decodeCache(encodeCache(entries)), entries);
  assert.equal(decodeCache('{"v":0,"strings":[],"entries":{}}'), undefined);
  assert.equal(decodeCache('garbage'), undefined);
});

/** Samples per src/lib.rs line, by each leaf's innermost frame. */
function countLibLines(res: Map<number, SourceFrame[]>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const leaf of leaves) {
    const inner = res.get(leaf)?.[0];
    if (inner?.file === LIB_RS) counts.set(inner.line!, (counts.get(inner.line!) ?? 0) + 1);
  }
  return counts;
}
