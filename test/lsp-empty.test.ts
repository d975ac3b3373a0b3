// `flame lsp` in a workspace with no daemon and no profile: it starts the daemon itself
// (connect-or-spawn), shows nothing but a "profile now" lens, and the lens's command makes the
// first profile, after which the annotations appear.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeLens, InlayHint } from 'vscode-languageserver-protocol';
import { FIXTURES, runFlame } from './helpers.js';
import { LspClient } from './lsp-harness.js';

let work: string;
let env: NodeJS.ProcessEnv;
let lsp: LspClient;

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'flame-lsp-empty-ws-'));
  const runtime = mkdtempSync(path.join(os.tmpdir(), 'flame-lsp-empty-rt-'));
  cpSync(path.join(FIXTURES, 'hotspots'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  env = { ...process.env, FLAME_RUNTIME_DIR: runtime, FLAME_CACHE_DIR: path.join(runtime, 'cache'), FLAME_FIXTURE_SCALE: '0.3', FLAME_DEBOUNCE_MS: '300' };
  lsp = new LspClient(env, work);
});

after(async () => {
  await lsp?.close();
  // The language server started this daemon; stop it the ordinary way.
  await runFlame(['daemon', 'stop'], { cwd: work, env });
});

test('no profile: nothing but a "profile now" lens; its command brings the annotations', { timeout: 120_000 }, async () => {
  await lsp.initialize(work);
  const lib = path.join(work, 'src', 'lib.rs');
  const uri = pathToFileURL(lib).href;
  await lsp.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'rust', version: 1, text: readFileSync(lib, 'utf8') } });
  const range = { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } };
  assert.deepEqual(await lsp.conn.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range }), []);
  // The daemon was started by the language server: the lens list says there is no profile yet.
  let lenses: CodeLens[] = [];
  for (let i = 0; i < 100; i++) {
    lenses = (await lsp.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[];
    if (lenses.length > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(
    lenses.map((l) => l.command?.title),
    ['flame: no profile yet — profile now'],
  );
  const status = await runFlame(['daemon', 'status', '--json'], { cwd: work, env });
  assert.equal(status.exitCode, 0, status.stderr);

  const from = lsp.received.length;
  const lens = lenses[0]!.command!;
  await lsp.conn.sendRequest('workspace/executeCommand', { command: lens.command, arguments: lens.arguments ?? [] });
  await lsp.next((m) => m.method === 'workspace/inlayHint/refresh', 60000, from);
  const hints = (await lsp.conn.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range })) as InlayHint[];
  assert.ok(
    hints.some((h) => h.position.line >= 9 && h.position.line <= 11),
    JSON.stringify(hints),
  );
  const after = (await lsp.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[];
  assert.ok(after.some((l) => l.command?.title.includes('hotspots::mix')));
  assert.ok(!after.some((l) => l.command?.title.includes('no profile yet')));
});

test('cargo missing from the PATH: the server shows an error that says to install it', { timeout: 60_000 }, async () => {
  // As an editor started from a desktop menu gets it: a PATH without ~/.cargo/bin.
  const bare = mkdtempSync(path.join(os.tmpdir(), 'flame-lsp-nocargo-'));
  const noCargo = new LspClient({ ...env, PATH: bare }, work);
  try {
    await noCargo.initialize(work);
    const m = await noCargo.next((m) => m.method === 'window/showMessage');
    const p = m.params as { type: number; message: string };
    assert.equal(p.type, 1, 'an error');
    assert.match(p.message, /^flame: cannot reach the workspace's daemon: cargo is not installed: install Rust with rustup/);
  } finally {
    await noCargo.close();
  }
});
