// The flame graph's page through whatever stands between the editor's browser and the daemon:
// under code-server, VS Code Remote or Codespaces the daemon's 127.0.0.1 is another machine's,
// so the page's address (the path-token one, which any Host may reach) is mapped by VS Code
// itself (asExternalUri: a forwarded port, or code-server's /proxy/PORT/) before it is opened.
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';

/** window/showDocument of an http(s) address: opened at the address VS Code maps it to. */
export const showDocument: NonNullable<NonNullable<Middleware['window']>['showDocument']> = async (params, next) => {
  const uri = vscode.Uri.parse(params.uri, true);
  if (!params.external || (uri.scheme !== 'http' && uri.scheme !== 'https')) {
    const r = await next(params, new vscode.CancellationTokenSource().token);
    return 'success' in r ? r : { success: false };
  }
  return { success: await vscode.env.openExternal(await externalAddress(uri)) };
};

/**
 * Where the editor's browser reaches `uri`. asExternalUri maps the port; code-server 4.96 answers
 * with its /proxy/PORT/ alone, dropping the path (and with it the page's token), so the origin
 * is mapped and the path put back under what it maps to.
 */
async function externalAddress(uri: vscode.Uri): Promise<vscode.Uri> {
  const root = await vscode.env.asExternalUri(uri.with({ path: '/', query: '', fragment: '' }));
  return root.with({ path: `${root.path.replace(/\/+$/, '')}${uri.path}`, query: uri.query, fragment: uri.fragment });
}
