// `flame doctor`: checks cargo, perf, kernel settings, symbolizers and the project's build
// settings, one line each with the fix, so a failed recording is explained before it happens.
import { allEssentialOk, evaluate, gatherFacts, type Check } from '../../../engine/doctor/doctor.js';
import { parse } from '../args.js';

const HELP = `Usage: flame doctor [--json]

Checks what profiling needs: cargo, perf and whether it may sample, kernel symbol access,
a symbolizer, and (inside a cargo project) debug info and the linker. Prints one line per
check with ✓ or ✗ and, for each problem, the command or setting that fixes it.
Exits 0 when every essential check passes, 1 otherwise.
  --json    print {checks: [{name, ok, essential, detail, fix}]}
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, false);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const checks = evaluate(await gatherFacts());
  process.stdout.write(values.json ? `${JSON.stringify({ checks }, null, 2)}\n` : render(checks));
  return allEssentialOk(checks) ? 0 : 1;
}

/** One line per check; fixes indented under the failing ones; non-essential failures marked. */
export function render(checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines: string[] = [];
  for (const c of checks) {
    const mark = c.ok ? '✓' : c.essential ? '✗' : '!';
    lines.push(`${mark} ${c.name.padEnd(width)}  ${c.detail}`);
    if (!c.ok && c.fix !== undefined) lines.push(`  ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const bad = checks.filter((c) => !c.ok && c.essential).length;
  lines.push('', bad === 0 ? 'flame can profile on this machine.' : `${bad} essential problem${bad === 1 ? '' : 's'}: fix ${bad === 1 ? 'it' : 'them'} before recording.`);
  return `${lines.join('\n')}\n`;
}
