// `flame lsp` end to end in real Neovim (headless, 0.7's vim.lsp.start_client): an init.lua
// written here opens the fixture's src/lib.rs, waits for flame's diagnostics, asks for code
// lenses and writes both as JSON; the test checks them against the daemon's own numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Connection } from '../clients/connect.js';
import { pct } from '../clients/lsp/convert.js';
import * as P from '../protocol/methods.js';
import { FLAME_BIN } from './helpers.js';
import { daemonClient, startWorkspace, type Workspace } from './lsp-harness.js';

const NVIM = process.env.FLAME_NVIM ?? '/usr/bin/nvim';

const INIT_LUA = `
local out = os.getenv('FLAME_NVIM_OUT')
local function finish(result)
  local f = io.open(out, 'w')
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qa!')
end
local function run()
  vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('FLAME_NVIM_FILE')))
  local bufnr = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start_client({
    name = 'flame',
    cmd = { os.getenv('FLAME_NODE'), os.getenv('FLAME_BIN'), 'lsp', '--stdio' },
    root_dir = os.getenv('FLAME_NVIM_ROOT'),
  })
  vim.lsp.buf_attach_client(bufnr, id)
  local arrived = vim.wait(60000, function() return #vim.diagnostic.get(bufnr) > 0 end, 100)
  local diags = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(diags, { lnum = d.lnum, message = d.message, severity = d.severity })
  end
  local res = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeLens', { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }, 20000)
  local lenses = {}
  for _, r in pairs(res or {}) do
    for _, l in ipairs(r.result or {}) do
      table.insert(lenses, { line = l.range.start.line, title = l.command and l.command.title or '' })
    end
  end
  finish({ arrived = arrived, diagnostics = diags, lenses = lenses })
end
vim.api.nvim_create_autocmd('VimEnter', { callback = function()
  local ok, err = pcall(run)
  if not ok then finish({ error = tostring(err) }) end
end })
`;

let ws: Workspace;
let daemon: Connection;

before(async () => {
  ws = await startWorkspace('flame-nvim');
  daemon = await daemonClient(ws);
  await daemon.conn.sendRequest(P.ProfileOnce.type, {});
});

after(() => {
  daemon?.close();
  ws?.stop();
});

interface Result {
  arrived?: boolean;
  error?: string;
  diagnostics: Array<{ lnum: number; message: string; severity: number }>;
  lenses: Array<{ line: number; title: string }>;
}

function runNvim(): Promise<{ code: number | null; stderr: string }> {
  const init = path.join(ws.runtime, 'init.lua');
  writeFileSync(init, INIT_LUA);
  const env = {
    ...ws.env,
    FLAME_NVIM_OUT: path.join(ws.runtime, 'nvim-out.json'),
    FLAME_NVIM_FILE: path.join(ws.work, 'src', 'lib.rs'),
    FLAME_NVIM_ROOT: ws.work,
    FLAME_NODE: process.execPath,
    FLAME_BIN,
    XDG_STATE_HOME: ws.runtime,
    XDG_DATA_HOME: ws.runtime,
    XDG_CACHE_HOME: ws.runtime,
  };
  const child = spawn(NVIM, ['--headless', '--clean', '-u', init], { cwd: ws.work, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    // Bounded: a hung editor is killed and the test fails on its missing output.
    const t = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stderr });
    });
  });
}

test('Neovim shows the hot line of mix as a diagnostic and the function as a code lens', { timeout: 150_000 }, async () => {
  assert.ok(existsSync(NVIM), `Neovim is missing at ${NVIM}: apt-get install -y neovim (or set FLAME_NVIM)`);
  const top = await daemon.conn.sendRequest(P.Top.type, { limit: 100 });
  const lib = path.join(ws.work, 'src', 'lib.rs');
  const lines = await daemon.conn.sendRequest(P.Lines.type, { file: lib, limit: 100 });
  const { code, stderr } = await runNvim();
  const outFile = path.join(ws.runtime, 'nvim-out.json');
  assert.ok(existsSync(outFile), `nvim wrote no result (exit ${code}): ${stderr}`);
  const r = JSON.parse(readFileSync(outFile, 'utf8')) as Result;
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
  assert.ok(lens.title.includes(`${pct(mix.self / top.samples)} self`), lens.title);
});
