// Runs perf: `perf record` around a program (or attached to a pid) and `perf script` as a
// line stream. The only module that knows perf's flags and its error messages.
import type { EventEmitter } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { RecordSpec } from '../../protocol/types.js';
import { FlameError, ErrorCodes, killedBy } from '../../common/errors.js';
import { lineSplitter } from '../../common/lines.js';
import { programPids, signalPids } from './program.js';
import { logger } from '../../common/log.js';
import { adopt, loadExeca, reapable } from '../../common/spawn.js';

/** perf record settings (the wire type), plus attaching to a running process (CLI only). */
export interface RecordOptions extends RecordSpec {
  /** Attach to a running process instead of starting one. */
  pid?: number;
  /** With pid: stop after this many seconds (otherwise at Ctrl-C). */
  durationSec?: number;
}

const DEFAULT_FREQUENCY = 997;
const DEFAULT_STACK_SIZE = 64000;

export interface RecordOutcome {
  /** The program's exit code (perf passes it through), or undefined when it died of a signal. */
  exitCode: number | undefined;
  signal: string | undefined;
  /** perf's own summary said it wrote the file. */
  wrote: boolean;
  /** What perf printed on stderr (the program's stderr is passed through, not kept here). */
  perfMessages: string[];
  /** The user interrupted the recording (Ctrl-C, or a SIGINT to flame): the program was asked to end. */
  interrupted: boolean;
}

/** What this perf and kernel can do, as far as recordArgs cares. */
export interface PerfCaps {
  /** `--buildid-mmap`: build-ids in the mmap events (perf and kernel 5.12 or later). */
  buildIdMmap: boolean;
}

/** Arguments for `perf record`, without the command; output '-' is pipe format on stdout. */
function recordArgs(opts: RecordOptions, output: string, caps: PerfCaps = { buildIdMmap: false }): string[] {
  const args = ['record', '-o', output, '-F', String(opts.frequency ?? DEFAULT_FREQUENCY)];
  const cg = opts.callGraph ?? 'dwarf';
  args.push('--call-graph', cg === 'dwarf' ? `dwarf,${opts.stackSize ?? DEFAULT_STACK_SIZE}` : cg);
  if (opts.event) args.push('-e', opts.event);
  // The build-id cache copy and BPF event synthesis cost up to a second per run and give flame
  // nothing: it symbolizes straight away from the binaries on disk.
  args.push('--no-buildid-cache', '--no-bpf-event');
  // The pipe format carries no build-id table: without this, a recording read after a rebuild
  // would be named from the new binary, silently (analyze.ts checks them).
  if (caps.buildIdMmap) args.push('--buildid-mmap');
  if (opts.mmapPages !== undefined) args.push('-m', String(opts.mmapPages));
  if (opts.pid !== undefined) args.push('-p', String(opts.pid));
  return args;
}

/** Fail early, with the fix, when perf is missing or may not sample. */
export async function checkPerfUsable(): Promise<void> {
  try {
    await (
      await loadExeca()
    )('perf', ['--version']);
  } catch (err) {
    throw new FlameError(
      ErrorCodes.ToolMissing,
      'perf is not installed: install it (Debian: `apt-get install linux-perf`, Ubuntu: `apt-get install linux-tools-generic`) and run `flame doctor`',
      { cause: err },
    );
  }
  const paranoid = await readParanoid();
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (paranoid !== undefined && paranoid > 2 && !root) {
    throw perfNotPermitted(paranoid);
  }
}

let caps: Promise<PerfCaps> | undefined;

/** Probed once per process: versions only, so that it costs one `perf --version`. */
function perfCaps(): Promise<PerfCaps> {
  caps ??= loadExeca()
    .then((execa) => execa('perf', ['--version'], { reject: false }))
    .then((r) => ({
      buildIdMmap: atLeast(/(\d+)\.(\d+)/.exec(String(r.stdout)), 5, 12) && atLeast(/^(\d+)\.(\d+)/.exec(os.release()), 5, 12),
    }));
  return caps;
}

function atLeast(m: RegExpExecArray | null, major: number, minor: number): boolean {
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

async function readParanoid(): Promise<number | undefined> {
  try {
    return Number((await readFile('/proc/sys/kernel/perf_event_paranoid', 'utf8')).trim());
  } catch {
    return undefined;
  }
}

function perfNotPermitted(value: number | undefined): FlameError {
  return new FlameError(
    ErrorCodes.PerfNotPermitted,
    `perf may not sample: kernel.perf_event_paranoid is ${value ?? 'unknown'}; run \`sudo sysctl kernel.perf_event_paranoid=1\` (or run as root), then try again`,
  );
}

/**
 * Record `command` (or the pid in opts) into `output`, in perf's pipe format: a stream that can
 * be read while it is written (perf-follow.ts), which perf writes to its stdout (here, the file).
 * perf then hands the program's stdout to its own stderr, so both of the program's streams come
 * through perf's stderr: its lines go to `programOutput` (default: our stderr), perf's own lines
 * are collected. An interrupt reaches the program as SIGINT (perf-program.ts), a second one as
 * SIGTERM; perf writes the file when the program has ended.
 */
export async function perfRecord(
  opts: RecordOptions,
  command: string[],
  output: string,
  io: {
    /** Where the program's output lines go (default: our stderr). */
    programOutput?: (line: string) => void;
    /** The daemon has no terminal to hand over. */
    stdin?: 'inherit' | 'ignore';
    signal?: AbortSignal;
    /** 'interrupt' events: the user's Ctrl-C (or a SIGINT sent to flame alone). */
    interrupts?: EventEmitter;
    cwd?: string;
    env?: NodeJS.ProcessEnv;
  },
): Promise<RecordOutcome> {
  // A program run through a wrapper that execs it (sh -c 'exec "$@"') was tried to keep its
  // stdout apart: perf then sometimes unwinds with the wrapper's stale maps and loses the
  // outermost frames. perf's own redirection has no such cost.
  const args = recordArgs(opts, '-', await perfCaps());
  const attached = opts.pid !== undefined;
  if (attached) {
    if (opts.durationSec !== undefined) args.push('--', 'sleep', String(opts.durationSec));
  } else {
    args.push('--', ...command);
  }
  const perfMessages: string[] = [];
  logger('perf').debug({ args, cwd: io.cwd }, 'perf record');
  const execa = await loadExeca();
  const dataFd = openSync(output, 'w', 0o644);
  const child = execa('perf', args, {
    reject: false,
    // The file's descriptor itself: perf writes to disk directly, never waiting on this process.
    stdio: [io.stdin ?? 'inherit', dataFd as unknown as 'inherit', 'pipe'],
    buffer: false,
    cwd: io.cwd,
    env: io.env,
    cancelSignal: io.signal,
    forceKillAfterDelay: 2000,
    // A session of its own (perf-program.ts): interrupts come through flame.
    detached: true,
  });
  adopt(child);
  let interrupts = 0;
  const perfPid = child.pid;
  const onInterrupt = (): void => {
    interrupts++;
    if (perfPid === undefined) return;
    if (attached) {
      // Nothing of perf's to end but itself (and its `sleep`): it stops and writes the file.
      signalPids([perfPid], 'SIGINT');
    } else {
      // Once SIGINT, as a terminal would send it; again, SIGTERM, what perf itself would do.
      signalPids(programPids(perfPid), interrupts > 1 ? 'SIGTERM' : 'SIGINT');
    }
  };
  // execa does not clean up after a detached process. perf would pass a SIGTERM on to the
  // program, but it dies of SIGPIPE first when it next writes to flame, so both get one.
  const onExit = (): void => {
    if (perfPid === undefined) return;
    if (!attached) signalPids(programPids(perfPid), 'SIGTERM');
    signalPids([perfPid], 'SIGTERM');
  };
  // Nor after a death by hang-up or SIGTERM, when nothing else here handles those.
  const onDeath = (sig: NodeJS.Signals): void => {
    onExit();
    process.kill(process.pid, sig);
  };
  const deaths = (['SIGHUP', 'SIGTERM'] as const).filter((sig) => process.listenerCount(sig) === 0);
  for (const sig of deaths) process.once(sig, onDeath);
  io.interrupts?.on('interrupt', onInterrupt);
  process.on('exit', onExit);
  const tail: string[] = [];
  const stderr = lineSplitter((l) => {
    tail.push(l);
    if (tail.length > 20) tail.shift();
    if (PERF_LINE.test(l)) perfMessages.push(l);
    else if (io.programOutput) io.programOutput(l);
    else process.stderr.write(`${l}\n`);
  });
  child.stderr?.on('data', stderr.push);
  const result = await child.finally(() => {
    closeSync(dataFd);
    io.interrupts?.off('interrupt', onInterrupt);
    process.off('exit', onExit);
    for (const sig of deaths) process.off(sig, onDeath);
  });
  stderr.end();
  const wrote = perfMessages.some((m) => /Captured and wrote/.test(m));
  if (result.isCanceled) throw new FlameError(ErrorCodes.Cancelled, 'recording cancelled');
  if (!wrote) {
    const text = tail.join('\n');
    if (/perf_event_paranoid|Permission denied|Access to performance monitoring/i.test(text)) throw perfNotPermitted(await readParanoid());
    if (result.failed && (result as { code?: string }).code === 'ENOENT') {
      throw new FlameError(ErrorCodes.ToolMissing, 'perf is not installed: install it (Debian: `apt-get install linux-perf`) and run `flame doctor`');
    }
    if (/doesn't support branch stack sampling/.test(text)) {
      throw new FlameError(
        ErrorCodes.PerfFailed,
        `--call-graph lbr needs the CPU's Last Branch Record, which this machine (or its VM) does not offer; use --call-graph dwarf (the default) or fp`,
      );
    }
    // What the program printed is not perf's error: a killed perf says so, and nothing else.
    if (result.signal)
      throw new FlameError(ErrorCodes.PerfFailed, `perf record was ${killedBy(result.signal)} before it wrote the recording; run it again`, { cause: result });
    const workload = /Failed to collect .* workload: (.*)/.exec(text);
    if (workload) throw new FlameError(ErrorCodes.PerfFailed, `perf could not start the program: ${workload[1]}; check the command and its path`);
    throw new FlameError(ErrorCodes.PerfFailed, `perf record failed${text ? `: ${lastLines(text)}` : ''}; run \`flame doctor\` to check the setup`);
  }
  const interrupted = interrupts > 0;
  const exitCode = typeof result.exitCode === 'number' ? result.exitCode : undefined;
  return { exitCode, signal: result.signal ?? undefined, wrote, perfMessages, interrupted };
}

const PERF_LINE =
  /^\[ perf record:|^(WARNING|Warning|Error|Failed|Workload failed|failed to|perf: |Lowering default frequency|Couldn't|Consider tweaking|Info:|The sys_perf_event_open|\s*Error:|\S+: PMU Hardware)/;

/**
 * Whether perf script met the end of a pipe-format recording (flame's own) inside an event:
 * it says so on stderr and exits 0 with what it read until then. A file cut exactly between two
 * events cannot be told from a whole one by perf either.
 */
export function endsMidEvent(stderr: string): boolean {
  return /unexpected end of event stream/.test(stderr);
}

/** The last three non-empty lines of a tool's output, joined for a one-line message. */
export function lastLines(text: string): string {
  return text.split('\n').filter(Boolean).slice(-3).join(' | ');
}

/** The fields flame parses (see daemon/perfscript.ts). */
const SCRIPT_FIELDS = 'comm,pid,tid,time,period,event,ip,sym,symoff,dso';
/** `perf script` as flame runs it, less the input. */
export const SCRIPT_ARGS = ['script', '--no-inline', '--show-lost-events', '--show-mmap-events', '-F', SCRIPT_FIELDS];

/**
 * Run `perf script --no-inline` over a perf.data file, handing each line (without its newline)
 * to `onLine` synchronously as the bytes arrive; resolves when perf has exited.
 */
export async function perfScript(perfData: string, onLine: (line: string) => void, opts: { signal?: AbortSignal } = {}): Promise<void> {
  logger('perf').debug({ args: [...SCRIPT_ARGS, '-i', perfData] }, 'perf script');
  const execa = await loadExeca();
  const child = execa('perf', [...SCRIPT_ARGS, '-i', perfData], {
    reject: false,
    buffer: { stdout: false, stderr: true },
    stdin: 'ignore',
    cancelSignal: opts.signal,
    maxBuffer: { stderr: 1 << 20 },
    ...reapable(),
  });
  adopt(child);
  const split = lineSplitter(onLine);
  child.stdout!.on('data', split.push);
  const r = await child;
  split.end();
  if (r.isCanceled) throw new FlameError(ErrorCodes.Cancelled, 'analysis cancelled');
  if ((r as { code?: string }).code === 'ENOENT')
    throw new FlameError(ErrorCodes.ToolMissing, 'perf is not installed: install it (Debian: `apt-get install linux-perf`)');
  if (r.signal) {
    // perf maps the file: a recording cut short (disk full, a killed perf record) ends in SIGBUS.
    throw new FlameError(
      ErrorCodes.BadInput,
      `perf script died of ${r.signal} reading ${perfData}: the file is probably truncated (an interrupted or partly copied recording); record it again`,
    );
  }
  if (r.exitCode === 0 && endsMidEvent(String(r.stderr ?? ''))) {
    throw new FlameError(
      ErrorCodes.BadInput,
      `${perfData} ends in the middle of an event: the recording was cut short (a killed perf record, a full disk, a partial copy), and flame does not pass part of a recording off as a whole one; record it again`,
    );
  }
  if (r.exitCode !== 0) {
    const msg = String(r.stderr ?? '').trim();
    if (/No such file|does not exist/i.test(msg))
      throw new FlameError(ErrorCodes.BadInput, `cannot read ${perfData}: no such file; record one with \`flame record\` or pass an existing --perf-data`);
    throw new FlameError(
      ErrorCodes.BadInput,
      `perf script could not read ${perfData}: ${lastLines(msg) || `exit code ${r.exitCode}`}; is it a whole perf.data file? A recording cut short has to be made again`,
    );
  }
}
