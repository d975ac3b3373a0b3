// `flame profiles`: the workspace daemon's stored profiles, oldest first.
import * as P from '../../../protocol/methods.js';
import { targetLabel } from '../../../protocol/types.js';
import { parse } from '../args.js';
import { ask } from '../daemon-query.js';

const HELP = `Usage: flame profiles [--manifest-path PATH] [--json]

The stored profiles of this workspace, oldest first: id, time, samples, target, source state,
hottest function, and where each was pushed (\`flame push\`): pushed, queued or failed.
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { 'manifest-path': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    { positionals: false },
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const r = await ask(P.ProfileList.type, {}, { manifestPath: values['manifest-path'] });
  if (values.json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  }
  if (r.profiles.length === 0) {
    process.stdout.write('no profiles yet: `flame record` makes one (and `flame watch` one per change)\n');
    return 0;
  }
  for (const m of r.profiles) {
    const src = m.source?.git ? `${m.source.git.commit.slice(0, 8)}${m.source.git.dirty ? '+dirty' : ''}` : (m.source?.hash.slice(0, 8) ?? '');
    const hot = m.summary?.[0] ? `  hottest: ${m.summary[0].name}` : '';
    const push = (r.push?.[m.id] ?? []).map((p) => `  push: ${p.state} (${p.url})`).join('');
    process.stdout.write(`${m.id}  ${m.createdAt}  ${String(m.samples).padStart(7)} ${m.unit}  ${targetLabel(m.target)}  ${src}${hot}${push}\n`);
  }
  return 0;
}
