// Builds the chosen cargo target with debug info and reports the executable, the compiler's
// diagnostics and progress; cancellable, so the daemon can drop a build made stale by an edit.
import path from 'node:path';
import { ErrorCodes, FlameError, killedBy } from '../../common/errors.js';
import { flameProfile } from './config.js';
import { debugInfoWarning } from './debuginfo.js';
import { flameBuild } from './build-profile.js';
import { estimateUnits } from './units.js';
import { firstErrorLine, readMetadata, type CargoMetadata, type SelectedTarget, type TargetOptions } from './target.js';
import { logger } from '../../common/log.js';
import { adopt, loadExeca, type ResultPromise } from '../../common/spawn.js';

export interface BuildOptions {
  /** Called as cargo starts compiling each crate (nothing when everything is fresh). */
  onProgress?: (p: BuildProgress) => void;
  /** Called for each compiler diagnostic as it arrives (the CLI prints `rendered` to stderr). */
  onDiagnostic?: (d: Diagnostic) => void;
  /** Aborting kills cargo and everything it started, and rejects with ErrorCodes.Cancelled. */
  signal?: AbortSignal;
  /** The project's metadata when the caller already read it (saves a `cargo metadata`). */
  metadata?: CargoMetadata;
  /** Build with frame pointers (for `--call-graph fp`), in a target directory of flame's own. */
  framePointers?: boolean;
  /** Build into this target directory instead of the project's (`flame compare`'s base revision). */
  targetDir?: string;
}

export interface BuildProgress {
  /** "Compiling hotspots (3 of 7 built)", or "3 of about 7" when the total is an estimate. */
  message: string;
  /** The crate cargo is compiling or has just built. */
  crate: string;
  /** Units built (or found fresh) so far. */
  done: number;
  /** Exact after a build of the same command; before that, estimated from the resolve graph. */
  total?: number;
  estimated?: boolean;
}

/** One rustc diagnostic, with the structured primary location and the text rustc rendered. */
export interface Diagnostic {
  level: string;
  message: string;
  code?: string;
  rendered: string;
  /** Absolute path of the primary span, when there is one. */
  file?: string;
  line?: number;
  column?: number;
  spans: DiagnosticSpan[];
  package: string;
  target: string;
}

export interface DiagnosticSpan {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  primary: boolean;
  label?: string;
}

export interface BuildResult {
  executable: string;
  target: SelectedTarget;
  workspaceRoot: string;
  targetDirectory: string;
  /** The user's profile (release by default)... */
  profile: string;
  /** ...and the one cargo built in, flame's own that inherits it (flame-release). */
  cargoProfile: string;
  /** Arguments the target wants before the user's (`--bench` for benches, as `cargo bench`). */
  runArgs: string[];
  /** Compiler warnings and notes of this build (fresh units replay theirs). */
  diagnostics: Diagnostic[];
  /** Problems with the result that do not stop profiling, each with its fix (no debug info...). */
  warnings: string[];
  /** Nothing was rebuilt. */
  fresh: boolean;
}

/** The cargo profile `opts` asks for, with cargo-flamegraph's defaults. */
function profileOf(target: SelectedTarget, opts: TargetOptions): string {
  if (opts.profile !== undefined) return opts.profile;
  if (opts.dev) return 'dev';
  return target.kind === 'bench' || target.kind === 'unit-bench' ? 'bench' : 'release';
}

/** The cargo command line that builds `target` (without the program name). */
export function buildArgs(target: SelectedTarget, opts: TargetOptions): string[] {
  const profile = profileOf(target, opts);
  const bench = target.kind === 'bench' || target.kind === 'unit-bench';
  const test = target.kind === 'test' || target.kind === 'unit-test';
  // Tests and benches go through `cargo test/bench --no-run`, which build exactly the harness
  // binaries those commands would run (as cargo-flamegraph does); dev benches build plainly.
  const args = bench && profile !== 'dev' ? ['bench', '--no-run'] : test ? ['test', '--no-run'] : ['build'];
  args.push('--profile', flameProfile(profile), '--message-format=json');
  if (opts.manifestPath !== undefined) args.push('--manifest-path', path.resolve(opts.cwd ?? process.cwd(), opts.manifestPath));
  args.push('--package', target.package);
  switch (target.kind) {
    case 'unit-test':
    case 'unit-bench':
      if (target.unitKind === 'lib') args.push('--lib');
      else args.push('--bin', target.name);
      break;
    default:
      args.push(`--${target.kind}`, target.name);
  }
  if (opts.features !== undefined && opts.features.length > 0) args.push('--features', opts.features.join(','));
  if (opts.allFeatures) args.push('--all-features');
  if (opts.noDefaultFeatures) args.push('--no-default-features');
  if (opts.target !== undefined) args.push('--target', opts.target);
  return args;
}

/**
 * Build `target` in flame's own profile, with debug info forced on through the environment (the
 * user's Cargo.toml and builds are left alone), and return its executable. A failed build rejects with BuildFailed whose
 * `data.diagnostics` holds every compiler message; an abort rejects with Cancelled.
 */
export async function buildTarget(target: SelectedTarget, opts: TargetOptions, build: BuildOptions = {}): Promise<BuildResult> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const profile = profileOf(target, opts);
  const args = buildArgs(target, opts);
  if (build.signal?.aborted) throw cancelled(build.signal.reason);
  // rustc names files relative to the workspace root, so learn it before the first diagnostic.
  const layout = build.metadata ?? (await readMetadata(opts));
  if (build.signal?.aborted) throw cancelled(build.signal.reason);
  const targetDirectory = build.targetDir ?? layout.targetDirectory;
  const own = await flameBuild(profile, { targetDirectory, cwd, triple: opts.target, framePointers: build.framePointers });
  const targetDir = own.targetDir ?? build.targetDir;
  if (targetDir !== undefined) args.push('--target-dir', targetDir);
  const key = `${cwd}\0${args.join('\0')}`;
  let total = unitCounts.get(key);
  let estimated = false;
  const estimating = new AbortController();
  // Only once something compiles: a fresh build needs no total, nor a second cargo beside it.
  const estimate = (): Promise<void> =>
    total !== undefined
      ? Promise.resolve()
      : estimateUnits(target, opts, estimating.signal).then(
          (n) => {
            if (n !== undefined) [total, estimated] = [n, true];
          },
          () => {},
        );
  logger('cargo').debug({ args, cwd, env: own.env }, 'cargo build');

  const execa = await loadExeca();
  const child = execa('cargo', args, {
    cwd,
    env: own.env,
    reject: false,
    buffer: false,
    // Its own process group, so cancelling reaches rustc and build scripts, not only cargo.
    detached: true,
    stdin: 'ignore',
  });
  adopt(child);
  const stopGroup = trackGroup(child, build.signal);

  const diagnostics: Diagnostic[] = [];
  const stderrTail: string[] = [];
  let done = 0;
  let executable: string | undefined;
  let fresh = true;
  let finished: boolean | undefined;
  // Progress waits for the estimate (one `cargo metadata`, shorter than compiling a crate), so
  // that no message goes out with a bare count; the messages keep their order.
  let reported: Promise<void> | undefined;
  const progress = (crate: string): void => {
    const at = done;
    reported = (reported ?? estimate()).then(() => {
      // An estimate can fall short; a count past it would read as nonsense.
      const of = total === undefined ? undefined : Math.max(total, at);
      const count = of === undefined ? `${at} built` : `${at} of ${estimated ? 'about ' : ''}${of} built`;
      const p: BuildProgress = { crate, done: at, message: `Compiling ${crate} (${count})` };
      if (of !== undefined) p.total = of;
      if (estimated) p.estimated = true;
      build.onProgress?.(p);
    });
  };

  const readStdout = (async () => {
    for await (const line of child.iterable({ from: 'stdout' })) {
      const msg = parseMessage(String(line));
      if (msg === undefined) continue;
      if (msg.reason === 'compiler-artifact') {
        done += 1;
        if (!msg.fresh) fresh = false;
        if (msg.executable && matches(msg, target)) executable = msg.executable;
      } else if (msg.reason === 'compiler-message') {
        const d = toDiagnostic(msg, layout.workspaceRoot);
        if (d.level === 'failure-note') continue;
        diagnostics.push(d);
        build.onDiagnostic?.(d);
      } else if (msg.reason === 'build-finished') {
        finished = msg.success;
      }
    }
  })();
  const readStderr = (async () => {
    for await (const line of child.iterable({ from: 'stderr' })) {
      const text = String(line);
      stderrTail.push(text);
      if (stderrTail.length > 50) stderrTail.shift();
      const m = /^\s*Compiling (\S+) v/.exec(text);
      if (m) progress(m[1]!);
    }
  })();

  const [result] = await Promise.all([child, readStdout.catch(() => {}), readStderr.catch(() => {})]);
  if (build.signal?.aborted) estimating.abort();
  await reported?.catch(() => {});
  estimating.abort();
  await stopGroup();
  if (build.signal?.aborted) throw cancelled(build.signal.reason);
  if ((result as { code?: string }).code === 'ENOENT') {
    throw new FlameError(ErrorCodes.ToolMissing, 'cargo is not installed or not on PATH: install Rust with rustup (https://rustup.rs)');
  }
  if (result.signal) {
    throw new FlameError(ErrorCodes.BuildFailed, `cargo build was ${killedBy(result.signal)} before it finished; run it again`, {
      data: { diagnostics, stderr: stderrTail.join('\n') },
      cause: result,
    });
  }
  const errors = diagnostics.filter((d) => d.level === 'error');
  if (result.exitCode !== 0 || finished === false) {
    const first = errors[0];
    const where = first?.file !== undefined ? ` (${first.file}:${first.line})` : '';
    const summary = first !== undefined ? `${first.message}${where}` : firstErrorLine(stderrTail.join('\n'));
    throw new FlameError(ErrorCodes.BuildFailed, `cargo build failed: ${summary}`, {
      data: { diagnostics, stderr: stderrTail.join('\n') },
      cause: result,
    });
  }
  if (executable === undefined) {
    throw new FlameError(ErrorCodes.Internal, `cargo built no executable for ${target.kind} '${target.name}' of package '${target.package}'`);
  }
  unitCounts.set(key, done);
  const warnings: string[] = [];
  const w = await debugInfoWarning(executable, profile, cwd, opts.target);
  if (w !== undefined) warnings.push(w);
  return {
    executable,
    target,
    workspaceRoot: layout.workspaceRoot,
    targetDirectory: layout.targetDirectory,
    profile,
    cargoProfile: own.profile,
    runArgs: target.kind === 'bench' || target.kind === 'unit-bench' ? ['--bench'] : [],
    diagnostics,
    warnings,
    fresh,
  };
}

/** Units of the last successful build per command line: the denominator of the next one's progress. */
const unitCounts = new Map<string, number>();

function cancelled(reason?: unknown): FlameError {
  return new FlameError(ErrorCodes.Cancelled, 'the build was cancelled', { cause: reason });
}

/**
 * cargo runs in its own process group so that cancelling reaches rustc and build scripts too.
 * On abort the group gets SIGTERM; the returned function waits until the group is empty.
 * Groups still running when flame exits are killed, since a detached cargo would outlive it.
 */
function trackGroup(child: ResultPromise, signal: AbortSignal | undefined): () => Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return async () => {};
  liveGroups.add(pid);
  if (liveGroups.size === 1) process.once('exit', killLiveGroups);
  const onAbort = (): void => killQuietly(-pid, 'SIGTERM');
  signal?.addEventListener('abort', onAbort, { once: true });
  return async () => {
    signal?.removeEventListener('abort', onAbort);
    if (signal?.aborted) {
      // Children that ignore SIGTERM get SIGKILL after a grace period.
      for (let i = 0; i < 100 && groupAlive(pid); i++) {
        if (i === 50) killQuietly(-pid, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    liveGroups.delete(pid);
    if (liveGroups.size === 0) process.removeListener('exit', killLiveGroups);
  };
}

const liveGroups = new Set<number>();

function killLiveGroups(): void {
  for (const pid of liveGroups) killQuietly(-pid, 'SIGTERM');
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

function matches(msg: RawMessage, t: SelectedTarget): boolean {
  const kinds = msg.target.kind;
  const pkgName = packageNameOf(msg.package_id);
  if (pkgName !== undefined && pkgName !== t.package) return false;
  switch (t.kind) {
    case 'unit-test':
    case 'unit-bench':
      if (!msg.profile?.test) return false;
      return t.unitKind === 'lib' ? !kinds.includes('bin') : kinds.includes('bin') && msg.target.name === t.name;
    default:
      return kinds.includes(t.kind) && msg.target.name === t.name;
  }
}

/** The package name inside a package id, in both the new (`path+file://...#name@1.0`) and old forms. */
function packageNameOf(id: string): string | undefined {
  const hash = /#(?:([^@#]+)@)?[^#@]+$/.exec(id);
  if (hash)
    return (
      hash[1] ??
      decodeURIComponent(id.slice(0, id.lastIndexOf('#')))
        .split('/')
        .pop()
    );
  const old = /^(\S+) \S+ \(/.exec(id);
  return old?.[1];
}

function toDiagnostic(msg: RawMessage, root: string): Diagnostic {
  const m = msg.message!;
  const spans: DiagnosticSpan[] = (m.spans ?? []).map((s) => ({
    file: path.resolve(root, s.file_name),
    line: s.line_start,
    column: s.column_start,
    endLine: s.line_end,
    endColumn: s.column_end,
    primary: s.is_primary,
    ...(s.label ? { label: s.label } : {}),
  }));
  const primary = spans.find((s) => s.primary) ?? spans[0];
  const d: Diagnostic = {
    level: m.level,
    message: m.message,
    rendered: m.rendered ?? m.message,
    spans,
    package: packageNameOf(msg.package_id) ?? msg.package_id,
    target: msg.target.name,
  };
  if (m.code?.code) d.code = m.code.code;
  if (primary !== undefined) {
    d.file = primary.file;
    d.line = primary.line;
    d.column = primary.column;
  }
  return d;
}

function parseMessage(line: string): RawMessage | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as RawMessage;
  } catch {
    return undefined;
  }
}

interface RawMessage {
  reason: string;
  package_id: string;
  manifest_path?: string;
  target: { name: string; kind: string[] };
  profile?: { test: boolean; debuginfo?: number | string };
  executable?: string | null;
  fresh?: boolean;
  success?: boolean;
  message?: {
    level: string;
    message: string;
    rendered?: string;
    code?: { code: string } | null;
    spans?: { file_name: string; line_start: number; line_end: number; column_start: number; column_end: number; is_primary: boolean; label?: string | null }[];
  };
}
