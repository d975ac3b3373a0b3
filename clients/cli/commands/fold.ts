// `flame fold`: perf-script text (a file, a .gz, or stdin) to folded stacks on stdout, a drop-in
// for inferno-collapse-perf so that existing flame graph pipelines can use flame unchanged.
import { parseArgs } from 'node:util';
import { FlameError, ErrorCodes } from '../../../common/errors.js';
import { foldStream, writeFolded, type FoldOptions } from '../../../engine/render/fold.js';
import { foldFile, gunzipIfGzip } from '../../../engine/render/fold-parallel.js';
import { UsageError } from '../main.js';
import { checkStdin, ioReason, writeStdout } from '../render.js';

const HELP = `Usage: flame fold [options] [FILE|-]

Fold \`perf script\` output into stacks, one "comm;outer;...;leaf COUNT" line each, sorted, as
inferno-collapse-perf and stackcollapse-perf.pl print them. Reads stdin when no file (or -) is
given; gzip input is recognised and unpacked. COUNT is the sum of the event periods when perf
printed them, else the number of samples. Only the first event type seen is folded unless
--event-filter names one.

Options:
  --pid                  include the PID with the process name (comm-PID)
  --tid                  include the PID and TID with the process name (comm-PID/TID)
  --kernel               annotate kernel functions with _[k]
  --jit                  annotate JIT functions with _[j]
  --all                  all annotations (--kernel --jit)
  --addrs                include raw addresses where symbols cannot be found
  --event-filter EVENT   fold only samples of this event (e.g. cycles)
  --skip-after FUNC      drop the callers of frames whose function is FUNC (repeatable)
  --compat perl          follow stackcollapse-perf.pl where it differs from inferno: drop a
                         last sample that has no blank line after it, and tidy Java names only
                         for a process named exactly "java" (default: inferno)
  -n, --nthreads N       threads for a large file: one part of at least 8 MiB each (default: one
                         per core in flame's native build, 1 on Node, where a thread pays off
                         only for inputs of hundreds of MB); stdin and gzip input use one
  -q, --quiet            no warnings
  -h, --help             this help
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        pid: { type: 'boolean' },
        tid: { type: 'boolean' },
        kernel: { type: 'boolean' },
        jit: { type: 'boolean' },
        all: { type: 'boolean' },
        addrs: { type: 'boolean' },
        'event-filter': { type: 'string' },
        'skip-after': { type: 'string', multiple: true },
        compat: { type: 'string' },
        nthreads: { type: 'string', short: 'n' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}. Run \`flame fold --help\` for the options.`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const compat = values.compat ?? 'inferno';
  if (compat !== 'inferno' && compat !== 'perl') throw new UsageError(`--compat takes inferno or perl, not '${compat}'`);
  const threads = values.nthreads === undefined ? undefined : Number(values.nthreads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError(`--nthreads takes a whole number of at least 1, not '${values.nthreads}'`);
  if (positionals.length > 1) throw new UsageError('flame fold reads one input (a file or -); run it once per file');
  const opts: FoldOptions = {
    pid: values.pid,
    tid: values.tid,
    kernel: values.kernel,
    jit: values.jit,
    all: values.all,
    addrs: values.addrs,
    eventFilter: values['event-filter'],
    skipAfter: values['skip-after'],
    compat,
  };
  const file = positionals[0] ?? '-';
  let result;
  try {
    // A file can be cut into parts for worker threads; stdin is read as a stream.
    if (file === '-') checkStdin();
    result = file === '-' ? await foldStream(gunzipIfGzip(process.stdin), opts) : await foldFile(file, opts, { threads });
  } catch (err) {
    throw readError(file, err);
  }
  if (!values.quiet) for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  await writeOut(result.stacks);
  return 0;
}

/** A failure to read the input as a FlameError that names it; others pass through. */
function readError(file: string, err: unknown): unknown {
  if (err instanceof FlameError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === undefined || !(code.startsWith('E') || code.startsWith('Z_'))) return err;
  const what = code.startsWith('Z_') ? 'not valid gzip' : ioReason(err);
  return new FlameError(ErrorCodes.BadInput, `cannot read ${file === '-' ? 'stdin' : file}: ${what}`, { cause: err });
}

/** Write the folded lines, waiting for stdout to drain between pieces. */
function writeOut(stacks: Map<string, number>): Promise<void> {
  const pieces: string[] = [];
  writeFolded(stacks, (p) => pieces.push(p));
  return writeStdout(pieces);
}
