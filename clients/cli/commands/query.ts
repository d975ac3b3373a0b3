// `flame query METHOD [JSON]`: send any protocol request to the daemon and print its result.
import { REQUESTS, requestType } from '../../../protocol/methods.js';
import { parse } from '../args.js';
import { ask } from '../daemon-query.js';
import { UsageError } from '../main.js';

const HELP = `Usage: flame query METHOD [PARAMS_JSON] [--manifest-path PATH]

Send one JSON-RPC request to the workspace's daemon and print the JSON result, e.g.
  flame query profile/top '{"limit": 5}'
  flame query profile/tree '{"path": ["main"], "maxDepth": 2}'
Methods and their params: protocol/README.md.
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { 'manifest-path': { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [method, json] = positionals;
  if (!method) throw new UsageError('flame query needs a METHOD, e.g. `flame query profile/list`');
  let params: unknown = {};
  if (json !== undefined) {
    try {
      params = JSON.parse(json);
    } catch (err) {
      throw new UsageError(`PARAMS_JSON is not valid JSON: ${(err as Error).message}`);
    }
  }
  const type = requestType(method);
  if (!type) throw new UsageError(`'${method}' is not a flame method; use one of ${REQUESTS.join(', ')} (protocol/README.md)`);
  const r = await ask(type, params, { manifestPath: values['manifest-path'] });
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  return 0;
}
