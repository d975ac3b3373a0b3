// Which cargo target a Rust file's runnable items belong to, by plain text scanning: `fn main`
// in src/main.rs, src/bin/, examples/ and benches/; `#[test]` and `#[bench]` functions. The
// lenses above them profile that target once or watch it.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SessionSpec, TargetSpec } from '../../protocol/types.js';

export interface Runnable {
  /** 0-based line of the item's `fn`. */
  line: number;
  label: string;
  spec: SessionSpec;
}

export interface Crate {
  manifestPath: string;
  dir: string;
  name: string;
}

/** The package whose Cargo.toml is the nearest one above `file` (a workspace-only manifest is skipped). */
export function crateOf(file: string, stopAt: string): Crate | undefined {
  let dir = path.dirname(file);
  for (;;) {
    const manifest = path.join(dir, 'Cargo.toml');
    if (existsSync(manifest)) {
      const text = readFileSync(manifest, 'utf8');
      const pkg = /^\[package\][^[]*?^\s*name\s*=\s*"([^"]+)"/ms.exec(text);
      if (pkg) return { manifestPath: manifest, dir, name: pkg[1]! };
    }
    const up = path.dirname(dir);
    if (up === dir || path.relative(stopAt, dir).startsWith('..')) return undefined;
    dir = up;
  }
}

/** The target a file is the root or a module of: what `cargo --bin/--example/…` names. */
function targetOfFile(crate: Crate, file: string): { kind: 'lib' | 'bin' | 'example' | 'test' | 'bench'; name: string } {
  const rel = path.relative(crate.dir, file).split(path.sep);
  const stem = (s: string) => s.replace(/\.rs$/, '');
  // examples/x.rs and examples/x/main.rs are both the example x; the same for tests and benches.
  const sub = (dir: string, kind: 'example' | 'test' | 'bench') => (rel[0] === dir && rel.length >= 2 ? { kind, name: stem(rel[1]!) } : undefined);
  const t = sub('examples', 'example') ?? sub('tests', 'test') ?? sub('benches', 'bench');
  if (t) return t;
  if (rel[0] === 'src' && rel[1] === 'bin' && rel.length >= 3) return { kind: 'bin', name: stem(rel[2]!) };
  if (rel[0] === 'src' && rel[1] === 'main.rs') return { kind: 'bin', name: crate.name };
  return { kind: 'lib', name: crate.name.replace(/-/g, '_') };
}

const FN = /^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+([A-Za-z_][A-Za-z0-9_]*)/;

/** The runnable items of a buffer. */
export function runnables(file: string, lines: string[], crate: Crate): Runnable[] {
  const t = targetOfFile(crate, file);
  const base: TargetSpec = { manifestPath: crate.manifestPath, cwd: crate.dir };
  const out: Runnable[] = [];
  let attr: 'test' | 'bench' | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*#\[(?:tokio::)?test\]/.test(line)) attr = 'test';
    else if (/^\s*#\[bench\]/.test(line)) attr = 'bench';
    const m = FN.exec(line);
    if (!m) continue;
    const name = m[1]!;
    if (attr) {
      let target: TargetSpec;
      if (t.kind === 'test' || t.kind === 'bench') target = { ...base, [t.kind]: t.name };
      else if (t.kind === 'example') target = { ...base, example: t.name };
      else target = { ...base, [attr === 'test' ? 'unitTest' : 'unitBench']: t.name, unitTestKind: t.kind === 'bin' ? 'bin' : 'lib' };
      out.push({ line: i, label: `${attr} ${name}`, spec: { target, programArgs: [name] } });
    } else if (name === 'main' && /^fn\s+main\s*\(/.test(line.trim()) && t.kind !== 'lib') {
      const target: TargetSpec = t.kind === 'bin' ? { ...base, bin: t.name } : { ...base, [t.kind]: t.name };
      out.push({ line: i, label: `${t.kind} ${t.name}`, spec: { target } });
    }
    attr = undefined;
  }
  return out;
}
