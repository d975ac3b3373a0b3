// Names and paths in a profile of a real recording that runs in the standard library and libc:
// function names without ELF symbol versions (flame fold keeps perf's text), libc's relative
// source paths in one canonical spelling in every output, and the standard library's
// /rustc/<hash>/ paths mapped to the local toolchain's rust-src.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, runCmd, runFlame, scratch } from './helpers.js';

const MANIFEST = path.join(FIXTURES, 'hotspots', 'Cargo.toml');
let dir: string;
let perfData: string;
let env: NodeJS.ProcessEnv;

interface Fn {
  name: string;
  self: number;
  total: number;
  file?: string;
  line?: number;
}

before(async () => {
  dir = scratch('flame-names-');
  env = { FLAME_CACHE_DIR: path.join(dir, 'cache') };
  const r = await runFlame(['record', '--manifest-path', MANIFEST, '--example', 'allocs', '-o', path.join(dir, 'allocs.svg'), '--json'], { cwd: dir, env });
  assert.equal(r.exitCode, 0, r.stderr);
  perfData = (JSON.parse(r.stdout) as { perfData: string }).perfData;
});

async function functions(noInline: boolean): Promise<Fn[]> {
  // --plumbing: every function, the runtime's start-up (__libc_start_main) too.
  const r = await runFlame(['top', '--perf-data', perfData, '--limit', '0', '--json', '--plumbing', ...(noInline ? ['--no-inline'] : [])], { env });
  assert.equal(r.exitCode, 0, r.stderr);
  return (JSON.parse(r.stdout) as { functions: Fn[] }).functions;
}

test('function names drop the ELF symbol versions perf prints; flame fold keeps them', async () => {
  // As flame reads it (without perf's own inline expansion, which names inlined glibc internals).
  const script = await runCmd('perf', ['script', '--no-inline', '-i', perfData]);
  assert.equal(script.exitCode, 0, script.stderr);
  // The fixture frees its strings through libc: perf names versioned symbols (cfree@GLIBC_2.2.5).
  const versioned = new Set([...script.stdout.matchAll(/ ([A-Za-z_][\w.]*@@?[A-Z][\w.]*)\+0x/g)].map((m) => m[1]!));
  assert.ok(versioned.size > 0, 'the recording names no versioned symbol');
  const fold = await runFlame(['fold'], { input: script.stdout });
  for (const v of versioned) assert.ok(fold.stdout.includes(v), `flame fold lost ${v}`);
  for (const noInline of [false, true]) {
    const names = new Set((await functions(noInline)).map((f) => f.name));
    for (const v of versioned) {
      assert.ok(!names.has(v), `${v} kept its version`);
      assert.ok(names.has(v.replace(/@.*$/, '')), `${v.replace(/@.*$/, '')} is missing`);
    }
    assert.deepEqual(
      [...names].filter((n) => /[^@]@@?(?!plt$)\w/.test(n)),
      [],
    );
  }
});

test("libc's relative source paths: one canonical spelling, the same in JSON and text", async () => {
  const fns = await functions(false);
  const malloc = fns.find((f) => f.name === '_int_malloc' || f.name === 'malloc');
  assert.ok(malloc?.file, 'no malloc frame with a source file: install libc6-dbg (debug info for libc)');
  assert.equal(malloc.file, 'malloc/malloc/malloc.c');
  const files = new Set(fns.flatMap((f) => (f.file ? [f.file] : [])));
  const lines = await runFlame(['lines', '--perf-data', perfData, '--limit', '0', '--json'], { env });
  for (const l of (JSON.parse(lines.stdout) as { lines: Array<{ file: string }> }).lines) files.add(l.file);
  for (const f of files) assert.ok(!/(^|\/)\.\.?\/|\/\//.test(f) || /^(\.\.\/)+[^.]/.test(f), `not canonical: ${f}`);
  // The text table prints the very path the JSON holds.
  const text = await runFlame(['lines', '--perf-data', perfData, '--limit', '0'], { env });
  const jsonMalloc = (JSON.parse(lines.stdout) as { lines: Array<{ file: string; line: number }> }).lines.find((l) => l.file.endsWith('malloc.c'))!;
  assert.match(text.stdout, new RegExp(` ${jsonMalloc.file.replace(/[.]/g, '\\.')}:${jsonMalloc.line}\n`));
});

test("standard-library frames name the local toolchain's rust-src files, which exist", async () => {
  const vv = await runCmd('rustc', ['-vV'], { cwd: path.dirname(MANIFEST) });
  const hash = /^commit-hash: (\w+)$/m.exec(vv.stdout)![1]!;
  const sysroot = (await runCmd('rustc', ['--print', 'sysroot'], { cwd: path.dirname(MANIFEST) })).stdout.trim();
  const src = path.join(sysroot, 'lib', 'rustlib', 'src', 'rust', 'library');
  assert.ok(existsSync(src), `no rust-src in ${sysroot}: run \`rustup component add rust-src\``);
  const fns = await functions(false);
  // core::fmt::write is compiled into the precompiled libstd, whose debug info says /rustc/<hash>/.
  const write = fns.find((f) => f.name === 'core::fmt::write');
  assert.ok(
    write,
    fns
      .slice(0, 20)
      .map((f) => f.name)
      .join('\n'),
  );
  assert.equal(write.file, path.join(src, 'core', 'src', 'fmt', 'mod.rs'));
  const lines = JSON.parse((await runFlame(['lines', '--perf-data', perfData, '--limit', '0', '--json'], { env })).stdout) as {
    lines: Array<{ file: string }>;
  };
  const files = new Set([...fns.flatMap((f) => (f.file ? [f.file] : [])), ...lines.lines.map((l) => l.file)]);
  assert.deepEqual(
    [...files].filter((f) => f.startsWith(`/rustc/${hash}/`)),
    [],
  );
  const local = [...files].filter((f) => f.startsWith(src));
  assert.ok(local.length > 5, local.join('\n'));
  for (const f of local) assert.ok(existsSync(f), f);
});
