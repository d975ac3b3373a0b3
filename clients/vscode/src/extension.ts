// The VS Code extension: a thin shell that starts `flame lsp` for Rust files and adds the
// commands VS Code itself must run (opening the flame graph, restarting the server). The
// profile/watch commands are the server's own, registered by the language client.
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

function flamePath(): string {
  return vscode.workspace.getConfiguration('flame').get<string>('path') || 'flame';
}

/** `flame lsp --stdio`, through node when the setting points at bin/flame.js. */
function serverOptions(): ServerOptions {
  const p = flamePath();
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return p.endsWith('.js') ? { command: 'node', args: [p, 'lsp', '--stdio'], options: { cwd } } : { command: p, args: ['lsp', '--stdio'], options: { cwd } };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'rust' }],
    synchronize: { configurationSection: 'flame' },
    initializationOptions: vscode.workspace.getConfiguration('flame'),
  };
  client = new LanguageClient('flame', 'flame', serverOptions(), clientOptions);
  await client.start();
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

/** Run `flame web` and open its URL; without it, export the flame graph as SVG and open that. */
async function openFlameGraph(): Promise<void> {
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const url = await new Promise<string | undefined>((resolve) => {
    const p = flamePath();
    const [cmd, args] = p.endsWith('.js') ? ['node', [p, 'web']] : [p, ['web']];
    execFile(cmd, args, { cwd, timeout: 20000 }, (err, stdout) => resolve(err ? undefined : /https?:\/\/\S+/.exec(stdout)?.[0]));
  });
  if (url) {
    await vscode.env.openExternal(vscode.Uri.parse(url));
    return;
  }
  const r = (await client?.sendRequest('workspace/executeCommand', { command: 'flame.exportSvg', arguments: [] })) as { path?: string; error?: string } | undefined;
  if (r?.path) await vscode.env.openExternal(vscode.Uri.file(r.path));
  else void vscode.window.showErrorMessage(r?.error ?? 'flame: no flame graph yet; run "flame: Profile once" first');
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand('flame.openFlameGraph', openFlameGraph),
    vscode.commands.registerCommand('flame.restart', async () => {
      await client?.stop();
      await start(context);
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
