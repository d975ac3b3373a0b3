// The program under `perf record`. perf answers a Ctrl-C by sending its workload SIGTERM, so a
// server would never run the graceful shutdown its SIGINT handler starts, and would die of
// SIGTERM. perf's workload is therefore a shell that runs the program as its child and catches
// perf's SIGTERM (a caught signal, unlike an ignored one, is reset to the default by exec, so the
// program does not inherit it), while the program gets the user's SIGINT itself. perf, once
// interrupted, exits with its own signal instead of the workload's status, so the shell writes
// the program's status to a file.
import { constants, readFileSync } from 'node:fs';
import { access, readFile, rm } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { FlameError, ErrorCodes } from './errors.js';
import { which } from './symbolize-tool.js';

/** `sh -c` script: $1 is the status file, the rest is the command. */
const WRAPPER = 'f=$1; shift; trap : INT TERM; "$@"; s=$?; echo "$s" > "$f"; exit "$s"';

/** The command perf runs in place of `command`: the program under the shell described above. */
export function wrapCommand(command: string[], statusFile: string): string[] {
  return ['/bin/sh', '-c', WRAPPER, 'flame', statusFile, ...command];
}

/** perf reported a missing program itself; behind the shell, flame has to look first. */
export async function checkProgram(command: string[], cwd: string | undefined, env: NodeJS.ProcessEnv | undefined): Promise<void> {
  const prog = command[0];
  if (prog === undefined) throw new FlameError(ErrorCodes.BadInput, 'no command to record');
  const found = prog.includes('/')
    ? await access(path.resolve(cwd ?? process.cwd(), prog), constants.X_OK).then(() => true, () => false)
    : (await which(prog, (env?.PATH ?? process.env.PATH ?? '').split(path.delimiter).filter(Boolean))) !== undefined;
  if (!found) throw new FlameError(ErrorCodes.PerfFailed, `perf could not start the program: ${prog}: no such executable; check the command and its path`);
}

export interface ProgramStatus {
  exitCode?: number;
  signal?: string;
}

/** What the wrapper wrote, then the file is removed; undefined when it never got to write it. */
export async function takeProgramStatus(statusFile: string): Promise<ProgramStatus | undefined> {
  const text = await readFile(statusFile, 'utf8').catch(() => undefined);
  await rm(statusFile, { force: true });
  const s = Number(text?.trim());
  if (text === undefined || !Number.isInteger(s)) return undefined;
  // sh reports a death by signal N as status 128+N.
  if (s > 128) {
    const name = Object.entries(osConstants.signals).find(([, n]) => n === s - 128)?.[0];
    if (name !== undefined) return { signal: name };
  }
  return { exitCode: s };
}

/** The program's pid: the child of perf's child (the shell); undefined once it has gone. */
export function programPid(perfPid: number): number | undefined {
  const shell = firstChild(perfPid);
  return shell === undefined ? undefined : firstChild(shell);
}

function firstChild(pid: number): number | undefined {
  try {
    // Synchronous: this also runs in an 'exit' handler.
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    const first = Number(text.trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : undefined;
  } catch {
    return undefined;
  }
}

/** Send `signal` to a process that may be gone already. */
export function signalPid(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // gone: nothing to stop
  }
}
