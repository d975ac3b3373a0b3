// daemon/elf.ts against readelf's view of real binaries: the hotspots fixture, a stripped copy,
// a split-debug copy, the system libc, and hand-made headers for what must be rejected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hotspotsCopy } from './helpers.js';
import { fileOffsetToVaddr, findBuildId, findDebugFile, hasDebugInfo, readElfInfo, vaddrToFileOffset, PF_X } from '../engine/symbols/elf.js';
import { isFlameError, ErrorCodes } from '../common/errors.js';
import { debugInfoWarning } from '../engine/cargo/debuginfo.js';

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
let tmp: string;
let bin: string;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
}

interface ReadelfLoad {
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  flags: string;
  align: number;
}

function readelfLoads(file: string): ReadelfLoad[] {
  const out: ReadelfLoad[] = [];
  for (const line of sh('readelf', ['-lW', file]).split('\n')) {
    const m = /^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+([RWE ]+?)\s+0x([0-9a-f]+)$/.exec(line);
    if (m)
      out.push({
        offset: parseInt(m[1], 16),
        vaddr: parseInt(m[2], 16),
        filesz: parseInt(m[3], 16),
        memsz: parseInt(m[4], 16),
        flags: m[5].replace(/\s/g, ''),
        align: parseInt(m[6], 16),
      });
  }
  return out;
}

function readelfBuildId(file: string): string | undefined {
  return /Build ID: ([0-9a-f]+)/.exec(sh('readelf', ['-n', file]))?.[1];
}

function readelfSectionNames(file: string): string[] {
  const names: string[] = [];
  for (const line of sh('readelf', ['-SW', file]).split('\n')) {
    const m = /^\s*\[\s*(\d+)\]\s+(\S*)\s+[A-Z_0-9]+\s/.exec(line);
    if (m && m[1] !== '0') names.push(m[2]);
  }
  return names;
}

function flagString(flags: number): string {
  return `${flags & 4 ? 'R' : ''}${flags & 2 ? 'W' : ''}${flags & PF_X ? 'E' : ''}`;
}

before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'flame-elf-'));
  bin = hotspotsCopy(tmp);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('the fixture: type, PT_LOADs, build-id and sections agree with readelf', async () => {
  const info = await readElfInfo(bin);
  assert.equal(info.type, /Type:\s+DYN/.test(sh('readelf', ['-hW', bin])) ? 'DYN' : 'EXEC');
  assert.equal(info.machine, 62);
  const expected = readelfLoads(bin);
  assert.ok(expected.length >= 2);
  assert.deepEqual(
    info.loads.map((l) => ({ offset: l.offset, vaddr: l.vaddr, filesz: l.filesz, memsz: l.memsz, flags: flagString(l.flags), align: l.align })),
    expected,
  );
  assert.equal(info.buildId, readelfBuildId(bin));
  assert.deepEqual(
    info.sections.map((s) => s.name).filter((n) => n !== ''),
    readelfSectionNames(bin),
  );
  assert.equal(hasDebugInfo(info), true);
  assert.equal(await findDebugFile(info), bin);
});

test('file offsets map into the executable segment as perf prints them', async () => {
  const info = await readElfInfo(bin);
  const nm = sh('nm', [bin]);
  const vaddr = parseInt(/^([0-9a-f]+) T _ZN8hotspots10hash_chain/m.exec(nm)![1], 16);
  const text = readelfLoads(bin).find((l) => l.flags.includes('E'))!;
  const offset = vaddr - text.vaddr + text.offset;
  assert.equal(vaddrToFileOffset(info, vaddr), offset);
  assert.equal(fileOffsetToVaddr(info, offset), vaddr);
  assert.equal(fileOffsetToVaddr(info, offset + 0x6a), vaddr + 0x6a);
  // Each segment's first and last mapped byte, and one past the end of the file's mappings.
  for (const l of info.loads.filter((seg) => seg.filesz > 0)) {
    assert.equal(fileOffsetToVaddr(info, l.offset), l.vaddr);
    assert.equal(fileOffsetToVaddr(info, l.offset + l.filesz - 1), l.vaddr + l.filesz - 1);
  }
  const end = Math.max(...info.loads.map((l) => l.offset + l.filesz));
  assert.equal(fileOffsetToVaddr(info, end + 0x10000), undefined);
});

test('a stripped copy keeps its build-id and loses its debug info; a debuglink finds the split file', async () => {
  const stripped = path.join(tmp, 'hotspots-stripped');
  sh('strip', ['-o', stripped, bin]);
  const info = await readElfInfo(stripped);
  assert.equal(info.buildId, readelfBuildId(bin));
  assert.equal(hasDebugInfo(info), false);
  assert.equal(await findDebugFile(info, { debugDirs: [path.join(tmp, 'none')] }), undefined);

  const dbg = path.join(tmp, 'hotspots.dbg');
  sh('objcopy', ['--only-keep-debug', bin, dbg]);
  const linked = path.join(tmp, 'hotspots-linked');
  sh('objcopy', ['--strip-debug', `--add-gnu-debuglink=${dbg}`, bin, linked]);
  const li = await readElfInfo(linked);
  assert.equal(li.debugLink?.file, 'hotspots.dbg');
  assert.match(sh('readelf', ['--string-dump=.gnu_debuglink', linked]), /hotspots\.dbg/);
  assert.equal(await findDebugFile(li, { debugDirs: [path.join(tmp, 'none')] }), dbg);
  // The symbolizer follows the link to source lines, so the build's check does not call it
  // stripped; the copy without a link gets the warning.
  const fn = /^([0-9a-f]+) T _ZN8hotspots10hash_chain/m.exec(sh('nm', [bin]))![1];
  assert.match(sh('llvm-symbolizer', [`--obj=${linked}`, `0x${fn}`]), /src\/lib\.rs:\d+/);
  assert.equal(await debugInfoWarning(linked, 'release', tmp), undefined);
  assert.match((await debugInfoWarning(stripped, 'release', tmp)) ?? '', /hotspots-stripped has no debug info/);

  // The build-id route: <dir>/.build-id/ab/cdef....debug
  const root = path.join(tmp, 'debugroot');
  const id = info.buildId!;
  execFileSync('mkdir', ['-p', path.join(root, '.build-id', id.slice(0, 2))]);
  copyFileSync(dbg, path.join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
  assert.equal(await findDebugFile(info, { debugDirs: [root] }), path.join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
});

test('the system libc: build-id and debuglink agree with readelf', async () => {
  const info = await readElfInfo(LIBC);
  assert.equal(info.buildId, readelfBuildId(LIBC));
  assert.deepEqual(
    info.loads.map((l) => l.offset),
    readelfLoads(LIBC).map((l) => l.offset),
  );
  const expectedLink = /\]\s+(\S+\.debug)/.exec(sh('readelf', ['--string-dump=.gnu_debuglink', LIBC]))?.[1];
  assert.equal(info.debugLink?.file, expectedLink);
  // Debian ships libc's debug info in libc6-dbg, under /usr/lib/debug/.build-id when installed.
  const byId = `/usr/lib/debug/.build-id/${info.buildId!.slice(0, 2)}/${info.buildId!.slice(2)}.debug`;
  assert.equal(await findDebugFile(info), existsSync(byId) ? byId : undefined);
});

test('files that are not little-endian ELF64 are rejected with BadInput and a reason', async () => {
  const cases: [string, Buffer, RegExp][] = [
    ['text', Buffer.from('#!/bin/sh\necho hi\n'), /not an ELF file/],
    ['elf32', elfHeader(1, 1), /32-bit/],
    ['big-endian', elfHeader(2, 2), /big-endian/],
    ['truncated', elfHeader(2, 1).subarray(0, 20), /truncated/],
  ];
  for (const [name, bytes, message] of cases) {
    const f = path.join(tmp, name);
    writeFileSync(f, bytes);
    await assert.rejects(readElfInfo(f), (err: unknown) => isFlameError(err, ErrorCodes.BadInput) && message.test((err as Error).message), name);
  }
  await assert.rejects(readElfInfo(path.join(tmp, 'does-not-exist')), (err: unknown) => isFlameError(err, ErrorCodes.BadInput));
});

test('findBuildId walks notes of any alignment of name and descriptor', () => {
  const note = (name: string, type: number, desc: Buffer): Buffer => {
    const n = Buffer.from(`${name}\0`);
    const head = Buffer.alloc(12);
    head.writeUInt32LE(n.length, 0);
    head.writeUInt32LE(desc.length, 4);
    head.writeUInt32LE(type, 8);
    const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
    return Buffer.concat([head, pad(n), pad(desc)]);
  };
  const abi = note('GNU', 1, Buffer.from([0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]));
  const id = note('GNU', 3, Buffer.from('0123456789abcdef0123', 'hex'));
  const other = note('Go', 3, Buffer.from('ffff', 'hex'));
  assert.equal(findBuildId(Buffer.concat([abi, other, id])), '0123456789abcdef0123');
  assert.equal(findBuildId(Buffer.concat([abi, other])), undefined);
  assert.equal(findBuildId(id.subarray(0, id.length - 4)), undefined);
});

/** A minimal 64-byte ELF header with the given class and data encoding, for the rejection cases. */
function elfHeader(cls: number, data: number): Buffer {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = cls;
  b[5] = data;
  b[6] = 1;
  b.writeUInt16LE(3, 16);
  return b;
}
