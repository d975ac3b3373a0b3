// Every process flame starts goes through here: the one importer of node:child_process and
// execa (test/architecture.test.ts holds it), so that how children start, which of them end with
// the daemon, and what a client pays to load is decided in one place.
//
// execa is loaded on first use, never at import: it is about 100 modules, and a third of
// `flame top`'s start-up went to it when clients imported it. Clients use the plain
// node:child_process calls below; the engine awaits `loadExeca()` where it runs its tools.
//
// A daemon killed with SIGKILL runs no clean-up, and its cargo, rustc and perf went on for
// minutes (45 of 50 kills). Linux's PR_SET_PDEATHSIG is out of Node's reach and would cover only
// direct children anyway, so the daemon starts a watchdog: a shell in a session of its own,
// reading the daemon's list of process groups on a pipe. However the daemon ends, the pipe
// closes, and the watchdog kills every group still listed. Each long-running child the daemon
// starts leads a process group of its own (spawned `detached`), which holds what it starts.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { logger } from './log.js';

export { execFile, spawn };
export type { ChildProcessWithoutNullStreams } from 'node:child_process';
export type { ResultPromise } from 'execa';

/** `execFile` as a promise of `{ stdout, stderr }`, rejecting on a non-zero exit. */
export const execFileText = promisify(execFile);

/** execa's `execa` function, imported the first time someone needs it. */
export function loadExeca(): Promise<typeof import('execa').execa> {
  execaModule ??= import('execa').then((m) => m.execa);
  return execaModule;
}

let execaModule: Promise<typeof import('execa').execa> | undefined;

/** Spawn options for a child the watchdog should end with the daemon: a process group of its own. */
export function reapable(): { detached?: boolean } {
  return watchdog === undefined ? {} : { detached: true };
}

/**
 * Have the watchdog kill `child`'s process group if the daemon dies before it ends; when the
 * child itself ends, what it left in its group (a cancelled cargo's rustc) goes with it.
 * The child must have been spawned with `reapable()` (or be detached); a no-op without a watchdog.
 */
export function adopt(child: Pick<ChildProcess, 'pid' | 'once'>): void {
  const pid = child.pid;
  if (watchdog === undefined || pid === undefined) return;
  tell(`+${pid}`);
  child.once('exit', () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // an empty group: nothing was left behind
    }
    tell(`-${pid}`);
  });
}

/** Start the watchdog (the daemon, once); children spawned before it are not covered. */
export function startReaper(): void {
  if (watchdog !== undefined || process.platform === 'win32') return;
  // Its own session: a signal to the daemon's process group (a terminal's Ctrl-C) spares it.
  const child = spawn('/bin/sh', ['-c', WATCHDOG], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], cwd: '/' });
  child.on('error', (err) => logger('reaper').warn({ err }, 'the watchdog that ends children with the daemon did not start'));
  // A write after the watchdog died (killed by someone) must not take the daemon down.
  child.stdin?.on('error', () => {});
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watchdog = child;
}

let watchdog: ChildProcess | undefined;

function tell(line: string): void {
  watchdog?.stdin?.write(`${line}\n`);
}

// `live` holds the groups space-separated with a space at each end, so " $pg " finds one whole.
const WATCHDOG = `live=' '
while read -r line; do
  pg=\${line#?}
  case $line in
    +*) live="$live$pg " ;;
    -*) case $live in *" $pg "*) live="\${live%% $pg *} \${live#* $pg }" ;; esac ;;
  esac
done
for pg in $live; do kill -KILL -"$pg" 2>/dev/null; done
`;
