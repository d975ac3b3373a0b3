// The VS Code extension: a thin shell that starts `flame lsp` for Rust files. The commands
// (profile once, watch, stop, open the flame graph) are the server's own, which the language
// client registers; the server opens the flame graph's page through window/showDocument, whose
// address the extension maps for remote setups (remote.ts).
import * as vscode from 'vscode';
import { LanguageClient, MessageType, ShowMessageNotification, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { findFlame, type FlameExe } from './flame-exe';
import { showMissing, showServerError, showStartFailure } from './first-run';
import { showDocument } from './remote';

let client: LanguageClient | undefined;

function lookup(args: string[]): FlameExe {
  return findFlame(
    {
      setting: vscode.workspace.getConfiguration('flame').get<string>('path') ?? '',
      folders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
      envPath: process.env.PATH ?? '',
    },
    args,
  );
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const exe = lookup(['lsp', '--stdio']);
  if (!exe.found) return void showMissing(context, exe);
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const server: ServerOptions = { command: exe.command, args: exe.args, options: { cwd } };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'rust' }],
    synchronize: { configurationSection: 'flame' },
    initializationOptions: vscode.workspace.getConfiguration('flame'),
    middleware: { window: { showDocument } },
  };
  const c = new LanguageClient('flame', 'flame', server, clientOptions);
  client = c;
  // The server's errors (the daemon would not start, cargo is missing) get buttons for what to do.
  c.onNotification(ShowMessageNotification.type, (m) => {
    if (m.type === MessageType.Error) return void showServerError(m.message, c.outputChannel, () => lookup(['doctor']), cwd);
    void (m.type === MessageType.Warning ? vscode.window.showWarningMessage(m.message) : vscode.window.showInformationMessage(m.message));
  });
  try {
    await c.start();
  } catch (err) {
    void showStartFailure(exe, err, c.outputChannel);
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  const old = client;
  client = undefined;
  await old?.stop().catch(() => {});
  await start(context);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand('flame.restart', () => restart(context)),
    // A fixed flame.path takes effect at once, without a restart by hand.
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('flame.path') && void restart(context)),
    { dispose: () => void client?.stop() },
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
