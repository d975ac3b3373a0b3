// `flame lsp`: run the language server on stdin/stdout for an editor. stdout carries only
// JSON-RPC; everything else goes to the editor's log through the LSP connection.
// The LSP itself (vscode-languageserver) is clients/lsp's alone: this verb only starts it.
import { serveStdio } from '../../lsp/server.js';

const HELP = `Usage: flame lsp [--stdio]

Run flame's language server on stdin/stdout (editors pass --stdio). It connects to the
workspace's daemon (starting it when none runs) and annotates Rust sources with the latest
profile: inlay hints, code lenses, hovers and diagnostics. Editor setup: clients/lsp/README.md.
`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const unknown = argv.filter((a) => a !== '--stdio');
  if (unknown.length > 0) {
    process.stderr.write(`error: unknown argument ${unknown[0]} for flame lsp; it takes only --stdio\n`);
    return 2;
  }
  // A bug in one handler must not take the editor's annotations down: log it and go on.
  const report = (err: unknown) => process.stderr.write(`error: internal error in flame lsp: ${(err as Error)?.stack ?? String(err)}\n`);
  process.on('unhandledRejection', report);
  process.on('uncaughtException', report);
  serveStdio();
  return new Promise<number>(() => {});
}
