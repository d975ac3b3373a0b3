// The VS Code extension's package, made as `npm run vsix` makes it: clients/vscode's own build
// (tsc, esbuild) and its own vsce (`npm ci --prefix clients/vscode` installs them).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO, runCmd, scratch } from './helpers.js';

export const VSCODE = path.join(REPO, 'clients', 'vscode');

/** Build the extension and package it into a new scratch directory; the .vsix's path. */
export async function packageVsix(): Promise<string> {
  const vsce = path.join(VSCODE, 'node_modules', '.bin', 'vsce');
  assert.ok(existsSync(vsce), 'clients/vscode has its devDependencies: run npm ci --prefix clients/vscode');
  const built = await runCmd('npm', ['run', 'build'], { cwd: VSCODE });
  assert.equal(built.exitCode, 0, built.stdout + built.stderr);
  const vsix = path.join(scratch('flame-vsix-'), 'flame-profiler.vsix');
  const packed = await runCmd(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '-o', vsix], { cwd: VSCODE });
  assert.equal(packed.exitCode, 0, packed.stdout + packed.stderr);
  return vsix;
}
