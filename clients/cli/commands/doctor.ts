// `flame doctor`: checks cargo, perf, kernel settings, symbolizers and the project's build
// settings, one row each with the fix, so a failed recording is explained before it happens.
import { allEssentialOk, evaluate, type Check } from '../../../engine/doctor/checks.js';
import { gatherFacts } from '../../../engine/doctor/doctor.js';
import { parse } from '../args.js';

const HELP = `Usage: flame doctor [--json]

Checks what profiling needs: cargo, perf and whether it may sample, kernel symbol access,
a symbolizer, and (inside a cargo project) debug info and the linker. Prints a table, one row
per check marked ✓ (passed), ✗ (an essential problem) or ! (a warning), with the command or
setting that fixes each problem under it.
Exits 0 when every essential check passes, 1 otherwise.
  --json    print {checks: [{name, ok, essential, detail, fix}]}
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, { positionals: false });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const checks = evaluate(await gatherFacts());
  process.stdout.write(values.json ? `${JSON.stringify({ checks }, null, 2)}\n` : render(checks));
  return allEssentialOk(checks) ? 0 : 1;
}

const MARK = { ok: '✓', problem: '✗', warning: '!' } as const;

/** A table: mark, check, result; each fix on a row of its own under the result. */
function render(checks: Check[]): string {
  const width = Math.max('check'.length, ...checks.map((c) => c.name.length));
  const lines = [`  ${'check'.padEnd(width)}  result`];
  for (const c of checks) {
    const mark = c.ok ? MARK.ok : c.essential ? MARK.problem : MARK.warning;
    lines.push(`${mark} ${c.name.padEnd(width)}  ${c.detail}`);
    if (!c.ok && c.fix !== undefined) lines.push(`  ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const bad = checks.filter((c) => !c.ok && c.essential).length;
  const warnings = checks.filter((c) => !c.ok && !c.essential).length;
  const verdict =
    bad === 0 ? 'flame can profile on this machine' : `${bad} essential problem${bad === 1 ? '' : 's'}: fix ${bad === 1 ? 'it' : 'them'} before recording`;
  lines.push(
    '',
    `${verdict}${warnings === 0 ? '' : ` (${warnings} warning${warnings === 1 ? '' : 's'}, marked ${MARK.warning}, do not change the exit code)`}.`,
  );
  return `${lines.join('\n')}\n`;
}
