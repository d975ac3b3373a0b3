// `flame top`: functions by self count of a perf.data (default: flame's latest recording).
import { compileFilter } from '../../../engine/query/filter.js';
import { topFunctions } from '../../../engine/query/query.js';
import { viewOf } from '../../../engine/query/view.js';
import { runsOf, withFunctionNoise } from '../../../engine/query/noise.js';
import { limitArg, parse, VIEW_FLAGS, VIEW_HELP, viewOptions } from '../args.js';
import { analyzeWithProgress, functionTable, qualityLine, runsNote, threadArg } from '../render.js';
import { UsageError } from '../main.js';
import * as P from '../../../protocol/methods.js';

const HELP = `Usage: flame top [--perf-data FILE] [--limit N] [--no-inline] [--filter REGEX] [--thread TID|NAME] [--sort self|total]
                 [--focus REGEX] [--ignore REGEX] [--hide REGEX] [--plumbing] [--json]

Functions by self count (samples whose innermost frame is the function).
  --profile REF      a stored profile of the workspace's history: an id, latest,
                     previous or -N (see \`flame profiles\`); the default is the latest
  --perf-data FILE   read this recording instead (outside a workspace, or with an empty
                     history, ./perf.data; a ./perf.data newer than the
                     latest stored profile is read in its place)
  --limit N          rows to print (default 20; 0 for all)
  --no-inline        charge a sample to the function that owns the instruction, as
                     \`perf report --sort sym\` does, not to the innermost inlined function
  --filter REGEX     only functions whose name matches
  --thread T         only samples of this thread (tid or name)
  --json             print {samples, unit, runs?, functions: [{name, self, total, file, line,
                     noise: {basis, self: {low, high}, total: {low, high}, runs?}, origin}]}
  The origin column: workspace, dependency, std, libc, kernel or unknown.

${VIEW_HELP}

The ± column is the self share's 95% interval: from the variation between the profile's runs
(\`flame record --runs N\`), or, for a profile of one run, from sampling noise alone (labelled
"(sampling)": a busy machine moves shares further than that).
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      'perf-data': { type: 'string' },
      profile: { type: 'string' },
      'manifest-path': { type: 'string' },
      limit: { type: 'string' },
      'no-inline': { type: 'boolean' },
      filter: { type: 'string' },
      thread: { type: 'string' },
      sort: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...VIEW_FLAGS,
    },
    { positionals: false },
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const limit = limitArg(values.limit, 20);
  if (values.sort !== undefined && values.sort !== 'self' && values.sort !== 'total') throw new UsageError(`--sort takes self or total, not '${values.sort}'`);
  if (values.filter !== undefined) {
    try {
      compileFilter(values.filter);
    } catch (err) {
      throw new UsageError(`--filter ${(err as Error).message.replace(/^'filter' /, '')}`);
    }
  }
  const query = {
    noInline: values['no-inline'] ?? false,
    filter: values.filter,
    thread: threadArg(values.thread),
    sortBy: (values.sort as 'self' | 'total' | undefined) ?? 'self',
    ...viewOptions(values),
  };
  if (values.profile !== undefined) {
    if (values['perf-data'] !== undefined) throw new UsageError('pass --perf-data or --profile, not both');
    // Loaded here: the daemon client (execa, vscode-jsonrpc) costs start-up the local path does not need.
    const { ask } = await import('../daemon-query.js');
    const r = await ask(P.Top.type, { profile: values.profile, ...query, limit: limit ?? 100000 }, { manifestPath: values['manifest-path'] });
    printTop(r, values.json ?? false);
    return 0;
  }
  if (values['perf-data'] === undefined) {
    const { askLatest } = await import('../daemon-query.js');
    const r = await askLatest(P.Top.type, { ...query, limit: limit ?? 100000 }, { manifestPath: values['manifest-path'] });
    if (r) {
      printTop(r, values.json ?? false);
      return 0;
    }
  }
  const profile = viewOf(await analyzeWithProgress(values['perf-data'] ?? 'perf.data'), query);
  const { localOrigins } = await import('../daemon-query.js');
  const workspace = await localOrigins(values['manifest-path']);
  const functions = withFunctionNoise(profile, topFunctions(profile, { ...query, limit, workspace }), query);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ samples: profile.totalSamples, unit: profile.unit, ...runsOf(profile), functions })}\n`);
  } else {
    process.stdout.write(`${profile.totalSamples} ${profile.unit} of ${profile.event}; ${qualityLine(profile.quality)}\n`);
    process.stdout.write(functionTable(functions, profile.totalSamples, profile.unit));
  }
  return 0;
}

function printTop(r: P.Top.Result, json: boolean): void {
  if (json)
    process.stdout.write(
      `${JSON.stringify({ profile: r.profile, samples: r.samples, unit: r.unit, ...(r.runs ? { runs: r.runs } : {}), functions: r.functions })}\n`,
    );
  else process.stdout.write(`profile ${r.profile}: ${r.samples} ${r.unit}${runsNote(r.runs)}\n${functionTable(r.functions, r.samples, r.unit)}`);
}
