// `flame lines`: source lines by self count, each with its total, of a perf.data.
import { hotLines } from '../../../engine/query/query.js';
import { viewOf } from '../../../engine/query/view.js';
import { runsOf, withLineNoise } from '../../../engine/query/noise.js';
import { limitArg, parse, VIEW_FLAGS, VIEW_HELP, viewOptions } from '../args.js';
import { analyzeWithProgress, lineTable, runsNote, threadArg } from '../render.js';
import { UsageError } from '../main.js';
import * as P from '../../../protocol/methods.js';

const HELP = `Usage: flame lines [--perf-data FILE] [SOURCE_FILE] [--limit N] [--thread T] [--focus REGEX] [--ignore REGEX] [--hide REGEX] [--json]

Source lines by self count (samples whose innermost inlined frame is on the line), each with
its total (samples with the line anywhere in the stack, once per sample).
  SOURCE_FILE        only lines of this file (absolute, or a path suffix such as src/lib.rs)
  --profile REF      a stored profile of the workspace's history: an id, latest,
                     previous or -N (see \`flame profiles\`); the default is the latest
  --perf-data FILE   read this recording instead (outside a workspace, or with an empty
                     history, ./perf.data; a ./perf.data newer than the
                     latest stored profile is read in its place)
  --limit N          rows to print (default 30; 0 for all)
  --json             print {samples, unit, runs?, lines: [{file, line, self, total, noise}]}
                     (noise as \`flame top --json\` gives it)

${VIEW_HELP}

The ± column is the self share's 95% interval, as in \`flame top\`: from the profile's runs, or
from sampling noise alone for a profile of one run.
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    'perf-data': { type: 'string' },
    profile: { type: 'string' },
    'manifest-path': { type: 'string' },
    limit: { type: 'string' },
    thread: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...VIEW_FLAGS,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('flame lines takes at most one SOURCE_FILE');
  const limit = limitArg(values.limit, 30);
  const query = { file: positionals[0], thread: threadArg(values.thread), ...viewOptions(values) };
  if (values.profile !== undefined) {
    if (values['perf-data'] !== undefined) throw new UsageError('pass --perf-data or --profile, not both');
    // Loaded here: the daemon client (execa, vscode-jsonrpc) costs start-up the local path does not need.
    const { ask } = await import('../daemon-query.js');
    const r = await ask(P.Lines.type, { profile: values.profile, ...query, limit: limit ?? 100000 }, { manifestPath: values['manifest-path'] });
    printLines(r, values.json ?? false);
    return 0;
  }
  if (values['perf-data'] === undefined) {
    const { askLatest } = await import('../daemon-query.js');
    const r = await askLatest(P.Lines.type, { ...query, limit: limit ?? 100000 }, { manifestPath: values['manifest-path'] });
    if (r) {
      printLines(r, values.json ?? false);
      return 0;
    }
  }
  const profile = viewOf(await analyzeWithProgress(values['perf-data'] ?? 'perf.data'), query);
  const lines = withLineNoise(profile, hotLines(profile, { ...query, limit }), query);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ samples: profile.totalSamples, unit: profile.unit, ...runsOf(profile), lines })}\n`);
  } else {
    process.stdout.write(lineTable(lines, profile.totalSamples, profile.unit));
  }
  return 0;
}

function printLines(r: P.Lines.Result, json: boolean): void {
  if (json)
    process.stdout.write(`${JSON.stringify({ profile: r.profile, samples: r.samples, unit: r.unit, ...(r.runs ? { runs: r.runs } : {}), lines: r.lines })}\n`);
  else process.stdout.write(`profile ${r.profile}: ${r.samples} ${r.unit}${runsNote(r.runs)}\n${lineTable(r.lines, r.samples, r.unit)}`);
}
