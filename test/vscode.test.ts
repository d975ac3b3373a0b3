// The VS Code extension as far as it runs without VS Code: its flame lookup (bundled by
// esbuild as the extension is, run against real directories and the real bin/flame), and the
// package `npm run vsix` makes, by clients/vscode's own vsce (`npm ci --prefix clients/vscode`):
// its manifest, files and bundle. The bundle's activate needs VS Code's own `vscode` module,
// which exists only inside VS Code: test/vscode-e2e.ts runs it in code-server, outside npm test
// (`npm run test:vscode`; clients/vscode/README.md says why).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { REPO, runCmd, scratch } from './helpers.js';
import { packageVsix, VSCODE } from './vsix.js';

type FlameExe = { found: true; command: string; args: string[]; via: string } | { found: false; setting: boolean; message: string };
type FindFlame = (l: { setting: string; folders: string[]; envPath: string }, args: string[]) => FlameExe;

/** clients/vscode/src/<name>.ts bundled as the extension bundles it, loaded as CommonJS. */
async function load<T>(name: string): Promise<T> {
  const out = path.join(scratch('flame-vscode-src-'), `${name}.cjs`);
  await build({ entryPoints: [path.join(VSCODE, 'src', `${name}.ts`)], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'silent' });
  return createRequire(import.meta.url)(out) as T;
}

const readText = (file: string): string => readFileSync(file, 'utf8');

function executable(file: string, text = '#!/bin/sh\necho hi\n'): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, 0o755);
  return file;
}

test('flame.path unset: flame on the PATH, else the workspace node_modules/.bin, else a message that says what to set', async () => {
  const { findFlame } = await load<{ findFlame: FindFlame }>('flame-exe');
  const root = scratch('flame-vscode-find-');
  const ws = path.join(root, 'ws');
  const binDir = path.join(root, 'bin');
  const emptyDir = path.join(root, 'empty');
  mkdirSync(emptyDir);
  // The real flame, as `npm link` puts it on the PATH: a symlink to bin/flame.
  mkdirSync(binDir);
  symlinkSync(path.join(REPO, 'bin', 'flame'), path.join(binDir, 'flame'));
  const viaPath = findFlame({ setting: 'flame', folders: [ws], envPath: `${emptyDir}:${binDir}` }, ['--version']);
  assert.ok(viaPath.found && viaPath.via === 'PATH', JSON.stringify(viaPath));
  const version = execFileSync(viaPath.command, viaPath.args, { encoding: 'utf8' });
  assert.match(version, /\d+\.\d+\.\d+/, 'the found command runs flame');

  // A file named flame that is not executable is not flame.
  writeFileSync(path.join(emptyDir, 'flame'), 'not a program');
  const local = executable(path.join(ws, 'node_modules', '.bin', 'flame'));
  assert.deepEqual(findFlame({ setting: '', folders: [ws], envPath: emptyDir }, ['lsp']), { found: true, command: local, args: ['lsp'], via: 'node_modules' });

  const none = findFlame({ setting: '', folders: [path.join(root, 'other')], envPath: emptyDir }, ['lsp']);
  assert.ok(!none.found);
  assert.equal(none.setting, false);
  assert.match(none.message, /the flame executable was not found in PATH \(.*empty\), .*other\/node_modules\/\.bin; install flame .* or set flame\.path/);
});

test('flame.path set: a path (relative to the workspace), bin/flame.js through node, or a message naming the setting', async () => {
  const { findFlame } = await load<{ findFlame: FindFlame }>('flame-exe');
  const root = scratch('flame-vscode-setting-');
  const tool = executable(path.join(root, 'tools', 'flame'));
  assert.deepEqual(findFlame({ setting: 'tools/flame', folders: [root], envPath: '' }, ['lsp']), { found: true, command: tool, args: ['lsp'], via: 'setting' });
  // A checkout's bin/flame.js, run with node: it really answers.
  const js = findFlame({ setting: path.join(REPO, 'bin', 'flame.js'), folders: [], envPath: '' }, ['--version']);
  assert.ok(js.found && js.command === 'node', JSON.stringify(js));
  assert.match(execFileSync(js.command, js.args, { encoding: 'utf8' }), /\d+\.\d+\.\d+/);

  const missing = findFlame({ setting: '/nowhere/flame', folders: [root], envPath: process.env.PATH ?? '' }, ['lsp']);
  assert.ok(!missing.found && missing.setting, JSON.stringify(missing));
  assert.equal(missing.message, 'flame.path is "/nowhere/flame", but no executable flame is there (/nowhere/flame); set it to the full path of flame');
  const bare = findFlame({ setting: 'flame-nightly', folders: [root], envPath: path.join(root, 'tools') }, []);
  assert.ok(!bare.found && /flame\.path is "flame-nightly", which is not on the PATH/.test(bare.message), JSON.stringify(bare));
});

test('the packaged extension: declared unusable in untrusted and virtual workspaces, README and LICENSE, a small minified bundle needing only vscode', async () => {
  const vsix = await packageVsix();
  const out = path.dirname(vsix);
  const unzipped = await runCmd('unzip', ['-q', vsix, '-d', path.join(out, 'x')]);
  assert.equal(unzipped.exitCode, 0, unzipped.stderr);
  const ext = path.join(out, 'x', 'extension');
  const listing = (await runCmd('find', ['.', '-type', 'f'], { cwd: ext })).stdout.split('\n').filter(Boolean).sort();
  // Nothing but what runs and what a user reads: no sources, maps or node_modules.
  assert.deepEqual(listing, ['./LICENSE.txt', './README.md', './out/extension.js', './package.json']);

  const manifest = JSON.parse(readText(path.join(ext, 'package.json'))) as {
    license: string;
    main: string;
    capabilities: { untrustedWorkspaces: { supported: unknown; description: string }; virtualWorkspaces: unknown };
  };
  // cargo build runs build scripts and proc macros, and flame then runs the program.
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, false);
  assert.match(manifest.capabilities.untrustedWorkspaces.description, /cargo build/);
  assert.equal(manifest.capabilities.virtualWorkspaces, false);
  const root = JSON.parse(readText(path.join(REPO, 'package.json'))) as { license: string };
  assert.equal(manifest.license, root.license);
  assert.match(readText(path.join(ext, 'LICENSE.txt')), new RegExp(`^${root.license} License`));
  assert.match(readText(path.join(ext, 'README.md')), /## Install flame[\s\S]*flame\.path/);

  const bundle = path.join(ext, manifest.main);
  const code = readText(bundle);
  const size = statSync(bundle).size;
  assert.ok(size < 400_000, `the bundle is ${size} bytes (783 KB unminified)`);
  assert.ok(code.split('\n').length < 100, 'minified: a few long lines');
  // --no-dependencies: the vsix has no node_modules, so the bundle may need only Node's own
  // modules and VS Code's vscode.
  const required = new Set([...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]));
  const outside = [...required].filter((r) => !builtinModules.includes(r.replace(/^node:/, '')));
  assert.deepEqual(outside, ['vscode']);
  // Loaded by Node, it evaluates until it asks for vscode, which only VS Code provides.
  assert.throws(
    () => createRequire(import.meta.url)(bundle),
    (err: NodeJS.ErrnoException) => err.code === 'MODULE_NOT_FOUND' && /Cannot find module 'vscode'/.test(err.message),
  );
});
