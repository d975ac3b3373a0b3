// The VS Code extension in a real VS Code: code-server 4.96.4 (test/code-server.ts installs it),
// the packaged extension, a copy of the hotspots fixture, and Debian's Chromium driving the
// workbench as a user would: off in Restricted Mode, the first-run error and its button, the
// lenses, ▶ Profile, the hot lines, and the flame graph opened through code-server's /proxy/PORT/. Not part of `npm test`
// (see clients/vscode/README.md): `npm run test:vscode` runs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants, cpSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureCodeServer, startCodeServer, type CodeServer } from './code-server.js';
import { FIXTURES, REPO, runFlame, scratch } from './helpers.js';
import { packageVsix } from './vsix.js';

// Page-side callbacks run in Chromium; the tests' own lib has no DOM types.
declare const window: { flame?: { graph?: { nodeCount: number } } };

const SHOTS = path.join(REPO, 'test-output', 'vscode');
const MINUTE = 60_000;
let cs: CodeServer;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let work: string;
let flameEnv: Record<string, string>;

/** The PATH without any directory that holds a `flame`: the user has not installed it yet. */
function pathWithoutFlame(): string {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((d) => d && !existsExecutable(path.join(d, 'flame')))
    .join(path.delimiter);
}

function existsExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await ensureCodeServer((m) => console.error(`vscode-e2e: ${m}`));
  const vsix = await packageVsix();
  const home = scratch('flame-code-server-');
  work = path.join(home, 'hotspots');
  cpSync(path.join(FIXTURES, 'hotspots'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  const runtime = path.join(home, 'runtime');
  flameEnv = { FLAME_RUNTIME_DIR: runtime, FLAME_CACHE_DIR: path.join(runtime, 'cache'), FLAME_FIXTURE_SCALE: '0.3' };
  cs = await startCodeServer({
    vsix,
    folder: work,
    home,
    env: { ...process.env, ...flameEnv, PATH: pathWithoutFlame() },
    // Workspace trust as VS Code ships it: the first test declines, then grants it.
    settings: { 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off' },
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'], timeout: 30_000 });
  ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await ctx.newPage();
  page.setDefaultTimeout(MINUTE);
  await page.goto(`${cs.url}/?folder=${encodeURIComponent(work)}`);
});

after(async () => {
  await browser?.close();
  await cs?.stop();
  if (work) await runFlame(['daemon', 'stop'], { cwd: work, env: { ...process.env, ...flameEnv } });
});

/** Open a workspace file from the explorer, as a click would. */
async function open(...names: string[]): Promise<void> {
  for (const n of names) await page.getByRole('treeitem', { name: n, exact: true }).click();
}

test('an untrusted folder: the extension is disabled in Restricted Mode; trusting the folder starts it', async () => {
  // VS Code asks on opening the folder; say no, as for a crate one has not read yet.
  await page.getByRole('button', { name: /No, I don.t trust the authors/ }).click();
  await page.keyboard.press('Control+Shift+X');
  const search = page.locator('.extensions-viewlet .suggest-input-container textarea, .extensions-viewlet .suggest-input-container input').first();
  await search.waitFor();
  await search.fill('@workspaceUnsupported');
  // Disabled, not "limited": the manifest says it does not run untrusted at all.
  const disabled = page.locator('.extensions-viewlet .pane', { has: page.locator('.pane-header', { hasText: 'Disabled in Restricted Mode' }) });
  const listed = disabled.locator('.monaco-list-row', { hasText: 'flame: Rust profiles in the editor' });
  await listed.first().waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'restricted-mode.png') });
  await page.keyboard.press('F1');
  await page.keyboard.type('Workspaces: Manage Workspace Trust');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Trust', exact: true }).first().click();
  await page.keyboard.press('Control+Shift+E');
});

test('flame not on the PATH: an error says where it looked; its buttons open the install instructions and the flame.path setting', async () => {
  const toast = page.locator('.notification-toast', { hasText: 'the flame executable was not found' });
  await toast.first().waitFor();
  const text = (await toast.first().textContent()) ?? '';
  assert.match(text, /not found in PATH \(.*\), .*hotspots\/node_modules\/\.bin; install flame .* or set flame\.path/);
  assert.doesNotMatch(text, /ENOENT|couldn't create connection/i);
  await page.screenshot({ path: path.join(SHOTS, 'flame-missing.png') });
  // Install instructions: the packaged README, shown in the editor.
  await toast.getByRole('button', { name: 'Install instructions' }).click();
  await page.locator('.tab', { hasText: 'Preview README.md' }).first().waitFor();
  await toast.first().waitFor({ state: 'hidden' });
  // The restart command looks again, and says the same.
  await page.keyboard.press('F1');
  await page.keyboard.type('flame: Restart the language server');
  await page.keyboard.press('Enter');
  await toast.first().waitFor();
  await toast.getByRole('button', { name: 'Set flame.path' }).click();
  const setting = page.locator('.settings-editor .setting-item-contents', { hasText: 'flame executable' });
  await setting.first().waitFor();
  // Set it as the user would, in the settings editor: the extension restarts the server by itself.
  const input = setting.first().locator('input');
  await input.fill(path.join(REPO, 'bin', 'flame.js'));
  await input.press('Tab');
  await page.screenshot({ path: path.join(SHOTS, 'flame-path-setting.png') });
});

test('the lenses appear; ▶ Profile profiles the binary and the hot lines show in lib.rs', { timeout: 5 * MINUTE }, async () => {
  await open('src', 'main.rs');
  const profile = page.locator('.codelens-decoration a', { hasText: '▶ Profile' });
  await profile.first().waitFor();
  assert.match((await page.locator('.codelens-decoration').allTextContents()).join(' | '), /no profile yet/);
  await page.screenshot({ path: path.join(SHOTS, 'lenses.png') });
  await profile.first().click();
  await open('lib.rs');
  // Real cargo and perf run in the daemon: the inlay hints land when the profile does.
  await page
    .locator('.view-lines', { hasText: '🔥' })
    .first()
    .waitFor({ timeout: 4 * MINUTE });
  await page.locator('.codelens-decoration', { hasText: '🔥 hotspots::mix' }).first().waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'hot-lines.png') });
});

test("Open the flame graph: through code-server's /proxy/PORT/ the page draws the profile", async () => {
  const popup = ctx.waitForEvent('page');
  await page.keyboard.press('F1');
  await page.keyboard.type('flame: Open the flame graph');
  await page.keyboard.press('Enter');
  const graph = await popup;
  const u = new URL(graph.url());
  assert.equal(u.origin, cs.url, "code-server's own address");
  assert.match(u.pathname, /^\/proxy\/\d+\/[\w-]{16}\/t\/[\w-]{20,}\/$/, 'the path token survives the proxy');
  await graph.waitForFunction(() => (window.flame?.graph?.nodeCount ?? 0) > 3, undefined, { timeout: MINUTE });
  await graph.screenshot({ path: path.join(SHOTS, 'flame-graph.png') });
});
