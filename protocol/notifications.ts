// The flame protocol's notifications, daemon → client, declared once, typed: every connected
// client receives them. Re-exported by methods.ts, where clients find every declaration.
import { notification } from './declare.js';
import type { BuildDiagnostic, FunctionRow, MovedRow, ProfileMeta } from './types.js';

export namespace BuildStarted {
  export const method = 'build/started';
  export interface Params {
    sessionId: string;
    target: string;
  }
  export const type = notification<Params>(method);
}

export namespace BuildFinished {
  export const method = 'build/finished';
  export interface Params {
    sessionId: string;
    ok: boolean;
    durationMs: number;
    /** The compiler's errors when the build failed (warnings are left out). */
    errors: BuildDiagnostic[];
    message?: string;
  }
  export const type = notification<Params>(method);
}

export namespace RecordStarted {
  export const method = 'record/started';
  export interface Params {
    sessionId: string;
    executable: string;
  }
  export const type = notification<Params>(method);
}

export namespace RecordFinished {
  export const method = 'record/finished';
  export interface Params {
    sessionId: string;
    durationMs: number;
    exitCode?: number;
    signal?: string;
  }
  export const type = notification<Params>(method);
}

export namespace ProfileReady {
  export const method = 'profile/ready';
  export interface Params {
    sessionId?: string;
    id: string;
    samples: number;
    unit: string;
    top: FunctionRow[];
    meta: ProfileMeta;
    /**
     * A session's profile after an earlier one of the same session: what moved since that one
     * (`movedSince`), by `profile/diff`'s rule; at most MOVED_LIMIT functions, the largest
     * changes of the self share first, significant or not.
     */
    moved?: MovedRow[];
    movedSince?: string;
  }
  /** How many functions `moved` lists at most. */
  export const MOVED_LIMIT = 50;
  export const type = notification<Params>(method);
}

export namespace Progress {
  export const method = 'progress';
  export interface Params {
    sessionId?: string;
    stage: 'build' | 'record' | 'script' | 'symbolize' | 'model' | 'store';
    message: string;
    done?: number;
    total?: number;
  }
  export const type = notification<Params>(method);
}

export namespace SessionError {
  export const method = 'session/error';
  export interface Params {
    sessionId: string;
    code: number;
    message: string;
  }
  export const type = notification<Params>(method);
}

/**
 * The watched program's output (stdout and stderr, merged: perf hands both over one pipe), in
 * batches: at most one per ~100 ms and 200 lines each, the newest kept when it prints faster,
 * so a flood reaches no client whole. `dropped` counts lines left out since the previous batch;
 * the batch that follows the program's end carries `end`.
 */
export namespace ProgramOutput {
  export const method = 'program/output';
  export interface Params {
    sessionId: string;
    lines: string[];
    dropped: number;
    end?: End;
  }
  /** How the program of a run ended; `panic` is its panic message (`thread 'main' panicked at …`). */
  export interface End {
    exitCode?: number;
    signal?: string;
    failed: boolean;
    panic?: string;
  }
  export const type = notification<Params>(method);
}

/** Every notification, for capabilities and the documentation test. */
export const NOTIFICATIONS = [BuildStarted, BuildFinished, RecordStarted, RecordFinished, ProfileReady, Progress, SessionError, ProgramOutput].map(
  (n) => n.type.method,
);

/** A notification as a client receives it: switch on `method` and `params` has its declared type. */
export type DaemonNotification =
  | { method: typeof BuildStarted.method; params: BuildStarted.Params }
  | { method: typeof BuildFinished.method; params: BuildFinished.Params }
  | { method: typeof RecordStarted.method; params: RecordStarted.Params }
  | { method: typeof RecordFinished.method; params: RecordFinished.Params }
  | { method: typeof ProfileReady.method; params: ProfileReady.Params }
  | { method: typeof Progress.method; params: Progress.Params }
  | { method: typeof SessionError.method; params: SessionError.Params }
  | { method: typeof ProgramOutput.method; params: ProgramOutput.Params };
