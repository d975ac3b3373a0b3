// What a user meets before anything works, said with what to do: flame not found (set
// flame.path, or install it), `flame lsp` that would not start, and the server's own errors
// (the daemon would not start, cargo missing), each with buttons that lead to the fix.
import * as vscode from 'vscode';
import type { FlameExe } from './flame-exe';

const SET_PATH = 'Set flame.path';
const INSTALL = 'Install instructions';
const OUTPUT = 'Show output';
const DOCTOR = 'Run flame doctor';

/** flame was not found where it was looked for. */
export async function showMissing(context: vscode.ExtensionContext, exe: Extract<FlameExe, { found: false }>): Promise<void> {
  const pick = await vscode.window.showErrorMessage(`flame: ${exe.message}.`, SET_PATH, INSTALL);
  if (pick === SET_PATH) await openPathSetting();
  // The packaged README says how to install flame; shown offline, from the extension itself.
  else if (pick === INSTALL) await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(context.extensionUri, 'README.md'));
}

/** The language server's process did not start or did not answer `initialize`. */
export async function showStartFailure(exe: Extract<FlameExe, { found: true }>, err: unknown, output: vscode.OutputChannel): Promise<void> {
  const cmd = [exe.command, ...exe.args].join(' ');
  const why = err instanceof Error ? err.message : String(err);
  const pick = await vscode.window.showErrorMessage(
    `flame: \`${cmd}\` did not start (${why}). flame.path must name flame itself (bin/flame or bin/flame.js of a checkout); the output shows what it printed.`,
    OUTPUT,
    SET_PATH,
  );
  if (pick === OUTPUT) output.show();
  else if (pick === SET_PATH) await openPathSetting();
}

/** An error the language server shows (its messages already say what is wrong). */
export async function showServerError(message: string, output: vscode.OutputChannel, doctor: () => FlameExe, cwd: string | undefined): Promise<void> {
  const pick = await vscode.window.showErrorMessage(message, DOCTOR, OUTPUT);
  if (pick === OUTPUT) output.show();
  else if (pick === DOCTOR) {
    const exe = doctor();
    if (!exe.found) return void vscode.window.showErrorMessage(`flame: ${exe.message}.`);
    const t = vscode.window.createTerminal({ name: 'flame doctor', cwd });
    t.show();
    t.sendText([exe.command, ...exe.args].map(shellQuote).join(' '));
  }
}

function openPathSetting(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', 'flame.path');
}

function shellQuote(s: string): string {
  return /^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
