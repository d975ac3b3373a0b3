// Accuracy against perf itself: on one perf.data, flame's per-function and per-line counts
// equal what `perf report` counts.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildHotspots, perfRecordTo, runCmd, runFlame, scratch } from './helpers.js';

let perfData: string;
let cacheDir: string;

before(async () => {
  const dir = scratch('flame-parity-');
  perfData = path.join(dir, 'perf.data');
  cacheDir = path.join(dir, 'cache');
  const bin = await buildHotspots();
  await perfRecordTo(perfData, [bin]);
});

/** Rows of `perf report --stdio -n`: [samples, key] for each data line. */
async function perfReport(sort: string, extra: string[] = []): Promise<Array<[number, string]>> {
  const r = await runCmd('perf', ['report', '-i', perfData, '--no-children', '--sort', sort, '-g', 'none', '--stdio', '-n', ...extra]);
  assert.equal(r.exitCode, 0, r.stderr);
  const rows: Array<[number, string]> = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s+[\d.]+%\s+(\d+)\s+(.*?)\s*$/.exec(line);
    if (m) rows.push([Number(m[1]), m[2]!]);
  }
  assert.ok(rows.length > 0, `perf report printed no rows:\n${r.stdout}`);
  return rows;
}

test('flame top --no-inline counts every function exactly as perf report --sort sym', async () => {
  const perf = new Map<string, number>();
  let perfUnknown = 0;
  for (const [n, key] of await perfReport('sym')) {
    // flame names a function without the ELF symbol version perf shows (cfree@GLIBC_2.2.5).
    const name = key.replace(/^\[[.kgHu]\]\s+/, '').replace(/(?<=[^@])@@?(?!plt$)[A-Za-z_][\w.]*$/, '');
    // perf names an unresolved address by itself (0x...); flame names it by its binary, [libfoo.so].
    if (/^0x[0-9a-f]+$/.test(name)) perfUnknown += n;
    else perf.set(name, (perf.get(name) ?? 0) + n);
  }
  const r = await runFlame(['top', '--perf-data', perfData, '--no-inline', '--limit', '0', '--json'], { env: { FLAME_CACHE_DIR: cacheDir } });
  assert.equal(r.exitCode, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { samples: number; unit: string; functions: Array<{ name: string; self: number }> };
  assert.equal(out.unit, 'samples');
  const ours = new Map<string, number>();
  let ourUnknown = 0;
  for (const f of out.functions) {
    if (f.self === 0) continue;
    if (/^\[.*\]$/.test(f.name)) ourUnknown += f.self;
    else ours.set(f.name, f.self);
  }
  assert.deepEqual(Object.fromEntries([...ours].sort()), Object.fromEntries([...perf].sort()));
  assert.equal(ourUnknown, perfUnknown);
  const total = [...perf.values()].reduce((a, b) => a + b, 0) + perfUnknown;
  assert.equal(out.samples, total);
  // The fixture's hot loop is where most samples are.
  assert.ok((ours.get('hotspots::hash_chain') ?? 0) > total / 2);
});

test('flame lines counts every source line exactly as perf report --sort srcline', async () => {
  const perf = new Map<string, number>();
  // flame names the standard library's files by the local rust-src copy where it has them.
  const vv = (await runCmd('rustc', ['-vV'])).stdout;
  const hash = /^commit-hash: (\w+)$/m.exec(vv)?.[1];
  const src = path.join((await runCmd('rustc', ['--print', 'sysroot'])).stdout.trim(), 'lib', 'rustlib', 'src', 'rust');
  const local = (key: string): string => {
    const m = /^\/rustc\/(\w+)\/(.*):(\d+)$/.exec(key);
    return m && m[1] === hash && existsSync(path.join(src, m[2]!)) ? `${path.join(src, m[2]!)}:${m[3]}` : key;
  };
  for (const [n, key] of await perfReport('srcline', ['--full-source-path'])) {
    if (/^\/.*:\d+$/.test(key)) perf.set(local(key), (perf.get(local(key)) ?? 0) + n);
  }
  const r = await runFlame(['lines', '--perf-data', perfData, '--limit', '0', '--json'], { env: { FLAME_CACHE_DIR: cacheDir } });
  assert.equal(r.exitCode, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { lines: Array<{ file: string; line: number; self: number; total: number }> };
  const ours = new Map<string, number>();
  // The same rows on both sides: perf's keys are kept only with absolute paths (above), so a
  // sample in a system library whose DWARF names a relative path (libc's ./libio/genops.c) is
  // left out of ours too, rather than failing the comparison whenever one lands there.
  for (const l of out.lines) if (l.self > 0 && /^\/.*:\d+$/.test(`${l.file}:${l.line}`)) ours.set(`${l.file}:${l.line}`, l.self);
  assert.deepEqual(Object.fromEntries([...ours].sort()), Object.fromEntries([...perf].sort()));
  // The inlined helper's lines carry self samples of their own, and totals are at least self.
  assert.ok([...ours.keys()].some((k) => k.endsWith('src/lib.rs:12') || k.endsWith('src/lib.rs:10')));
  for (const l of out.lines) assert.ok(l.total >= l.self);
});

test('with inline frames, the inlined helper gets the self samples of its lines', async () => {
  const r = await runFlame(['top', '--perf-data', perfData, '--limit', '0', '--json'], { env: { FLAME_CACHE_DIR: cacheDir } });
  assert.equal(r.exitCode, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { functions: Array<{ name: string; self: number; total: number; file?: string }> };
  const mix = out.functions.find((f) => f.name === 'hotspots::mix');
  const chain = out.functions.find((f) => f.name === 'hotspots::hash_chain');
  assert.ok(mix && mix.self > 0, 'hotspots::mix, inlined into hash_chain, has self samples');
  assert.ok(chain && chain.total >= mix.total, 'hash_chain is on the stack of every mix sample');
  assert.match(mix.file ?? '', /hotspots\/src\/lib\.rs$/);
});
