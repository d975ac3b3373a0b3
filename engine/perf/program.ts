// Signals for the program under `perf record`. perf answers a SIGINT by sending its workload
// SIGTERM, so a server would never run the graceful shutdown its SIGINT handler starts. perf and
// the program therefore run in a session of their own, where no terminal's Ctrl-C reaches perf;
// flame passes the user's interrupt to the program's processes alone, and perf, seeing the
// program end, stops by itself and passes its status on. (A shell between perf and the program
// that absorbed perf's SIGTERM was tried: perf then unwinds the program with the shell's maps and
// loses the outermost frames.) The program keeps the terminal as its stdin: a terminal that is
// not a process's controlling terminal does not stop it for reading.
import { readdirSync, readFileSync } from 'node:fs';

/** The processes of perf's process group other than perf: the program and what it started. */
export function programPids(perfPid: number): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const e of entries) {
    const pid = Number(e);
    if (!Number.isInteger(pid) || pid === perfPid) continue;
    try {
      // Synchronous: this also runs in an 'exit' handler. comm (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === perfPid) pids.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Send `signal` to processes that may be gone already. */
export function signalPids(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone: nothing to stop
    }
  }
}
