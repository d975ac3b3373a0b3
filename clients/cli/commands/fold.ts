// `flame fold`: perf-script text (a file, a .gz, or stdin) to folded stacks on stdout, a drop-in
// for inferno-collapse-perf so that existing flame graph pipelines can use flame unchanged.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { parseArgs } from 'node:util';
import { FlameError, ErrorCodes } from '../../../daemon/errors.js';
import { foldStream, writeFolded, type FoldOptions } from '../../../daemon/fold.js';
import { UsageError } from '../main.js';

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
  const result = await foldStream(openInput(file), opts);
  if (!values.quiet) for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  await writeOut(result.stacks);
  return 0;
}

/** The input's bytes, gunzipped when they start with the gzip magic. */
async function* openInput(file: string): AsyncGenerator<Buffer> {
  const raw: AsyncIterable<Buffer> = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 18 });
  try {
    const it = raw[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) return;
    const head = first.value;
    const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => it };
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
      const gunzip = createGunzip({ chunkSize: 1 << 18 });
      // Feed the compressed bytes while the decompressed ones are read.
      const feeding = (async () => {
        try {
          if (!gunzip.write(head)) await new Promise((r) => gunzip.once('drain', r));
          for await (const b of rest) if (!gunzip.write(b)) await new Promise((r) => gunzip.once('drain', r));
          gunzip.end();
        } catch (err) {
          gunzip.destroy(err as Error);
        }
      })();
      for await (const b of gunzip) yield b as Buffer;
      await feeding;
      return;
    }
    yield head;
    yield* rest;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'no such file' : code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' ? 'not valid gzip' : (err as Error).message;
    throw new FlameError(ErrorCodes.BadInput, `cannot read ${file === '-' ? 'stdin' : file}: ${what}`, { cause: err });
  }
}

/** Write the folded lines, waiting for stdout to drain between pieces. */
function writeOut(stacks: Map<string, number>): Promise<void> {
  const pieces: string[] = [];
  writeFolded(stacks, (p) => pieces.push(p));
  return new Promise((resolve, reject) => {
    let i = 0;
    const next = (): void => {
      while (i < pieces.length) {
        if (!process.stdout.write(pieces[i++]!)) {
          process.stdout.once('drain', next);
          return;
        }
      }
      process.stdout.write('', (err) => (err ? reject(err) : resolve()));
    };
    process.stdout.once('error', reject);
    next();
  });
}
