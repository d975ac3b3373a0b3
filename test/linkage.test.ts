// Linkage names (engine/symbols/linkage.ts): the function symbols of a real binary as readelf
// lists them, and which mangled name is the one of a demangled name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readElfInfo } from '../engine/symbols/elf.js';
import { demangleLegacyPath, linkageName, readFunctionSymbols, symbolsAt } from '../engine/symbols/linkage.js';
import { hotspotsCopy } from './helpers.js';

let tmp: string;
let bin: string;

before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'flame-linkage-'));
  bin = hotspotsCopy(tmp);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('demangleLegacyPath: legacy Rust paths as perf prints them; anything else is no path', () => {
  const cases: Array<[string, string | undefined]> = [
    ['_ZN8hotspots10hash_chain17h7d9fa8b658ad7078E', 'hotspots::hash_chain'],
    ['_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h63195c66b6f1fa2bE.llvm.8080554567431460494', 'std::rt::lang_start::{{closure}}'],
    [
      '_ZN71_$LT$core..hash..sip..Hasher$LT$S$GT$$u20$as$u20$core..hash..Hasher$GT$5write17hd2623e88f2299ac4E',
      '<core::hash::sip::Hasher<S> as core::hash::Hasher>::write',
    ],
    ['_ZN3foo3barE', 'foo::bar'],
    // C++ with parameters, v0 Rust, C, and broken lengths are not legacy paths.
    ['_ZN3foo3barEv', undefined],
    ['_RNvCs1234_8hotspots4main', undefined],
    ['main', undefined],
    ['_ZN99fooE', undefined],
    ['_ZNE', undefined],
  ];
  for (const [sym, want] of cases) assert.equal(demangleLegacyPath(sym), want, sym);
});

test('linkageName: the symbol that is the name mangled, or the name itself for C', () => {
  const at = ['_ZN8hotspots10hash_chain17h7d9fa8b658ad7078E', 'hash_chain_alias'];
  assert.equal(linkageName(at, 'hotspots::hash_chain'), '_ZN8hotspots10hash_chain17h7d9fa8b658ad7078E');
  assert.equal(linkageName(['memcpy'], 'memcpy'), 'memcpy');
  // perf named the address after another symbol than the table holds there: no system name.
  assert.equal(linkageName(at, 'hotspots::mix'), undefined);
  assert.equal(linkageName(['_RNvCs1234_8hotspots4main'], 'hotspots::main'), undefined);
  assert.equal(linkageName([], 'main'), undefined);
});

test("readFunctionSymbols: every FUNC of the fixture's .symtab as readelf lists it, found by any address inside it", async () => {
  const syms = await readFunctionSymbols(await readElfInfo(bin));
  const out = execFileSync('readelf', ['-sW', '--wide', bin], { encoding: 'utf8', maxBuffer: 64 << 20 });
  // Only the .symtab part: readelf prints .dynsym first.
  const symtab = out.slice(out.indexOf("Symbol table '.symtab'"));
  let checked = 0;
  for (const line of symtab.split('\n')) {
    const m = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(?:FUNC|IFUNC)\s+\S+\s+\S+\s+(\d+)\s+(\S+)/.exec(line);
    if (!m || Number.parseInt(m[1]!, 16) === 0) continue;
    const start = Number.parseInt(m[1]!, 16);
    const size = Number(m[2]);
    const name = m[4]!.replace(/@.*$/, '');
    assert.ok(symbolsAt(syms, start).includes(name), `${name} at 0x${start.toString(16)}`);
    if (size > 1) assert.ok(symbolsAt(syms, start + size - 1).includes(name), `${name} at its last byte`);
    if (size > 0) assert.ok(!symbolsAt(syms, start + size).includes(name), `${name} ends at 0x${(start + size).toString(16)}`);
    checked++;
  }
  assert.ok(checked > 100, `${checked} functions checked`);
  assert.equal(syms.starts.length, checked);
  const chain = symbolsAt(syms, syms.starts[0]! - 1);
  assert.deepEqual(chain, [], 'nothing below the first function');
});
