// `flame diff [A] [B]`: what moved between two stored profiles, per function and per line,
// as shares of each profile's total (default: the previous profile against the latest).
import * as P from '../../../protocol/methods.js';
import { parse } from '../args.js';
import { ask } from '../daemon-query.js';
import { UsageError } from '../main.js';
import { rel, threadArg } from '../render.js';
import { colorChoice, paintChange, terminal } from '../term.js';

const HELP = `Usage: flame diff [BASE] [CURRENT] [--limit N] [--thread T] [--json] [--color WHEN] [--manifest-path PATH]

Compare two stored profiles (default: previous against latest). Counts are normalised to each
profile's total; a row is marked * when the change is a discovery at a 5% false discovery
rate over all the rows compared: beyond both profiles' run-to-run variation when they have
several runs (\`flame record --runs N\`), beyond sampling noise alone when they have one.
On a terminal a significant growth is red and a significant shrink green; changes within
noise are dim. --color auto|always|never (NO_COLOR is honoured).
`;

const sharePct = (x: number) => `${(100 * x).toFixed(1)}%`;
const deltaPct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    limit: { type: 'string' },
    thread: { type: 'string' },
    json: { type: 'boolean' },
    color: { type: 'string' },
    'manifest-path': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 2) throw new UsageError('flame diff takes at most two profiles');
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit takes a positive whole number');
  const term = terminal(process.stdout, colorChoice(values.color));
  const [a, b] = positionals;
  const params: P.Diff.Params = { limit };
  if (a !== undefined) params.base = a;
  if (b !== undefined) params.current = b;
  const thread = threadArg(values.thread);
  if (thread !== undefined) params.thread = thread;
  const r = await ask(P.Diff.type, params, { manifestPath: values['manifest-path'] });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  }
  const out = [
    `base ${r.base.id} (${r.base.samples} samples) → current ${r.current.id} (${r.current.samples} samples)`,
    '',
    `${'base'.padStart(7)} ${'now'.padStart(7)} ${'Δself'.padStart(7)}  function (self share)`,
  ];
  /** The Δ column, marked and coloured by whether the change is real. */
  const delta = (d: { deltaSelfShare: number; deltaTotalShare: number; significant: boolean }) =>
    paintChange(
      term,
      { significant: d.significant, self: d.deltaSelfShare, total: d.deltaTotalShare },
      `${deltaPct(d.deltaSelfShare).padStart(7)}${d.significant ? '*' : ' '}`,
    );
  for (const f of r.functions) out.push(`${sharePct(f.base.selfShare).padStart(7)} ${sharePct(f.current.selfShare).padStart(7)} ${delta(f)} ${f.name}`);
  out.push('', `${'base'.padStart(7)} ${'now'.padStart(7)} ${'Δself'.padStart(7)}  line (self share)`);
  for (const l of r.lines) {
    out.push(`${sharePct(l.base.selfShare).padStart(7)} ${sharePct(l.current.selfShare).padStart(7)} ${delta(l)} ${rel(l.file, process.cwd())}:${l.line}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
