// `flame export`: a profile of the history, or of a recording, as folded stacks, SVG,
// speedscope JSON or pprof.
import { writeFileAtomic } from '../../../common/fsutil.js';
import { EXPORT_FORMATS, EXPORT_FORMAT_NAMES, type ExportFormat } from '../../../protocol/types.js';
import * as P from '../../../protocol/methods.js';
import { parse, VIEW_FLAGS, VIEW_HELP, viewOptions } from '../args.js';
import { ask, askDiffSvg } from '../daemon-query.js';
import { UsageError } from '../main.js';
import { analyzeWithProgress } from '../render.js';

const HELP = `Usage: flame export --format ${EXPORT_FORMAT_NAMES.join('|')} [PROFILE] [-o FILE] [--perf-data FILE] [--base BASE] [--manifest-path PATH]
                    [--focus REGEX] [--ignore REGEX] [--hide REGEX] [--plumbing]

Export a profile of the workspace's history (default: the latest; PROFILE is an id, latest,
previous or -N, see \`flame profiles\`), or with --perf-data a recording, analysed on the spot.
Works with or without a running daemon. The output goes to stdout unless -o is given; a binary
format is refused only when stdout is a terminal.

With --format svg --base BASE (a stored profile, as PROFILE), the differential flame graph from
BASE to PROFILE, as \`flame diff BASE PROFILE --svg FILE\` draws it: widths are PROFILE's, red
grew and blue shrank (in share of the total), grey where \`flame diff\` finds only noise.

Formats:
${EXPORT_FORMAT_NAMES.map((f) => `  ${f.padEnd(12)} ${EXPORT_FORMATS[f].about}`).join('\n')}

${VIEW_HELP}
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    format: { type: 'string', short: 'f' },
    output: { type: 'string', short: 'o' },
    'perf-data': { type: 'string' },
    base: { type: 'string' },
    'manifest-path': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    ...VIEW_FLAGS,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const format = values.format as ExportFormat | undefined;
  if (!format || !EXPORT_FORMAT_NAMES.includes(format)) throw new UsageError(`--format takes ${EXPORT_FORMAT_NAMES.join(', ')}`);
  if (positionals.length > 1) throw new UsageError('flame export takes at most one PROFILE');
  if (values['perf-data'] !== undefined && positionals.length > 0) throw new UsageError('pass a PROFILE or --perf-data, not both');
  if (values.base !== undefined && format !== 'svg') throw new UsageError('--base draws a differential flame graph: pass it with --format svg');
  if (values.base !== undefined && values['perf-data'] !== undefined)
    throw new UsageError('--base compares two stored profiles: pass a PROFILE (or none, for the latest), not --perf-data');
  if (EXPORT_FORMATS[format].encoding === 'base64' && !values.output && process.stdout.isTTY)
    throw new UsageError(`${format} is binary: pass -o FILE, or redirect stdout to a file`);
  const view = viewOptions(values);
  let r: { profile?: string; base?: string; encoding: 'utf8' | 'base64'; data: string };
  if (values['perf-data'] !== undefined) {
    const { exportProfile } = await import('../../../engine/export/export.js');
    const { viewOf } = await import('../../../engine/query/view.js');
    const profile = viewOf(await analyzeWithProgress(values['perf-data']), view);
    r = await exportProfile(profile, format, { title: `flame ${values['perf-data']}` });
  } else {
    const params: P.Export.Params = { profile: positionals[0], format, ...view };
    const opts = { manifestPath: values['manifest-path'] };
    r = values.base === undefined ? await ask(P.Export.type, params, opts) : await askDiffSvg({ ...params, base: values.base }, opts);
  }
  const bytes = r.encoding === 'base64' ? Buffer.from(r.data, 'base64') : Buffer.from(r.data, 'utf8');
  if (values.output) {
    await writeFileAtomic(values.output, bytes);
    const what = r.base
      ? `differential ${format} of profile ${r.base} → ${r.profile}`
      : `${format} of ${r.profile ? `profile ${r.profile}` : values['perf-data']}`;
    process.stderr.write(`flame: wrote ${values.output} (${what})\n`);
  } else {
    process.stdout.write(bytes);
  }
  return 0;
}
