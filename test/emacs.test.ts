// `flame lsp` end to end in real Emacs with eglot (batch mode): Flymake shows the hot line of
// mix and the function's share with the daemon's own numbers, the hover carries them too, and
// eglot's code-action prompt at `fn main` starts a profile (eglot has no code lenses).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Connection, send } from '../clients/connect.js';
import { pct } from '../clients/lsp/convert.js';
import * as P from '../protocol/methods.js';
import { EMACS, runEmacs } from './emacs-harness.js';
import { daemonClient, startWorkspace, type Workspace } from './lsp-harness.js';

let ws: Workspace;
let daemon: Connection;

before(async () => {
  ws = await startWorkspace('flame-emacs');
  daemon = await daemonClient(ws);
  await send(daemon.conn, P.ProfileOnce.type, {});
});

after(() => {
  daemon?.close();
  ws?.stop();
});

test('Emacs with eglot: Flymake diagnostics on the hot line, the hover, and a code action that profiles', { timeout: 300_000 }, async () => {
  assert.ok(existsSync(EMACS), `Emacs is missing at ${EMACS}: apt-get install -y emacs-nox elpa-eglot (or set FLAME_EMACS)`);
  const top = await send(daemon.conn, P.Top.type, { limit: 100 });
  const lib = path.join(ws.work, 'src', 'lib.rs');
  const lines = await send(daemon.conn, P.Lines.type, { file: lib, limit: 100 });
  const hottest = lines.lines.filter((l) => l.line >= 10 && l.line <= 12).sort((a, b) => b.self - a.self)[0]!;
  const before = (await send(daemon.conn, P.ProfileList.type, {})).profiles.length;

  const r = await runEmacs({
    root: ws.work,
    file: lib,
    hoverLine: hottest.line - 1,
    actionFile: path.join(ws.work, 'src', 'main.rs'),
    action: '▶ Profile bin hotspots (flame)',
    runtime: ws.runtime,
    env: ws.env,
  });
  assert.equal(r.error, undefined, r.stderr);
  assert.equal(r.connected, true, 'eglot connected to flame lsp');
  assert.equal(r.arrived, true, `Flymake got flame's diagnostics: ${r.stderr}`);

  const mix = top.functions.find((f) => f.name === 'hotspots::mix')!;
  // Flymake's text is eglot's: the source and code first (`flame [hot-line]: …`).
  const decl = r.diagnostics!.find((d) => d.line === mix.line! - 1);
  assert.ok(decl?.message.includes(`hotspots::mix: ${pct(mix.self / top.samples)} self (${mix.self} samples)`), JSON.stringify(r.diagnostics));
  const hot = r.diagnostics!.find((d) => d.line === hottest.line - 1);
  assert.ok(hot?.message.includes(`line: ${pct(hottest.self / lines.samples)} self`), JSON.stringify(r.diagnostics));
  // eglot maps Information to Flymake's note, not to a warning.
  assert.equal(hot!.type, 'eglot-note', JSON.stringify(hot));

  assert.ok(r.hover?.includes(`${hottest.self}`) && r.hover.includes(pct(hottest.self / lines.samples)), r.hover);

  assert.ok(r.actions?.includes('▶ Profile bin hotspots (flame)') && r.actions.includes('👁 Watch bin hotspots (flame)'), JSON.stringify(r.actions));
  assert.equal(r.executed, true);
  // The action ran flame.profileOnce: the history has one more profile, of the binary.
  const after = (await send(daemon.conn, P.ProfileList.type, {})).profiles;
  assert.equal(after.length, before + 1, JSON.stringify(after.map((p) => p.id)));
});
