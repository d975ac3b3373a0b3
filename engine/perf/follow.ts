// Analysis while the program runs: `perf record` writes pipe-format data to its file, and this
// feeds that file, as it grows, to `perf script -i -`, so that when the program ends only the
// last moments are left to unwind. The recorder never waits for the analysis: it writes to the
// file at disk speed, and only this reader falls behind when perf script is slow.
import { open } from 'node:fs/promises';
import { FlameError, ErrorCodes } from '../../common/errors.js';
import { lineSplitter } from '../../common/lines.js';
import { endsMidEvent, lastLines, SCRIPT_ARGS } from './run.js';
import { adopt, loadExeca } from '../../common/spawn.js';

export interface PerfFollower {
  /** The recorder has exited: read what is left, then let perf script finish. */
  recordingDone(): void;
  /** Settles when perf script has printed its last line (rejects if it failed). */
  readonly done: Promise<void>;
}

/** How long to wait before looking again when the reader has caught up with the recorder. */
const POLL_MS = 10;
const CHUNK = 1 << 20;

/** Follow `file` (which must exist; `perf record -o -` writes it) through perf script, a line at a time. */
export function followPerfData(file: string, onLine: (line: string) => void, opts: { signal?: AbortSignal } = {}): PerfFollower {
  let recorderDone = false;
  let wake: (() => void) | undefined;
  const done = (async () => {
    // perf script starts once execa is loaded (perfRecord loads it first, so no later than that).
    const execa = await loadExeca();
    const child = execa('perf', [...SCRIPT_ARGS, '-i', '-'], {
      reject: false,
      buffer: { stdout: false, stderr: true },
      stdin: 'pipe',
      cancelSignal: opts.signal,
      maxBuffer: { stderr: 1 << 20 },
      // Its own process group: a Ctrl-C meant for the program and perf record must not end it.
      detached: true,
      cleanup: true,
    });
    adopt(child);
    const split = lineSplitter(onLine);
    child.stdout!.on('data', split.push);
    // perf script may exit early (bad data): its stdin then errors, which the exit code reports.
    child.stdin!.on('error', () => {});

    const feed = async (): Promise<void> => {
      const fh = await open(file, 'r');
      try {
        const buf = Buffer.alloc(CHUNK);
        let pos = 0;
        for (;;) {
          const finished = recorderDone; // read before reading, so no bytes written after it are missed
          const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
          if (bytesRead > 0) {
            pos += bytesRead;
            if (child.stdin!.destroyed) return;
            const stdin = child.stdin!;
            if (!stdin.write(Buffer.from(buf.subarray(0, bytesRead)))) {
              await new Promise<void>((resolve) => {
                const go = (): void => {
                  stdin.off('drain', go);
                  stdin.off('close', go);
                  resolve();
                };
                stdin.on('drain', go);
                stdin.on('close', go);
              });
            }
          } else if (finished) {
            return;
          } else {
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, POLL_MS);
            });
            wake = undefined;
          }
        }
      } finally {
        await fh.close();
        child.stdin!.end();
      }
    };

    const fed = feed().catch((err: unknown) => {
      child.kill();
      throw err;
    });
    fed.catch(() => {}); // looked at below, once perf script has exited
    const r = await child;
    await fed;
    split.end();
    if (r.isCanceled) throw new FlameError(ErrorCodes.Cancelled, 'analysis cancelled');
    // The caller then reads the finished file, which says what is wrong with it.
    if (r.signal || r.exitCode !== 0 || endsMidEvent(String(r.stderr ?? ''))) {
      const msg = lastLines(String(r.stderr ?? '').trim());
      throw new FlameError(
        ErrorCodes.PerfFailed,
        `perf script following the recording failed (${r.signal ?? `exit code ${r.exitCode}`})${msg ? `: ${msg}` : ''}`,
      );
    }
  })();
  // The caller may never look (the recording failed first); its error is reported through the
  // recording then.
  done.catch(() => {});
  return {
    recordingDone() {
      recorderDone = true;
      wake?.();
    },
    done,
  };
}
