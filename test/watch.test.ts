// SourceWatcher over real temp crates and real fs events: one event per burst, nothing for
// build output, VCS or editor files; isWatchedPath as a table.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { SourceWatcher } from '../daemon/watch/watch.js';
import { isWatchedPath, type WatchOptions } from '../engine/sources/rules.js';

const temps: string[] = [];
after(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

/** A tiny crate written file by file: Cargo.toml, src/main.rs, src/lib.rs. */
async function tinyCrate(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flame-watch-'));
  temps.push(dir);
  await write(dir, 'Cargo.toml', '[package]\nname = "tiny"\nversion = "0.1.0"\nedition = "2021"\n');
  await write(dir, 'src/main.rs', 'fn main() { println!("{}", tiny::f()); }\n');
  await write(dir, 'src/lib.rs', 'pub fn f() -> u32 { 1 }\n');
  return dir;
}

async function write(dir: string, rel: string, text: string): Promise<string> {
  const file = path.join(dir, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

/** A started watcher that records every 'change' event. */
async function watching(opts: WatchOptions): Promise<{ w: SourceWatcher; events: string[][]; next: () => Promise<string[]> }> {
  const w = new SourceWatcher(opts);
  const events: string[][] = [];
  let waiter: ((paths: string[]) => void) | undefined;
  w.on('change', (paths) => {
    events.push(paths);
    waiter?.(paths);
    waiter = undefined;
  });
  w.on('error', (err) => assert.fail(err));
  await w.ready();
  const next = () =>
    new Promise<string[]>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no change event within 10 s (so far: ${JSON.stringify(events)})`)), 10_000);
      waiter = (paths) => {
        clearTimeout(t);
        resolve(paths);
      };
    });
  return { w, events, next };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SourceWatcher', () => {
  test('an edit gives one event naming the file', async () => {
    const dir = await tinyCrate();
    const { w, events, next } = await watching({ root: dir, memberDirs: [dir] });
    try {
      const got = next();
      const lib = await write(dir, 'src/lib.rs', 'pub fn f() -> u32 { 2 }\n');
      assert.deepEqual(await got, [lib]);
      await sleep(600);
      assert.equal(events.length, 1);
    } finally {
      await w.close();
    }
  });

  test('20 quick saves give exactly one event', async () => {
    const dir = await tinyCrate();
    // A long quiet time so the burst is one burst however slow the machine is.
    const { w, events, next } = await watching({ root: dir, memberDirs: [dir], debounceMs: 500, maxWaitMs: 60_000 });
    try {
      const got = next();
      for (let i = 0; i < 20; i++) {
        await write(dir, 'src/lib.rs', `pub fn f() -> u32 { ${i} }\n`);
        if (i % 2 === 0) await write(dir, 'src/main.rs', `fn main() { let _ = ${i}; }\n`);
      }
      assert.deepEqual(await got, [path.join(dir, 'src/lib.rs'), path.join(dir, 'src/main.rs')]);
      await sleep(1500);
      assert.equal(events.length, 1, JSON.stringify(events));
    } finally {
      await w.close();
    }
  });

  test('saves that never pause still give events: the debounce waits at most maxWaitMs', async () => {
    const dir = await tinyCrate();
    // Saves every 20 ms never leave the 1 s quiet time; only the maximum wait lets a change out.
    const { w, events } = await watching({ root: dir, memberDirs: [dir], debounceMs: 1000, maxWaitMs: 200 });
    try {
      let during = 0;
      for (let i = 0; i < 150; i++) {
        await write(dir, 'src/lib.rs', `pub fn f() -> u32 { ${i} }\n`);
        await sleep(20);
        during = events.length;
      }
      assert.ok(during >= 1, `no change event during 150 saves 20 ms apart (events: ${events.length})`);
      assert.deepEqual(events[0], [path.join(dir, 'src/lib.rs')]);
    } finally {
      await w.close();
    }
  });

  test('build output, .git, node_modules, other files and editor temp files give no event', async () => {
    const dir = await tinyCrate();
    const elsewhere = path.join(dir, 'build-out');
    await write(dir, 'target/debug/existing.rs', '');
    await write(dir, '.git/HEAD', 'ref: refs/heads/main\n');
    await write(dir, 'build-out/debug/existing.rs', '');
    const { w, events, next } = await watching({ root: dir, memberDirs: [dir], targetDir: elsewhere });
    try {
      const got = next();
      await write(dir, 'target/debug/build/tiny-1/out/generated.rs', 'pub const X: u32 = 1;\n');
      await write(dir, 'target/debug/existing.rs', 'changed');
      await write(dir, 'build-out/release/build/out/generated.rs', '');
      await write(dir, '.git/hooks/x.rs', '');
      await write(dir, '.git/HEAD', 'ref: refs/heads/other\n');
      await write(dir, 'node_modules/pkg/x.rs', '');
      await write(dir, 'README.md', '# tiny\n');
      await write(dir, 'src/notes.txt', 'todo\n');
      await write(dir, 'src/.lib.rs.swp', 'swap');
      await write(dir, 'src/4913', '');
      await write(dir, 'src/lib.rs~', 'backup');
      await write(dir, 'src/.#lib.rs', 'lock');
      await sleep(300);
      // The control: a real source change, which must come alone.
      const main = await write(dir, 'src/main.rs', 'fn main() {}\n');
      assert.deepEqual(await got, [main]);
      await sleep(1000);
      assert.deepEqual(events, [[main]]);
    } finally {
      await w.close();
    }
  });

  test('created, deleted and renamed files count', async () => {
    const dir = await tinyCrate();
    const { w, next } = await watching({ root: dir, memberDirs: [dir] });
    try {
      let got = next();
      const extra = await write(dir, 'src/extra.rs', 'pub fn g() {}\n');
      assert.deepEqual(await got, [extra]);

      got = next();
      const deep = await write(dir, 'src/nested/deeper/mod.rs', '');
      assert.deepEqual(await got, [deep]);

      got = next();
      await unlink(extra);
      assert.deepEqual(await got, [extra]);

      got = next();
      await rename(path.join(dir, 'src/lib.rs'), path.join(dir, 'src/core.rs'));
      assert.deepEqual(await got, [path.join(dir, 'src/core.rs'), path.join(dir, 'src/lib.rs')]);

      got = next();
      await rename(path.join(dir, 'src/nested'), path.join(dir, 'src/moved'));
      assert.deepEqual(await got, [path.join(dir, 'src/moved/deeper/mod.rs'), deep]);

      // An editor's atomic save: write a temp file, rename it over the original.
      got = next();
      await write(dir, 'src/main.rs.tmp', 'fn main() { }\n');
      await rename(path.join(dir, 'src/main.rs.tmp'), path.join(dir, 'src/main.rs'));
      assert.deepEqual(await got, [path.join(dir, 'src/main.rs')]);
    } finally {
      await w.close();
    }
  });

  test('a workspace: members, the root manifest and lock; not other directories', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flame-watch-ws-'));
    temps.push(dir);
    await write(dir, 'Cargo.toml', '[workspace]\nmembers = ["crates/*"]\n');
    await write(dir, 'crates/a/Cargo.toml', '[package]\nname = "a"\nversion = "0.1.0"\n');
    await write(dir, 'crates/a/src/lib.rs', '');
    await write(dir, 'crates/b/Cargo.toml', '[package]\nname = "b"\nversion = "0.1.0"\n');
    await write(dir, 'crates/b/src/main.rs', '');
    await write(dir, 'tools/gen.rs', '');
    const memberDirs = [path.join(dir, 'crates/a'), path.join(dir, 'crates/b')];
    const { w, events, next } = await watching({ root: dir, memberDirs });
    try {
      let got = next();
      await write(dir, 'tools/gen.rs', 'changed');
      await write(dir, 'crates/stray.rs', '');
      await write(dir, 'crates/a/build.rs', 'fn main() {}\n');
      assert.deepEqual(await got, [path.join(dir, 'crates/a/build.rs')]);

      got = next();
      await write(dir, 'Cargo.lock', '# lock\n');
      await write(dir, 'crates/b/Cargo.toml', '[package]\nname = "b"\nversion = "0.2.0"\n');
      assert.deepEqual(await got, [path.join(dir, 'Cargo.lock'), path.join(dir, 'crates/b/Cargo.toml')]);
      await sleep(600);
      assert.equal(events.length, 2);
    } finally {
      await w.close();
    }
  });

  test('close stops events; ready settles even when closed first', async () => {
    const dir = await tinyCrate();
    const { w, events } = await watching({ root: dir, memberDirs: [dir], debounceMs: 50 });
    await w.close();
    await write(dir, 'src/lib.rs', 'pub fn f() -> u32 { 3 }\n');
    await sleep(500);
    assert.deepEqual(events, []);

    const early = new SourceWatcher({ root: dir, memberDirs: [dir] });
    await early.close();
    await early.ready();
  });
});

describe('isWatchedPath', () => {
  const root = '/ws';
  const single: WatchOptions = { root, memberDirs: [root], targetDir: '/ws/target' };
  const workspace: WatchOptions = { root, memberDirs: ['/ws/crates/a', '/ws/crates/b', '/ws/crates/b/inner'], targetDir: '/elsewhere/tgt' };
  const cases: [WatchOptions, string, boolean][] = [
    [single, 'src/main.rs', true],
    [single, 'src/lib.rs', true],
    [single, 'src/a/b/c/mod.rs', true],
    [single, 'build.rs', true],
    [single, 'benches/crunch.rs', true],
    [single, 'examples/demo.rs', true],
    [single, 'tests/it.rs', true],
    [single, 'Cargo.toml', true],
    [single, 'Cargo.lock', true],
    [single, '/ws/src/main.rs', true],
    [single, 'README.md', false],
    [single, 'src/notes.txt', false],
    [single, 'src/nested/Cargo.toml', false],
    [single, 'target/debug/build/x/out/gen.rs', false],
    [single, 'target/release/deps/x.d', false],
    [single, '.git/hooks/pre-commit.rs', false],
    [single, 'node_modules/x/y.rs', false],
    [single, 'src/.main.rs.swp', false],
    [single, 'src/.main.rs.swo', false],
    [single, 'src/main.rs~', false],
    [single, 'src/.#main.rs', false],
    [single, 'src/#main.rs#', false],
    [single, 'src/4913', false],
    [single, '/other/src/main.rs', false],
    [single, '/ws', false],
    // A module directory named target is a module, not build output.
    [single, 'src/target/mod.rs', true],
    [single, 'crates/x/target/debug/gen.rs', false],
    [workspace, 'Cargo.toml', true],
    [workspace, 'Cargo.lock', true],
    [workspace, 'crates/a/src/lib.rs', true],
    [workspace, 'crates/a/Cargo.toml', true],
    [workspace, 'crates/b/inner/Cargo.toml', true],
    [workspace, 'crates/b/inner/src/lib.rs', true],
    [workspace, 'crates/b/target/debug/x.rs', false],
    [workspace, 'crates/b/inner/target/x.rs', false],
    [workspace, 'crates/stray.rs', false],
    [workspace, 'crates/Cargo.toml', false],
    [workspace, 'tools/gen.rs', false],
    [workspace, 'src/main.rs', false],
    // The real target directory, wherever it is; `target` at the root is not a member anyway.
    [workspace, '/elsewhere/tgt/debug/build/out/a.rs', false],
    [workspace, 'target/debug/x.rs', false],
    [{ root, memberDirs: [root], targetDir: '/ws/src/gen' }, 'src/gen/x.rs', false],
  ];
  for (const [opts, p, want] of cases) {
    test(`${opts === workspace ? 'workspace' : 'crate'}: ${p} → ${want}`, () => {
      assert.equal(isWatchedPath(p, opts), want);
    });
  }
});
