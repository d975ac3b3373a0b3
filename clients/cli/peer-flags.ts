// The flags of `cargo flamegraph` and `flamegraph` that flame's own do not already spell, on
// `flame record` and `flame exec`: accepted with cargo-flamegraph's meaning, or refused with the
// reason and what to use instead. test/peer-flags.test.ts reads the peers' own --help and fails
// on any flag that is neither accepted nor refused here.
import { configureLogging } from '../../common/log.js';
import type { FoldedOptions } from '../../engine/query/query.js';
import { UsageError } from './main.js';

export const PEER_FLAGS = {
  verbose: { type: 'boolean', short: 'v' },
  'no-inline': { type: 'boolean' },
  'skip-after': { type: 'string', multiple: true },
  'post-process': { type: 'string' },
  completions: { type: 'string' },
  cmd: { type: 'string', short: 'c' },
  root: { type: 'string' },
  'compression-level': { type: 'string', short: 'z' },
} as const;

/** Flags whose value may be left out (`--root`, `-z`): fillOptionalValues gives them ''. */
export const PEER_OPTIONAL_VALUES = ['--root', '--compression-level', '-z'];

/** cargo-flamegraph's flags flame does not take, each with why and what does the job instead. */
export const REFUSED: Record<string, string> = {
  cmd: "flame builds perf's command itself, so that it can analyse the recording while perf writes it: use -e/--event, -F/--freq, --call-graph, --stack-size and --mmap-pages, or record with perf yourself and analyse the file with `flame record --perf-data FILE`",
  root: 'flame does not run perf through sudo: allow sampling with `sudo sysctl kernel.perf_event_paranoid=1` (`flame doctor` checks it), or run flame itself as root',
  'compression-level':
    "flame reads perf's records as they are written and does not decompress zstd: record less with --light (99 Hz) or a smaller --stack-size instead",
};

export const PEER_HELP = `cargo-flamegraph's flags:
  -v, --verbose          log the commands flame runs (cargo, perf) and its steps on stderr
  --no-inline            leave inlined frames out of the flame graph and folded stacks: each
                         sample charged to the function owning the instruction
  --skip-after FUNCTION  cut off the frames below (the callers of) FUNCTION; may be repeated
  --post-process CMD     pipe the folded stacks through CMD (sh -c) before drawing them
  --completions SHELL    print a completion script (as \`flame completions SHELL\`)
  -c/--cmd, --root, -z   refused, each with the reason and what to use instead`;

export interface PeerOptions {
  folding: Pick<FoldedOptions, 'noInline' | 'skipAfter'>;
  postProcess?: string;
  completions?: string;
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Read the peer flags; a refused one throws a UsageError with its reason. `--verbose` turns debug logging on. */
export function peerOptions(v: Values): PeerOptions {
  for (const [flag, reason] of Object.entries(REFUSED)) {
    if (v[flag] !== undefined) throw new UsageError(`--${flag} (cargo flamegraph's) is not supported: ${reason}`);
  }
  if (v.verbose) configureLogging({ level: 'debug' });
  const out: PeerOptions = { folding: {} };
  if (v['no-inline']) out.folding.noInline = true;
  const skip = v['skip-after'];
  if (Array.isArray(skip) && skip.length > 0) out.folding.skipAfter = skip.map(String);
  if (typeof v['post-process'] === 'string') {
    if (v['post-process'].trim() === '') throw new UsageError('--post-process takes a command, e.g. --post-process "sed s/foo/bar/"');
    out.postProcess = v['post-process'];
  }
  if (typeof v.completions === 'string') out.completions = v.completions;
  return out;
}
