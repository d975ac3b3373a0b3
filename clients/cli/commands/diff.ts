// `flame diff [A] [B]`: what moved between two stored profiles, per function and per line,
// as shares of each profile's total (default: the previous profile against the latest).
import { writeFileAtomic } from '../../../common/fsutil.js';
import * as P from '../../../protocol/methods.js';
import { parse } from '../args.js';
import { ask, askDiffSvg } from '../daemon-query.js';
import { UsageError } from '../main.js';
import { rel, threadArg } from '../render.js';
import { colorChoice, paintChange, terminal } from '../term.js';

const HELP = `Usage: flame diff [BASE] [CURRENT] [--limit N] [--thread T] [--json] [--color WHEN] [--svg FILE] [--manifest-path PATH]

Compare two stored profiles (default: previous against latest). Counts are normalised to each
profile's total; a share's change is marked * when it is a discovery at a 5% false discovery
rate over all the rows compared: beyond both profiles' run-to-run variation when they have
several runs (\`flame record --runs N\`), beyond sampling noise alone when they have one.
On a terminal a significant growth is red and a significant shrink green; changes within
noise are dim. --color auto|always|never (NO_COLOR is honoured).

--svg FILE also writes the differential flame graph of the two (of every thread): widths are
CURRENT's, a frame is red where its stack's share grew and blue where it shrank, deeper for
larger changes, and grey where the function's change is within noise by the rule above; the
tooltip gives the change in points. Inferno's colours, so \`inferno-diff-folded\` users read it
at once (\`flame export --format svg --base BASE CURRENT\` writes the same).
`;

const heading = (what: string) =>
  `${'base'.padStart(7)} ${'now'.padStart(7)} ${'Δself'.padStart(7)}  ${'Δtotal'.padStart(7)}  ${what} (self shares; Δ in points)`;
const sharePct = (x: number) => `${(100 * x).toFixed(1)}%`;
const deltaPct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    limit: { type: 'string' },
    thread: { type: 'string' },
    json: { type: 'boolean' },
    color: { type: 'string' },
    svg: { type: 'string' },
    'manifest-path': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 2) throw new UsageError('flame diff takes at most two profiles');
  if (values.svg === '') throw new UsageError('--svg takes the file to write the differential flame graph to');
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
  if (values.svg !== undefined) {
    const graph = await askDiffSvg({ profile: r.current.id, base: r.base.id, format: 'svg' }, { manifestPath: values['manifest-path'] });
    await writeFileAtomic(values.svg, graph.data);
    process.stderr.write(`flame: wrote ${values.svg} (differential flame graph of profile ${r.base.id} → ${r.current.id})\n`);
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  }
  const out = [`base ${r.base.id} (${r.base.samples} samples) → current ${r.current.id} (${r.current.samples} samples)`, '', heading('function')];
  /** A Δ column, marked and coloured by whether that change is real. */
  const delta = (change: number, significant: boolean) =>
    paintChange(term, { significant, self: change, total: change }, `${deltaPct(change).padStart(7)}${significant ? '*' : ' '}`);
  const cells = (d: P.DiffRow) =>
    `${sharePct(d.base.selfShare).padStart(7)} ${sharePct(d.current.selfShare).padStart(7)} ${delta(d.deltaSelfShare, d.change.self.significant)}${delta(d.deltaTotalShare, d.change.total.significant)}`;
  for (const f of r.functions) out.push(`${cells(f)} ${f.name}`);
  out.push('', heading('line'));
  for (const l of r.lines) out.push(`${cells(l)} ${rel(l.file, process.cwd())}:${l.line}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
