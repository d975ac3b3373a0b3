// `flame web`: ask the workspace's daemon for its live web page's address, print it, optionally
// open it; the daemon keeps serving the page after this command returns.
import * as P from '../../../protocol/methods.js';
import { parse } from '../args.js';
import { ask } from '../daemon-query.js';
import { openInBrowser } from '../render.js';

const HELP = `Usage: flame web [--open] [--json] [--manifest-path PATH]

Prints the address of the live flame graph page the workspace's daemon serves on 127.0.0.1
(starting the daemon and the page's server if needed): the latest profile as an interactive
flame graph, updated as new profiles land, with search, source heat, diff and history.

The address carries a random token, the page's only credential: keep it private.

Options:
  --open                 also open it in the default browser (xdg-open)
  --json                 print {"url": ..., "port": ...}
  --manifest-path PATH   the workspace's Cargo.toml (default: the one above the current directory)
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { open: { type: 'boolean' }, json: { type: 'boolean' }, 'manifest-path': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    { positionals: false },
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const r = await ask(P.WebUrl.type, {}, { manifestPath: values['manifest-path'] });
  process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : `${r.url}\n`);
  if (values.open) openInBrowser(r.url);
  return 0;
}
