// `flame lines`: source lines by self count, each with its total, of a perf.data.
import { analyzePerfData } from '../../../daemon/analyze.js';
import { cacheDir } from '../../../daemon/fsutil.js';
import { hotLines } from '../../../daemon/query.js';
import { parse } from '../args.js';
import { lineTable, Progress, warn } from '../render.js';
import { UsageError } from '../main.js';

const HELP = `Usage: flame lines [--perf-data FILE] [SOURCE_FILE] [--limit N] [--thread T] [--json]

Source lines by self count (samples whose innermost inlined frame is on the line), each with
its total (samples with the line anywhere in the stack, once per sample).
  SOURCE_FILE        only lines of this file (absolute, or a path suffix such as src/lib.rs)
  --perf-data FILE   the recording to read (default ./perf.data)
  --limit N          rows to print (default 30; 0 for all)
  --json             print {samples, unit, lines: [{file, line, self, total}]}
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    'perf-data': { type: 'string' },
    limit: { type: 'string' },
    thread: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('flame lines takes at most one SOURCE_FILE');
  const limit = values.limit === undefined ? 30 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit takes a whole number, not '${values.limit}'`);
  const progress = new Progress();
  const { profile, warnings } = await analyzePerfData(values['perf-data'] ?? 'perf.data', {
    cacheDir: cacheDir('symbols'),
    onProgress: (p) => progress.update(p.message),
  });
  progress.clear();
  for (const w of warnings) warn(w);
  const thread = values.thread === undefined ? undefined : /^\d+$/.test(values.thread) ? Number(values.thread) : values.thread;
  const lines = hotLines(profile, { file: positionals[0], limit: limit === 0 ? undefined : limit, thread });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ samples: profile.totalSamples, unit: profile.unit, lines })}\n`);
  } else {
    process.stdout.write(lineTable(lines, profile.totalSamples, profile.unit));
  }
  return 0;
}
