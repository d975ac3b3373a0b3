// `flame web`: ask the workspace's daemon for its live web page's address, print it, optionally
// open it; the daemon keeps serving the page after this command returns.
import * as P from '../../../protocol/methods.js';
import { parse } from '../args.js';
import { ask } from '../daemon-query.js';
import { openInBrowser } from '../render.js';

const HELP = `Usage: flame web [--open] [--forward] [--json] [--manifest-path PATH]

Prints the address of the live flame graph page the workspace's daemon serves on 127.0.0.1
(starting the daemon and the page's server if needed): the latest profile as an interactive
flame graph, updated as new profiles land, with search, source heat, diff and history.

The address carries a random token, the page's only credential: keep it private.

Behind a proxy (code-server, VS Code Remote, Codespaces, an ssh -L tunnel to another name) the
proxy sends its own Host header, which the page refuses. --forward prints the address for that
case instead, http://127.0.0.1:PORT/ID/t/TOKEN/: the token stays in the path of every request,
so any Host is accepted; forward that port and open the address through the proxy.

Options:
  --open                 also open it in the default browser (xdg-open)
  --forward              print (and open) the address for a browser behind a proxy
  --json                 print {"url": ..., "forwardUrl": ..., "port": ...}
  --manifest-path PATH   the workspace's Cargo.toml (default: the one above the current directory)
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      open: { type: 'boolean' },
      forward: { type: 'boolean' },
      json: { type: 'boolean' },
      'manifest-path': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { positionals: false },
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const r = await ask(P.WebUrl.type, {}, { manifestPath: values['manifest-path'] });
  const url = values.forward ? r.forwardUrl : r.url;
  process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : `${url}\n`);
  if (values.open) openInBrowser(url);
  return 0;
}
