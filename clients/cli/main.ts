// `flame`: dispatch a verb to clients/cli/commands/<verb>.ts. Each command module exports
// `run(argv): Promise<number>` (the exit code) and `usage` (one line for `flame --help`).
// Results go to stdout; progress, warnings and errors go to stderr.
import { describeFault, FlameError } from '../../common/errors.js';
import { EXPORT_FORMAT_NAMES } from '../../protocol/types.js';

const VERBS: Record<string, string> = {
  record: 'build, record and render a flame graph of a cargo target',
  exec: 'record any command and render its flame graph',
  top: 'functions by self count',
  lines: 'source lines by self count',
  fold: 'perf script text to folded stacks (drop-in for inferno-collapse-perf)',
  svg: 'folded stacks to a flame graph SVG (drop-in for inferno-flamegraph)',
  doctor: 'check cargo, perf and the system settings profiling needs',
  daemon: 'start, stop or inspect the workspace daemon',
  watch: 're-profile on every change and show what moved',
  profiles: 'list the stored profiles',
  diff: 'compare two profiles per function and per line',
  push: 'push a profile to a Grafana Pyroscope server (and retry queued pushes)',
  compare: 'build a base revision beside the working tree, record both in turns, gate on regressions',
  export: `export a profile as ${EXPORT_FORMAT_NAMES.slice(0, -1).join(', ')} or ${EXPORT_FORMAT_NAMES.at(-1)}`,
  query: 'send any protocol request and print the JSON result',
  lsp: 'run the language server on stdio (for editors)',
  web: 'print the URL of the live flame graph page the daemon serves',
  completions: 'print a completion script for bash, zsh or fish',
  help: "print a command's help (flame help VERB)",
};

/** The verbs and their one-line descriptions (`flame --help`, the completion scripts). */
export const VERB_LIST: ReadonlyArray<[string, string]> = Object.entries(VERBS);

export interface Command {
  run(argv: string[]): Promise<number>;
}

/** The module of one of VERBS. */
export async function loadCommand(verb: string): Promise<Command> {
  return (await import(`./commands/${verb}.js`)) as Command;
}

function help(): string {
  const rows = Object.entries(VERBS).map(([v, d]) => `  ${v.padEnd(8)} ${d}`);
  return `flame: a profiler for Rust cargo projects\n\nUsage: flame <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun \`flame <command> --help\` for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || (verb === 'help' && rest.length === 0)) {
    process.stdout.write(help());
    return verb === undefined ? 2 : 0;
  }
  if (verb === 'help') {
    if (!Object.hasOwn(VERBS, rest[0]!) || rest[0] === 'help') {
      process.stderr.write(`error: unknown command '${rest[0]}'; run \`flame --help\` for the list\n`);
      return 2;
    }
    return main([rest[0]!, '--help']);
  }
  if (verb === '--version' || verb === '-V') {
    const { FLAME_VERSION } = await import('../../protocol/version.js');
    process.stdout.write(`flame ${FLAME_VERSION}\n`);
    return 0;
  }
  if (!Object.hasOwn(VERBS, verb)) {
    process.stderr.write(`error: unknown command '${verb}'; run \`flame --help\` for the list\n`);
    return 2;
  }
  try {
    return await (await loadCommand(verb)).run(rest);
  } catch (err) {
    return reportError(err);
  }
}

/** Print an error as one actionable line (plus detail for flame's own bugs) and pick the exit code. */
function reportError(caught: unknown): number {
  const err = describeFault(caught);
  if (err instanceof FlameError) {
    process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n`);
    return 2;
  }
  const e = err as Error;
  process.stderr.write(`error: internal error in flame: ${e?.message ?? String(err)}\n${e?.stack ?? ''}\nPlease report this with the command you ran.\n`);
  return 70;
}

/** A mistake in the command line: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
