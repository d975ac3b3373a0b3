// A real VS Code for test/vscode-e2e.ts: code-server 4.96.4 (VS Code 1.96.4 in the browser),
// installed from npm into a cache directory, and started for one workspace. On Node 20 its npm
// package installs only with workarounds, done here: scripts off (its postinstall builds VS
// Code's native modules with node-gyp, which would fetch Node's headers and prebuilt binaries),
// VS Code's one git-pinned dependency resolved from the registry instead, the native modules
// built against this Node's own headers, Debian's ripgrep for the one that downloads its binary,
// and the links its postinstall would have made.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCmd } from './helpers.js';

export const CODE_SERVER_VERSION = '4.96.4';
/** Where it is installed; kept between runs (the install takes minutes). */
export const CODE_SERVER_DIR = process.env.FLAME_CODE_SERVER_DIR ?? path.join(os.homedir(), '.cache', 'flame', `code-server-${CODE_SERVER_VERSION}`);
/** VS Code's native modules that code-server runs (kerberos, for proxy logins, is left out). */
const NATIVE = ['@parcel/watcher', '@vscode/deviceid', '@vscode/spdlog', 'native-watchdog', 'node-pty'];

const pkg = () => path.join(CODE_SERVER_DIR, 'node_modules', 'code-server');
const entry = () => path.join(pkg(), 'out', 'node', 'entry.js');
const ready = () => path.join(CODE_SERVER_DIR, '.flame-ready');

async function npm(args: string[], cwd: string): Promise<void> {
  const r = await runCmd('npm', [...args, '--no-audit', '--no-fund'], { cwd });
  assert.equal(r.exitCode, 0, `npm ${args.join(' ')} in ${cwd} failed:\n${r.stdout}${r.stderr}`);
}

/** Install code-server unless a finished install is there; returns its entry script. */
export async function ensureCodeServer(log: (msg: string) => void): Promise<string> {
  if (existsSync(ready())) return entry();
  // node-gyp builds against these headers instead of downloading them.
  const nodedir = path.resolve(path.dirname(process.execPath), '..');
  assert.ok(existsSync(path.join(nodedir, 'include', 'node', 'common.gypi')), `Node's headers are not under ${nodedir}/include/node; install Node with them`);
  const rg = (await runCmd('sh', ['-c', 'command -v rg'])).stdout.trim();
  assert.ok(rg, 'ripgrep is needed (VS Code searches the workspace with it): apt-get install ripgrep');
  rmSync(CODE_SERVER_DIR, { recursive: true, force: true });
  mkdirSync(CODE_SERVER_DIR, { recursive: true });
  log(`installing code-server ${CODE_SERVER_VERSION} into ${CODE_SERVER_DIR} (a few minutes)`);
  await npm(['install', '--prefix', CODE_SERVER_DIR, '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`], CODE_SERVER_DIR);
  await npm(['rebuild', 'argon2', `--nodedir=${nodedir}`], CODE_SERVER_DIR);
  const vscode = path.join(pkg(), 'lib', 'vscode');
  // The shrinkwrap pins @vscode/proxy-agent to a git commit (ssh): let npm take the registry's.
  const shrinkwrap = path.join(vscode, 'npm-shrinkwrap.json');
  const lock = JSON.parse(readFileSync(shrinkwrap, 'utf8')) as { packages: Record<string, { resolved?: string }> };
  for (const [name, entry] of Object.entries(lock.packages)) if (entry.resolved?.startsWith('git')) delete lock.packages[name];
  writeFileSync(shrinkwrap, JSON.stringify(lock, null, 2));
  await npm(['install', '--omit=dev', '--ignore-scripts'], vscode);
  await npm(['rebuild', ...NATIVE, `--nodedir=${nodedir}`], vscode);
  const rgDir = path.join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgDir, { recursive: true });
  symlinkSync(rg, path.join(rgDir, 'rg'));
  // What code-server's postinstall.sh links.
  symlinkSync('node_modules', path.join(vscode, 'node_modules.asar'));
  symlinkSync('code-linux.sh', path.join(vscode, 'bin', 'remote-cli', 'code-server'));
  symlinkSync('browser-linux.sh', path.join(vscode, 'bin', 'helpers', 'browser.sh'));
  writeFileSync(ready(), `${CODE_SERVER_VERSION}\n`);
  return entry();
}

export interface CodeServer {
  url: string;
  userDir: string;
  child: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

/** Install the extension and serve `folder` on 127.0.0.1 without a password, in a private profile. */
export async function startCodeServer(opts: { vsix: string; folder: string; home: string; env: NodeJS.ProcessEnv; settings: object }): Promise<CodeServer> {
  const script = entry();
  const userDir = path.join(opts.home, 'user');
  const extDir = path.join(opts.home, 'extensions');
  mkdirSync(path.join(userDir, 'User'), { recursive: true });
  writeFileSync(path.join(userDir, 'User', 'settings.json'), JSON.stringify(opts.settings, null, 2));
  const env = { ...opts.env, XDG_CONFIG_HOME: path.join(opts.home, 'config'), XDG_DATA_HOME: path.join(opts.home, 'data') };
  const dirs = ['--user-data-dir', userDir, '--extensions-dir', extDir];
  const installed = await runCmd(process.execPath, [script, ...dirs, '--install-extension', opts.vsix], { env });
  assert.equal(installed.exitCode, 0, installed.stdout + installed.stderr);
  const args = [script, ...dirs, '--auth', 'none', '--bind-addr', '127.0.0.1:0', '--disable-telemetry', '--disable-update-check', opts.folder];
  // Its own process group: the extension host, flame lsp and what they start end with it.
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const on = (b: Buffer) => {
      out += b.toString();
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`code-server exited (${code}) before listening:\n${out}`)));
  });
  return {
    url,
    userDir,
    child,
    log: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}
