// `flame record`: build a cargo target with debug info, record it with perf, write the flame
// graph and print the hottest functions; cargo flamegraph's one-shot, with inline frames and lines.
import { fillOptionalValues, parse, RECORD_FLAGS, RECORD_HELP, recordOptions, splitDashDash, TARGET_FLAGS, TARGET_HELP, targetOptions } from '../args.js';
import { runRecording } from '../record-run.js';
import { SVG_FLAGS, SVG_HELP, svgOptionsFromFlags } from './svg.js';

const HELP = `Usage: flame record [target] [recording] [output] [-- PROGRAM_ARGS]

Build the target (release profile with debug info, without touching Cargo.toml), record it with
perf, resolve inline frames and source lines, and write an interactive flame graph.

${TARGET_HELP}

${RECORD_HELP}
  --perf-data FILE       analyse this existing perf.data: no build, no recording

Output:
  -o, --output FILE      the flame graph (default flamegraph.svg)
  --folded FILE          also write the folded stacks
  --open                 open the flame graph when done
  --json                 print {perfData, svg, folded, samples, unit, durationMs, analysisMs,
                         afterProgramMs, quality, top} on stdout

${SVG_HELP}`;

export const OUTPUT_FLAGS = {
  output: { type: 'string', short: 'o' },
  folded: { type: 'string' },
  open: { type: 'boolean' },
  json: { type: 'boolean' },
  'perf-data': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const [flags, programArgs] = splitDashDash(argv);
  const { values } = parse(fillOptionalValues(flags, ['--unit-test', '--unit-bench']), { ...TARGET_FLAGS, ...RECORD_FLAGS, ...SVG_FLAGS, ...OUTPUT_FLAGS }, false);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  return runRecording(
    {
      target: targetOptions(values),
      record: recordOptions(values),
      programArgs: programArgs ?? [],
      perfData: values['perf-data'],
    },
    { svg: values.output ?? 'flamegraph.svg', folded: values.folded, open: values.open, json: values.json, svgOptions: svgOptionsFromFlags(values) },
  );
}
