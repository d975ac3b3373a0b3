// `flame export`: a stored profile as folded stacks, SVG, speedscope JSON or pprof.
import { writeFileAtomic } from '../../../daemon/fsutil.js';
import * as P from '../../../protocol/methods.js';
import { parse } from '../args.js';
import { ask } from '../daemon-query.js';
import { UsageError } from '../main.js';

const HELP = `Usage: flame export --format folded|svg|speedscope|pprof [ID] [-o FILE] [--manifest-path PATH]

Export a stored profile (default: the latest). Text formats go to stdout unless -o is given;
pprof is binary and needs -o (open it with \`go tool pprof FILE\`; speedscope files open at
speedscope.app or in its desktop build).
`;

const FORMATS = ['folded', 'svg', 'speedscope', 'pprof'] as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' }, 'manifest-path': { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const format = values.format as (typeof FORMATS)[number] | undefined;
  if (!format || !FORMATS.includes(format)) throw new UsageError(`--format takes ${FORMATS.join(', ')}`);
  if (format === 'pprof' && !values.output) throw new UsageError('pprof is binary: pass -o FILE');
  const r = await ask<P.Export.Result>(P.Export.method, { profile: positionals[0], format }, { manifestPath: values['manifest-path'] });
  const bytes = r.encoding === 'base64' ? Buffer.from(r.data, 'base64') : Buffer.from(r.data, 'utf8');
  if (values.output) {
    await writeFileAtomic(values.output, bytes);
    process.stderr.write(`flame: wrote ${values.output} (${format} of profile ${r.profile})\n`);
  } else {
    process.stdout.write(bytes);
  }
  return 0;
}
