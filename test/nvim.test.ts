// `flame lsp` end to end in real Neovim (headless, 0.7's vim.lsp.start_client): an init.lua
// written here opens the fixture's src/lib.rs, waits for flame's diagnostics, asks for code
// lenses and writes both as JSON; the test checks them against the daemon's own numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Connection, send } from '../clients/connect.js';
import { pct, plusMinus } from '../clients/lsp/convert.js';
import * as P from '../protocol/methods.js';
import { NVIM, runNvim } from './nvim-harness.js';
import { daemonClient, startWorkspace, type Workspace } from './lsp-harness.js';

let ws: Workspace;
let daemon: Connection;

before(async () => {
  ws = await startWorkspace('flame-nvim');
  daemon = await daemonClient(ws);
  await send(daemon.conn, P.ProfileOnce.type, {});
});

after(() => {
  daemon?.close();
  ws?.stop();
});

test('Neovim shows the hot line of mix as a diagnostic and the function as a code lens', { timeout: 150_000 }, async () => {
  assert.ok(existsSync(NVIM), `Neovim is missing at ${NVIM}: apt-get install -y neovim (or set FLAME_NVIM)`);
  const top = await send(daemon.conn, P.Top.type, { limit: 100 });
  const lib = path.join(ws.work, 'src', 'lib.rs');
  const lines = await send(daemon.conn, P.Lines.type, { file: lib, limit: 100 });
  const r = await runNvim({ root: ws.work, file: lib, runtime: ws.runtime, env: ws.env });
  assert.equal(r.error, undefined);
  assert.equal(r.arrived, true, 'diagnostics arrived');

  const mix = top.functions.find((f) => f.name === 'hotspots::mix')!;
  const decl = r.diagnostics.find((d) => d.lnum === mix.line! - 1);
  assert.ok(decl, JSON.stringify(r.diagnostics));
  assert.ok(decl.message.startsWith(`hotspots::mix: ${pct(mix.self / top.samples)} self (${mix.self} samples)`), decl.message);
  const hottest = lines.lines.filter((l) => l.line >= 10 && l.line <= 12).sort((a, b) => b.self - a.self)[0]!;
  const hot = r.diagnostics.find((d) => d.lnum === hottest.line - 1);
  assert.ok(hot?.message.startsWith(`line: ${pct(hottest.self / lines.samples)} self`), JSON.stringify(r.diagnostics));
  assert.equal(hot!.severity, 3, 'Information');

  const lens = r.lenses.find((l) => l.line === mix.line! - 1 && l.title.includes('hotspots::mix'));
  assert.ok(lens, JSON.stringify(r.lenses));
  // With its 95% band, from sampling alone as the profile is one run.
  assert.ok(lens.title.includes(`${pct(mix.self / top.samples)} ${plusMinus(mix.noise!.self)} self`), lens.title);
  assert.ok(lens.title.includes('± at 95%, sampling only'), lens.title);
});
