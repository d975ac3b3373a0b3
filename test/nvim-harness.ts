// Real Neovim (headless, 0.7's vim.lsp.start_client) running `flame lsp` on a workspace: an
// init.lua opens a source file, waits for flame's diagnostics, asks for code lenses and writes
// both as JSON. Shared by the editor test and the cross-client history test.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { FLAME_BIN, runEditor } from './helpers.js';

export const NVIM = process.env.FLAME_NVIM ?? '/usr/bin/nvim';

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

export interface NvimResult {
  arrived?: boolean;
  error?: string;
  diagnostics: Array<{ lnum: number; message: string; severity: number }>;
  lenses: Array<{ line: number; title: string }>;
}

/** Open `file` of the workspace `root` in Neovim with flame's language server; what it showed. */
export async function runNvim(opts: { root: string; file: string; runtime: string; env: NodeJS.ProcessEnv }): Promise<NvimResult & { stderr: string }> {
  const init = path.join(opts.runtime, 'init.lua');
  writeFileSync(init, INIT_LUA);
  const outFile = path.join(opts.runtime, 'nvim-out.json');
  const env = {
    ...opts.env,
    FLAME_NVIM_OUT: outFile,
    FLAME_NVIM_FILE: opts.file,
    FLAME_NVIM_ROOT: opts.root,
    FLAME_NODE: process.execPath,
    FLAME_BIN,
    XDG_STATE_HOME: opts.runtime,
    XDG_DATA_HOME: opts.runtime,
    XDG_CACHE_HOME: opts.runtime,
  };
  return runEditor<NvimResult>(NVIM, ['--headless', '--clean', '-u', init], { cwd: opts.root, env, outFile, timeoutMs: 100_000 });
}
