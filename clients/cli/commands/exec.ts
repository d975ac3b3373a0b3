// `flame exec -- COMMAND`: record any program, built or not (cargo flamegraph's `flamegraph -- CMD`).
import { fillOptionalValues, parse, RECORD_FLAGS, RECORD_HELP, recordOptions, splitDashDash, VIEW_HELP } from '../args.js';
import { UsageError } from '../main.js';
import { runRecording } from '../record-run.js';
import { printCompletions } from './completions.js';
import { OUTPUT_FLAGS, outputOptions } from './record.js';
import { PEER_FLAGS, PEER_HELP, PEER_OPTIONAL_VALUES, peerOptions } from '../peer-flags.js';
import { RECORD_SVG_FLAGS, RECORD_SVG_HELP } from '../svg-flags.js';

const HELP = `Usage: flame exec [recording] [output] -- COMMAND [ARGS...]

Record any command with perf and write its flame graph, with inline frames and source lines
where the binaries have debug info. \`flame exec --pid PID\` attaches instead.

${RECORD_HELP}
  -p PID                 short for --pid (as flamegraph's)
  --perf-data FILE       analyse this existing perf.data instead of recording (or --perfdata)

Output:
  -o, --output FILE      the flame graph (default flamegraph.svg in <target dir>/flame/ inside a
                         cargo workspace, else in the current directory)
  --perf-data-out FILE   where the recording goes (default perf.data, in the same place)
  --folded FILE          also write the folded stacks
  --open                 open the flame graph when done
  --json                 print the summary as one JSON object on stdout

${VIEW_HELP}

${RECORD_SVG_HELP}
${PEER_HELP}
`;

export async function run(argv: string[]): Promise<number> {
  const [flags, command] = splitDashDash(argv);
  const { values, positionals } = parse(fillOptionalValues(flags, PEER_OPTIONAL_VALUES), {
    ...RECORD_FLAGS,
    pid: { type: 'string', short: 'p' },
    ...RECORD_SVG_FLAGS,
    ...OUTPUT_FLAGS,
    ...PEER_FLAGS,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const peer = peerOptions(values);
  if (peer.completions !== undefined) return printCompletions(peer.completions);
  const cmd = command ?? (positionals.length > 0 ? positionals : undefined);
  if (command && positionals.length > 0) throw new UsageError(`unexpected '${positionals[0]}' before --`);
  const record = recordOptions(values);
  if (!cmd && record.pid === undefined && values['perf-data'] === undefined && values.perfdata === undefined) {
    throw new UsageError('flame exec needs a command after --, e.g. `flame exec -- ./my-program --arg`, or --pid PID');
  }
  return runRecording(
    { command: cmd ?? [], record, perfData: values['perf-data'] ?? values.perfdata, perfDataOut: values['perf-data-out'] },
    outputOptions(values, peer),
  );
}
