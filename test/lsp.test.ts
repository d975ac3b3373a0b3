// `flame lsp` at the protocol level: a real LSP client connection to a real `flame lsp` child
// over stdio, a real daemon on a private socket and a temp copy of the hotspots fixture with a
// profile made first. Hints, lenses, hovers and diagnostics carry the daemon's numbers; they
// follow edits; a new profile makes the server ask the client to refresh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeAction, CodeLens, Diagnostic, Hover } from 'vscode-languageserver-protocol';
import { type Connection, send } from '../clients/connect.js';
import { pct, plusMinus } from '../clients/lsp/convert.js';
import * as P from '../protocol/methods.js';
import { daemonClient, labelOf, LspClient, startWorkspace, type Workspace } from './lsp-harness.js';

let ws: Workspace;
let daemon: Connection;
let lsp: LspClient;
let lib: string;
let uri: string;
let lines: P.Lines.Result;
let top: P.Top.Result;
let version = 1;
/** The hot line of mix (1-based, on disk) that the edits test changed in the buffer: which one depends on the samples. */
let editedLine = 0;

const hints = () => lsp.hints(uri);
const lenses = () => lsp.lenses(uri);
const edit = (range: { start: { line: number; character: number }; end: { line: number; character: number } }, text: string) =>
  lsp.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ range, text }] });
const pos = (line: number, character = 0) => ({ line, character });

before(async () => {
  ws = await startWorkspace('flame-lsp');
  lib = path.join(ws.work, 'src', 'lib.rs');
  uri = pathToFileURL(lib).href;
  daemon = await daemonClient(ws);
  await send(daemon.conn, P.ProfileOnce.type, {});
  lines = await send(daemon.conn, P.Lines.type, { file: lib, limit: 1000 });
  top = await send(daemon.conn, P.Top.type, { limit: 1000 });
  lsp = new LspClient(ws.env, ws.work);
  await lsp.initialize(ws.work);
  await lsp.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'rust', version, text: readFileSync(lib, 'utf8') } });
});

after(async () => {
  await lsp?.close();
  daemon?.close();
  ws?.stop();
});

test("the hot lines of mix carry inlay hints with the daemon's shares", async () => {
  const mixLines = lines.lines.filter((l) => l.line >= 10 && l.line <= 12 && l.self > 0);
  assert.ok(mixLines.length > 0, 'the profile has samples on the lines of mix');
  const hottest = mixLines.sort((a, b) => b.self - a.self)[0]!;
  const got = await hints();
  const h = got.find((x) => x.position.line === hottest.line - 1);
  assert.ok(h, `a hint on line ${hottest.line}: ${JSON.stringify(got)}`);
  assert.ok(labelOf(h).startsWith(`🔥 ${pct(hottest.self / lines.samples)} ${plusMinus(hottest.noise!.self)}`), labelOf(h));
  // One run: the band knows sampling noise only, and says so.
  assert.match(labelOf(h), / \(sampling\)$/);
  assert.match(String(h.tooltip), /± at 95%, sampling noise only \(one run\)/);
  // At the end of the line, and never on lines outside the workspace's sources.
  assert.equal(h.position.character, readFileSync(lib, 'utf8').split('\n')[hottest.line - 1]!.length);
});

test('code lenses: mix has its shares above its declaration; main-less lib.rs has no target lens', async () => {
  const mix = top.functions.find((f) => f.name === 'hotspots::mix')!;
  const got = await lenses();
  const lens = got.find((l) => l.command?.title.includes('hotspots::mix'));
  assert.ok(lens, JSON.stringify(got.map((l) => l.command?.title)));
  assert.equal(lens.range.start.line, mix.line! - 1);
  assert.ok(lens.command!.title.includes(`${pct(mix.self / top.samples)} ${plusMinus(mix.noise!.self)} self`), lens.command!.title);
  assert.ok(lens.command!.title.includes(`(${mix.self} / ${mix.total} samples; ± at 95%, sampling only)`), lens.command!.title);
  assert.ok(!got.some((l) => l.command?.title.startsWith('▶')), 'lib.rs has no fn main or #[test]');
});

test('main.rs gets lenses (and code actions) that profile its binary once or watch it', async () => {
  const main = path.join(ws.work, 'src', 'main.rs');
  const muri = pathToFileURL(main).href;
  await lsp.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: muri, languageId: 'rust', version: 1, text: readFileSync(main, 'utf8') } });
  const got = (await lsp.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: muri } })) as CodeLens[];
  const once = got.find((l) => l.command?.command === 'flame.profileOnce');
  assert.ok(once && got.some((l) => l.command?.command === 'flame.watch'), JSON.stringify(got));
  assert.equal(
    once.range.start.line,
    readFileSync(main, 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith('fn main')),
  );
  assert.deepEqual((once.command!.arguments![0] as { target: { bin: string } }).target.bin, 'hotspots');

  // The same commands as code actions, for editors without lenses: at `fn main` and inside its body.
  const actions = (u: string, line: number, only?: string[]) =>
    lsp.conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri: u },
      range: { start: pos(line), end: pos(line) },
      context: { diagnostics: [], ...(only ? { only } : {}) },
    }) as Promise<CodeAction[]>;
  for (const line of [once.range.start.line, once.range.start.line + 2]) {
    const got = await actions(muri, line);
    const profile = got.find((a) => a.command?.command === 'flame.profileOnce');
    assert.ok(profile && got.some((a) => a.command?.command === 'flame.watch'), JSON.stringify(got));
    assert.equal(profile.kind, 'source.flame');
    assert.deepEqual(profile.command!.arguments, once.command!.arguments, 'the action starts what the lens starts');
    assert.ok(got.some((a) => a.command?.command === 'flame.openFlameGraph'));
  }
  assert.equal((await actions(muri, once.range.start.line, ['quickfix'])).length, 0, 'a client asking for quick fixes only gets none');
  assert.ok((await actions(muri, once.range.start.line, ['source'])).length > 0, '`source` covers source.flame');
  // lib.rs has no runnable item: the default target's profile.
  const inLib = await actions(uri, 10);
  assert.deepEqual(
    inLib.filter((a) => a.command?.command === 'flame.profileOnce').map((a) => a.command!.arguments),
    [[]],
    JSON.stringify(inLib),
  );
  await lsp.conn.sendNotification('textDocument/didClose', { textDocument: { uri: muri } });
});

test('hover on the hot line: counts, shares, callers and callees', async () => {
  const hottest = [...lines.lines].filter((l) => l.line >= 10 && l.line <= 12).sort((a, b) => b.self - a.self)[0]!;
  const h = (await lsp.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: pos(hottest.line - 1, 4) })) as Hover;
  const text = (h.contents as { value: string }).value;
  assert.match(text, new RegExp(`line ${hottest.line}\\*\\*: ${hottest.self} samples self`));
  assert.match(text, /hotspots::mix/);
  assert.match(text, /Callers:\n- `hotspots::hash_chain`/);
  // On the declaration of mix: the function's own numbers.
  const mix = top.functions.find((f) => f.name === 'hotspots::mix')!;
  const d = (await lsp.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: pos(mix.line! - 1, 8) })) as Hover;
  // With its 95% band, from sampling alone as the profile is one run.
  const band = pct((mix.noise!.self.high - mix.noise!.self.low) / 2);
  assert.match(
    (d.contents as { value: string }).value,
    new RegExp(
      `\\*\\*\`hotspots::mix\`\\*\\*: ${mix.self} samples self \\(${pct(mix.self / top.samples).replace('.', '\\.')} ±${band.replace('.', '\\.')}\\), ${mix.total} total`,
    ),
  );
  assert.match((d.contents as { value: string }).value, /± at 95%, sampling noise only \(one run\)/);
  const none = await lsp.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: pos(0, 0) });
  assert.equal(none, null);
});

test("diagnostics are published: the function's share on its declaration, each hot line's share", async () => {
  const mix = top.functions.find((f) => f.name === 'hotspots::mix')!;
  const m = await lsp.next(
    (x) => x.method === 'textDocument/publishDiagnostics' && (x.params as { uri: string; diagnostics: Diagnostic[] }).diagnostics.length > 0,
  );
  const diags = (m.params as { diagnostics: Diagnostic[] }).diagnostics;
  const decl = diags.find((d) => d.range.start.line === mix.line! - 1);
  assert.ok(decl, JSON.stringify(diags));
  assert.ok(decl.message.startsWith(`hotspots::mix: ${pct(mix.self / top.samples)} self (${mix.self} samples)`), decl.message);
  const hottest = [...lines.lines].sort((a, b) => b.self - a.self)[0]!;
  const line = diags.find((d) => d.range.start.line === hottest.line - 1 && d.code === 'hot-line');
  assert.ok(line?.message.startsWith(`line: ${pct(hottest.self / lines.samples)} self`), JSON.stringify(diags));
});

test('edits: hints follow inserted lines; an edited hot line loses its hint', async () => {
  const before = await hints();
  await edit({ start: pos(0), end: pos(0) }, '// one\n// two\n');
  const moved = await hints();
  assert.deepEqual(
    moved.map((h) => [h.position.line, labelOf(h)]),
    before.map((h) => [h.position.line + 2, labelOf(h)]),
  );
  const hottest = [...lines.lines].filter((l) => l.line >= 10 && l.line <= 12).sort((a, b) => b.self - a.self)[0]!;
  editedLine = hottest.line;
  const line = hottest.line - 1 + 2;
  await edit({ start: pos(line, 4), end: pos(line, 4) }, 'black_box(0); ');
  const after = await hints();
  assert.ok(!after.some((h) => h.position.line === line), JSON.stringify(after));
  assert.equal(after.length, moved.length - 1);
  // The diagnostics follow too.
  const m = await lsp.next((x) => x.method === 'textDocument/publishDiagnostics' && (x.params as { version?: number }).version === version);
  assert.ok(!(m.params as { diagnostics: Diagnostic[] }).diagnostics.some((d) => d.range.start.line === line));
});

test('bad requests get errors or nothing, and the server lives on', async () => {
  const unknownDoc = await lsp.conn.sendRequest('textDocument/inlayHint', {
    textDocument: { uri: 'file:///nowhere.rs' },
    range: { start: pos(0), end: pos(5) },
  });
  assert.deepEqual(unknownDoc, []);
  await lsp.conn.sendNotification('textDocument/didChange', { textDocument: { uri: 'file:///nowhere.rs', version: 3 }, contentChanges: [{ text: 'x' }] });
  // Nonsense ranges in a buffer of the workspace: clamped, reversed, or not even objects.
  const scratch = pathToFileURL(path.join(ws.work, 'src', 'scratch.rs')).href;
  await lsp.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: scratch, languageId: 'rust', version: 1, text: 'fn a() {}\n' } });
  await lsp.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: scratch, version: 2 },
    contentChanges: [{ range: { start: pos(999, 3), end: { line: -5, character: -1 } }, text: 'x' }, null, { text: 42 }],
  });
  assert.deepEqual(await lsp.conn.sendRequest('textDocument/inlayHint', { textDocument: { uri: scratch }, range: { start: pos(0), end: pos(5) } }), []);
  await lsp.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: -3, character: 'x' } }).catch(() => undefined);
  await lsp.conn.sendNotification('textDocument/didClose', { textDocument: { uri: scratch } });
  const r = (await lsp.conn.sendRequest('workspace/executeCommand', { command: 'flame.nonsense', arguments: [] })) as { error: string };
  assert.match(r.error, /unknown command flame\.nonsense; flame's commands are/);
  await lsp.conn.sendNotification('workspace/didChangeConfiguration', { settings: { flame: { hints: { minShare: 'lots' } } } });
  assert.ok((await hints()).length > 0, 'a malformed setting falls back to its default');
});

test('settings: a higher threshold hides cooler hints; a new profile from a lens command refreshes the client', async () => {
  const all = await hints();
  await lsp.conn.sendNotification('workspace/didChangeConfiguration', { settings: { flame: { hints: { minShare: 0.3 } } } });
  const hot = await hints();
  assert.ok(hot.length >= 1 && hot.length < all.length, `${hot.length} of ${all.length}`);
  // The pull model: no settings in the notification, the server asks for the section.
  await lsp.conn.sendNotification('workspace/didChangeConfiguration', { settings: { flame: {} } });
  assert.equal((await hints()).length, all.length);
  lsp.config = { hints: { minShare: 0.3 } };
  const asked = lsp.received.length;
  await lsp.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
  await lsp.next((m) => m.method === 'workspace/configuration', 10000, asked);
  await lsp.next((m) => m.method === 'workspace/inlayHint/refresh', 10000, asked);
  assert.equal((await hints()).length, hot.length);
  lsp.config = {};
  await lsp.conn.sendNotification('workspace/didChangeConfiguration', { settings: { flame: {} } });

  const from = lsp.received.length;
  const meta = (await lsp.conn.sendRequest('workspace/executeCommand', {
    command: 'flame.profileOnce',
    arguments: [{ target: { bin: 'hotspots' } }],
  })) as P.ProfileOnce.Result;
  assert.ok(meta.id, JSON.stringify(meta));
  // Progress: created, begun, ended; the end comes with profile/ready, the refreshes after the new profile is loaded.
  await lsp.next((m) => m.method === 'window/workDoneProgress/create', 60000, from);
  const end = await lsp.next((m) => m.method === '$/progress' && (m.params as { value: { kind: string } }).value.kind === 'end', 60000, from);
  const afterEnd = lsp.received.indexOf(end) + 1;
  await lsp.next((m) => m.method === 'workspace/inlayHint/refresh', 60000, afterEnd);
  await lsp.next((m) => m.method === 'workspace/codeLens/refresh', 60000, afterEnd);
  // The hints now show the new profile, still placed through the unsaved edits of the buffer.
  const newLines = await send(daemon.conn, P.Lines.type, { profile: meta.id, file: lib, limit: 1000 });
  // mix's hot lines (10–12, 1-based) sit two lines down in the buffer; the edited one has no hint.
  const h = newLines.lines.filter((l) => l.line >= 10 && l.line <= 12 && l.line !== editedLine).sort((a, b) => b.self - a.self)[0];
  assert.ok(h && h.self / newLines.samples >= 0.01, JSON.stringify(newLines.lines.slice(0, 5)));
  const got = await hints();
  {
    const hint = got.find((x) => x.position.line === h.line - 1 + 2);
    assert.ok(
      hint && labelOf(hint).startsWith(`🔥 ${pct(h.self / newLines.samples)}`),
      `${JSON.stringify(h)} of ${newLines.samples} (${newLines.profile} vs ${meta.id}): ${JSON.stringify(got)}`,
    );
  }
  assert.ok(editedLine >= 10 && !got.some((x) => x.position.line === editedLine - 1 + 2), JSON.stringify(got));
});

test('a significant change against the previous profile: "(was …)" hints and regressed-line diagnostics', async () => {
  // Less hashing, more prime counting: count_primes' lines get much hotter.
  const main = path.join(ws.work, 'src', 'main.rs');
  writeFileSync(main, readFileSync(main, 'utf8').replace('150_000_000.0 * s', '10_000_000.0 * s').replace('400_000.0 * s', '1_500_000.0 * s'));
  const from = lsp.received.length;
  const meta = (await lsp.conn.sendRequest('workspace/executeCommand', { command: 'flame.profileOnce', arguments: [] })) as P.ProfileOnce.Result;
  const end = await lsp.next(
    (m) => m.method === '$/progress' && (m.params as { value: { kind: string; message?: string } }).value.message?.includes(meta.id) === true,
    60000,
    from,
  );
  await lsp.next((m) => m.method === 'workspace/inlayHint/refresh', 60000, lsp.received.indexOf(end) + 1);
  const diff = await send(daemon.conn, P.Diff.type, { current: meta.id, limit: 1000 });
  const up = diff.lines
    .filter((l) => l.file === lib && l.change.self.significant && l.deltaSelfShare > 0 && l.current.self > 0)
    .sort((a, b) => b.deltaSelfShare - a.deltaSelfShare)[0];
  assert.ok(up, `some line of lib.rs got significantly hotter: ${JSON.stringify(diff.lines.slice(0, 5))}`);
  const got = await hints();
  // The buffer still has the two comment lines inserted at the top.
  const hint = got.find((h) => h.position.line === up.line - 1 + 2);
  assert.ok(hint, JSON.stringify(got));
  assert.ok(labelOf(hint).startsWith(`🔥 ${pct(up.current.selfShare)}`), labelOf(hint));
  assert.ok(labelOf(hint).endsWith(`(was ${pct(up.base.selfShare)})`), labelOf(hint));
  const m = await lsp.next(
    (x) => x.method === 'textDocument/publishDiagnostics' && (x.params as { diagnostics: Diagnostic[] }).diagnostics.some((d) => d.code === 'regressed-line'),
    30000,
    from,
  );
  const reg = (m.params as { diagnostics: Diagnostic[] }).diagnostics.find((d) => d.range.start.line === up.line - 1 + 2);
  assert.equal(reg?.message, `line: ${pct(up.current.selfShare)} self, up from ${pct(up.base.selfShare)} in the previous profile`);
});

test('commands: open the flame graph (window/showDocument of the live page), watch and stop watching', async () => {
  const from = lsp.received.length;
  const r = (await lsp.conn.sendRequest('workspace/executeCommand', { command: 'flame.openFlameGraph', arguments: [] })) as { url: string };
  // The page's path-token address, which still works when a proxy sends its own Host (code-server).
  assert.equal(r.url, (await send(daemon.conn, P.WebUrl.type, {})).forwardUrl);
  assert.match(r.url, /^http:\/\/127\.0\.0\.1:\d+\/[\w-]+\/t\/[\w-]+\/$/);
  const shown = await lsp.next((m) => m.method === 'window/showDocument', 10000, from);
  assert.deepEqual(shown.params, { uri: r.url, external: true });

  const w = (await lsp.conn.sendRequest('workspace/executeCommand', { command: 'flame.watch', arguments: [] })) as P.WatchStart.Result;
  assert.ok(w.sessionId, JSON.stringify(w));
  const status = await send(daemon.conn, P.Status.type, {});
  assert.ok(status.sessions.some((s) => s.id === w.sessionId));
  assert.ok((await lenses()).some((l) => l.command?.command === 'flame.stopWatch'));
  await lsp.conn.sendRequest('workspace/executeCommand', { command: 'flame.stopWatch', arguments: [] });
  assert.ok(!(await lenses()).some((l) => l.command?.command === 'flame.stopWatch'));
  const deadline = Date.now() + 20000;
  while ((await send(daemon.conn, P.Status.type, {})).sessions.some((s) => s.id === w.sessionId && s.clients > 0) && Date.now() < deadline)
    await new Promise((res) => setTimeout(res, 100));
  assert.ok(!(await send(daemon.conn, P.Status.type, {})).sessions.some((s) => s.id === w.sessionId && s.clients > 0), 'the session has no client left');
});

test("commands: export the flame graph as an SVG where the daemon says cargo's target directory is", async () => {
  const r = (await lsp.conn.sendRequest('workspace/executeCommand', { command: 'flame.exportSvg', arguments: [] })) as { path: string; profile: string };
  assert.ok(daemon.info.targetDir, 'the daemon names the target directory');
  assert.equal(r.path, path.join(daemon.info.targetDir!, 'flame', 'flamegraph.svg'));
  assert.match(readFileSync(r.path, 'utf8').slice(0, 200), /<svg|<\?xml/);
});

test("a watched program's panic reaches the editor as a warning message", async () => {
  const from = lsp.received.length;
  const w = await send(daemon.conn, P.WatchStart.type, { target: { example: 'chatty' }, programArgs: ['--lines', '3', '--panic'] });
  try {
    const m = await lsp.next((x) => x.method === 'window/showMessage', 120000, from);
    const p = m.params as { type: number; message: string };
    assert.equal(p.type, 2); // Warning
    assert.match(
      p.message,
      /^flame: the profiled program exited with status 101: thread 'main'.* panicked at examples\/chatty\.rs:\d+:\d+: chatty was asked to panic after 3 lines$/,
    );
  } finally {
    await send(daemon.conn, P.WatchStop.type, { sessionId: w.sessionId });
  }
});
