// sourceState over real temp crates and real git: the hash follows content and paths of the
// watched files only; git's commit and dirtiness follow the repository.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { listSourceFiles, sourceState } from '../engine/sources/source-state.js';
import { execa } from 'execa';
import { FIXTURES } from './helpers.js';

const temps: string[] = [];
after(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flame-source-'));
  temps.push(dir);
  return dir;
}

async function write(dir: string, rel: string, text: string): Promise<string> {
  const file = path.join(dir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

async function tinyCrate(dir?: string): Promise<string> {
  dir ??= await tempDir();
  await write(dir, 'Cargo.toml', '[package]\nname = "tiny"\nversion = "0.1.0"\nedition = "2021"\n');
  await write(dir, 'src/main.rs', 'fn main() { println!("{}", tiny::f()); }\n');
  await write(dir, 'src/lib.rs', 'pub fn f() -> u32 { 1 }\n');
  return dir;
}

async function git(dir: string, ...args: string[]): Promise<string> {
  // execa rather than helpers' runCmd: runCmd writes stdin to a git that may have exited (EPIPE).
  const r = await execa('git', ['-c', 'user.name=flame', '-c', 'user.email=flame@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    reject: false,
  });
  assert.equal(r.exitCode, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const state = (dir: string) => sourceState(dir, [dir]);

describe('sourceState hash', () => {
  test('identical trees hash alike; an edit changes the hash and reverting restores it', async () => {
    const a = await tinyCrate();
    const b = await tinyCrate();
    const sa = await state(a);
    assert.match(sa.hash, /^[0-9a-f]{64}$/);
    assert.equal(sa.files, 3);
    assert.equal((await state(b)).hash, sa.hash);

    await write(a, 'src/lib.rs', 'pub fn f() -> u32 { 2 }\n');
    const edited = await state(a);
    assert.notEqual(edited.hash, sa.hash);
    assert.equal(edited.files, 3);

    await write(a, 'src/lib.rs', 'pub fn f() -> u32 { 1 }\n');
    assert.equal((await state(a)).hash, sa.hash);
  });

  test('paths count: a rename with the same content changes the hash; a new module too', async () => {
    const dir = await tinyCrate();
    const before = await state(dir);
    await rename(path.join(dir, 'src/lib.rs'), path.join(dir, 'src/core.rs'));
    assert.notEqual((await state(dir)).hash, before.hash);
    await rename(path.join(dir, 'src/core.rs'), path.join(dir, 'src/lib.rs'));
    assert.equal((await state(dir)).hash, before.hash);

    await write(dir, 'src/extra/mod.rs', '');
    const added = await state(dir);
    assert.equal(added.files, 4);
    assert.notEqual(added.hash, before.hash);
  });

  test('files outside the watched set do not count', async () => {
    const dir = await tinyCrate();
    const before = await state(dir);
    await write(dir, 'target/debug/build/tiny-1/out/gen.rs', 'pub const X: u32 = 1;\n');
    await write(dir, 'node_modules/x/y.rs', '');
    await write(dir, '.git-like/README.md', '');
    await write(dir, 'README.md', '# tiny\n');
    await write(dir, 'src/.#lib.rs', 'lock');
    await write(dir, 'src/lib.rs~', 'backup');
    await write(dir, 'src/.lib.rs.swp', 'swap');
    const after = await state(dir);
    assert.equal(after.hash, before.hash);
    assert.equal(after.files, 3);

    // The real target directory, even under a name that is not `target`.
    await write(dir, 'out/debug/gen.rs', '');
    assert.notEqual((await sourceState(dir, [dir])).hash, before.hash);
    assert.equal((await sourceState(dir, [dir], path.join(dir, 'out'))).hash, before.hash);
  });

  test('a workspace: members and the root manifest and lock, nothing else', async () => {
    const dir = await tempDir();
    await write(dir, 'Cargo.toml', '[workspace]\nmembers = ["crates/*"]\n');
    await write(dir, 'Cargo.lock', '# lock\n');
    await tinyCrate(path.join(dir, 'crates/a'));
    await write(dir, 'crates/b/Cargo.toml', '[package]\nname = "b"\n');
    await write(dir, 'crates/b/build.rs', 'fn main() {}\n');
    await write(dir, 'tools/gen.rs', '');
    await write(dir, 'crates/stray.rs', '');
    const members = [path.join(dir, 'crates/a'), path.join(dir, 'crates/b')];
    const files = await listSourceFiles({ root: dir, memberDirs: members });
    assert.deepEqual(
      files.map((f) => path.relative(dir, f)),
      ['Cargo.lock', 'Cargo.toml', 'crates/a/Cargo.toml', 'crates/a/src/lib.rs', 'crates/a/src/main.rs', 'crates/b/Cargo.toml', 'crates/b/build.rs'],
    );
    const s = await sourceState(dir, members);
    assert.equal(s.files, 7);
    // Relative member directories are taken relative to the root.
    assert.equal((await sourceState(dir, ['crates/a', 'crates/b'])).hash, s.hash);
    await write(dir, 'tools/gen.rs', 'changed');
    assert.equal((await sourceState(dir, members)).hash, s.hash);
    await write(dir, 'Cargo.lock', '# lock 2\n');
    assert.notEqual((await sourceState(dir, members)).hash, s.hash);
  });

  test('the hotspots fixture, copied without its target/, hashes like the original', async () => {
    const src = path.join(FIXTURES, 'hotspots');
    const copy = await tempDir();
    await cp(src, copy, { recursive: true, filter: (p) => path.relative(src, p).split(path.sep)[0] !== 'target' });
    const original = await sourceState(src, [src], path.join(src, 'target'));
    const copied = await sourceState(copy, [copy]);
    assert.equal(copied.hash, original.hash);
    assert.equal(copied.files, original.files);
    assert.ok(original.files >= 4, `${original.files} files`);
  });
});

describe('sourceState git', () => {
  test('no repository: no git field', async () => {
    const dir = await tinyCrate();
    const probe = await execa('git', ['rev-parse', '--show-toplevel'], { cwd: dir, reject: false });
    assert.notEqual(probe.exitCode, 0, `the temp dir is inside a repository: ${probe.stdout}`);
    const s = await state(dir);
    assert.equal('git' in s, false);
  });

  test('a repository with no commits: commit is empty; the untracked sources make it dirty', async () => {
    const dir = await tinyCrate();
    await git(dir, 'init', '-q', '-b', 'main');
    assert.deepEqual((await state(dir)).git, { commit: '', dirty: true, branch: 'main' });
  });

  test('commit is HEAD; dirty follows edits, reverts, new modules and deletions of watched files only', async () => {
    const dir = await tinyCrate();
    await write(dir, '.gitignore', '/target\n');
    await git(dir, 'init', '-q', '-b', 'main');
    await git(dir, 'add', '.');
    await git(dir, 'commit', '-q', '-m', 'initial');
    const head = await git(dir, 'rev-parse', 'HEAD');

    assert.deepEqual((await state(dir)).git, { commit: head, dirty: false, branch: 'main' });

    const lib = path.join(dir, 'src/lib.rs');
    const original = await readFile(lib, 'utf8');
    await writeFile(lib, 'pub fn f() -> u32 { 2 }\n');
    assert.deepEqual((await state(dir)).git, { commit: head, dirty: true, branch: 'main' });
    await writeFile(lib, original);
    assert.deepEqual((await state(dir)).git, { commit: head, dirty: false, branch: 'main' });

    // Files outside the watched set never make the sources dirty.
    await write(dir, 'README.md', '# tiny\n');
    await write(dir, 'target/debug/gen.rs', '');
    await write(dir, 'src/notes.txt', '');
    assert.deepEqual((await state(dir)).git, { commit: head, dirty: false, branch: 'main' });

    await write(dir, 'src/deep/er/extra.rs', '');
    assert.equal((await state(dir)).git?.dirty, true);
    await rm(path.join(dir, 'src/deep'), { recursive: true });

    await rm(lib);
    assert.equal((await state(dir)).git?.dirty, true);
    await writeFile(lib, original);

    // A staged rename names both paths; either being watched is enough.
    await git(dir, 'mv', 'src/lib.rs', 'src/core.rs');
    assert.equal((await state(dir)).git?.dirty, true);
    await git(dir, 'mv', 'src/core.rs', 'src/lib.rs');
    assert.deepEqual((await state(dir)).git, { commit: head, dirty: false, branch: 'main' });

    // A detached HEAD has no branch.
    await git(dir, 'checkout', '-q', '--detach');
    assert.deepEqual((await state(dir)).git, { commit: head, dirty: false });
  });

  test('a crate in a subdirectory of a repository: only its files matter', async () => {
    const repo = await tempDir();
    await write(repo, 'README.md', 'top\n');
    const dir = await tinyCrate(path.join(repo, 'rust', 'tiny'));
    await write(repo, 'other/src/lib.rs', '');
    await git(repo, 'init', '-q', '-b', 'main');
    await git(repo, 'add', '.');
    await git(repo, 'commit', '-q', '-m', 'initial');
    const head = await git(repo, 'rev-parse', 'HEAD');
    await write(repo, 'other/src/lib.rs', 'changed');
    await write(repo, 'other/src/new.rs', '');
    assert.deepEqual((await state(dir)).git, { commit: head, dirty: false, branch: 'main' });
    await write(dir, 'src/lib.rs', 'changed');
    assert.deepEqual((await state(dir)).git, { commit: head, dirty: true, branch: 'main' });
  });
});
