// The code's layout is the formatters', not each author's: prettier for the TypeScript and
// JavaScript (.prettierrc.json, .prettierignore), rustfmt for native/. `npm run format` fixes
// what these find.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from './helpers.js';

test('the TypeScript and JavaScript are as prettier formats them (npm run format)', () => {
  const r = spawnSync(process.execPath, [path.join(REPO, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '.'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, `prettier --check found files to format (run npm run format):\n${r.stdout}${r.stderr}`);
});

test('native/ is as rustfmt formats it (npm run format)', () => {
  const r = spawnSync('cargo', ['fmt', '--check', '--manifest-path', path.join(REPO, 'native', 'Cargo.toml')], { encoding: 'utf8' });
  assert.equal(r.error, undefined, 'cargo fmt runs (rustup component add rustfmt)');
  assert.equal(r.status, 0, `cargo fmt --check found changes (run npm run format):\n${r.stdout}${r.stderr}`);
});
