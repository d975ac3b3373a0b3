// `flame record`: build a cargo target with debug info, record it with perf, write the flame
// graph and print the hottest functions; cargo flamegraph's one-shot, with inline frames and lines.
import { fillOptionalValues, parse, RECORD_FLAGS, RECORD_HELP, recordOptions, splitDashDash, TARGET_FLAGS, TARGET_HELP, targetOptions } from '../args.js';
import { VIEW_FLAGS, VIEW_HELP, viewOptions } from '../args.js';
import { runRecording, type OutputOptions } from '../record-run.js';
import { printCompletions } from './completions.js';
import { PEER_FLAGS, PEER_HELP, PEER_OPTIONAL_VALUES, peerOptions, type PeerOptions } from '../peer-flags.js';
import { RECORD_SVG_FLAGS, RECORD_SVG_HELP, svgOptionsFromFlags } from '../svg-flags.js';

const HELP = `Usage: flame record [target] [recording] [output] [-- PROGRAM_ARGS]

Build the target (in flame's own profile flame-release: release with debug info, so neither
Cargo.toml nor target/release is touched), record it with perf, resolve inline frames and source
lines, and write an interactive flame graph. flame's files go in <target dir>/flame/.

${TARGET_HELP}

${RECORD_HELP}
  --perf-data FILE       analyse this existing perf.data: no build, no recording (or --perfdata)

Output:
  -o, --output FILE      the flame graph (default <target dir>/flame/flamegraph.svg)
  --perf-data-out FILE   where the recording goes (default <target dir>/flame/perf.data)
  --folded FILE          also write the folded stacks
  --open                 open the flame graph when done
  --json                 print {perfData, svg, folded, samples, unit, durationMs, analysisMs,
                         afterProgramMs, quality, top, runs?, mergeMs?} on stdout (with --runs,
                         runs lists each run's samples, durationMs and analysisMs)

${VIEW_HELP}

${RECORD_SVG_HELP}
${PEER_HELP}
`;

export const OUTPUT_FLAGS = {
  output: { type: 'string', short: 'o' },
  folded: { type: 'string' },
  open: { type: 'boolean' },
  json: { type: 'boolean' },
  'perf-data': { type: 'string' },
  /** flamegraph's spelling of --perf-data. */
  perfdata: { type: 'string' },
  'perf-data-out': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...VIEW_FLAGS,
} as const;

/** The output flags (shared with `flame exec`) as the recording's OutputOptions. */
export function outputOptions(
  values: Parameters<typeof svgOptionsFromFlags>[0] & Parameters<typeof viewOptions>[0] & { output?: string; folded?: string; open?: boolean; json?: boolean },
  peer: PeerOptions,
): OutputOptions {
  return {
    svg: values.output,
    folded: values.folded,
    open: values.open,
    json: values.json,
    svgOptions: svgOptionsFromFlags(values),
    folding: peer.folding,
    postProcess: peer.postProcess,
    view: viewOptions(values),
  };
}

export async function run(argv: string[]): Promise<number> {
  const [flags, programArgs] = splitDashDash(argv);
  const { values } = parse(
    fillOptionalValues(flags, ['--unit-test', '--unit-bench', ...PEER_OPTIONAL_VALUES]),
    { ...TARGET_FLAGS, ...RECORD_FLAGS, ...RECORD_SVG_FLAGS, ...OUTPUT_FLAGS, ...PEER_FLAGS },
    { positionals: false },
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const peer = peerOptions(values);
  if (peer.completions !== undefined) return printCompletions(peer.completions);
  return runRecording(
    {
      target: targetOptions(values),
      record: recordOptions(values),
      programArgs: programArgs ?? [],
      perfData: values['perf-data'] ?? values.perfdata,
      perfDataOut: values['perf-data-out'],
    },
    outputOptions(values, peer),
  );
}
