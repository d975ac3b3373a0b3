// The VS Code extension: a thin shell that starts `flame lsp` for Rust files. The commands
// (profile once, watch, stop, open the flame graph) are the server's own, which the language
// client registers; the server opens the flame graph's page through window/showDocument.
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

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
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
