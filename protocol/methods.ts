// Every JSON-RPC method and notification of the flame protocol, declared once, typed. Each
// namespace exports `method`, `type` and its params/result types; protocol/README.md documents
// each one (a test fails when an entry is missing).
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { BuildDiagnostic, DaemonState, FunctionRow, LineRow, ProfileMeta, SessionSpec } from './types.js';

/** Handshake: the first request on every connection. */
export namespace Initialize {
  export const method = 'initialize';
  export interface Params {
    clientName: string;
    clientVersion: string;
    protocolVersion: number;
  }
  export interface Result {
    daemonVersion: string;
    protocolVersion: number;
    workspaceRoot: string;
    /** cargo's target directory for the workspace (CARGO_TARGET_DIR and config honoured); flame's files are in its flame/. Absent from older daemons. */
    targetDir?: string;
    pid: number;
    /** Methods this daemon answers; clients check before using newer ones. */
    capabilities: { methods: string[] };
  }
  export const type = new RequestType<Params, Result, void>(method);
}

export namespace Status {
  export const method = 'daemon/status';
  export type Params = Record<string, never>;
  export interface Result {
    pid: number;
    version: string;
    protocolVersion: number;
    uptimeMs: number;
    socket: string;
    logFile: string;
    workspaceRoot: string;
    state: DaemonState;
    clients: number;
    sessions: Array<{ id: string; spec: SessionSpec; clients: number; state: DaemonState }>;
    lastProfile?: ProfileMeta;
    idleTimeoutMs: number;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

export namespace Shutdown {
  export const method = 'daemon/shutdown';
  export type Params = Record<string, never>;
  export type Result = { ok: true };
  export const type = new RequestType<Params, Result, void>(method);
}

/** Start a watch session, or join the one with the same spec. */
export namespace WatchStart {
  export const method = 'session/watch';
  export type Params = SessionSpec;
  export interface Result {
    sessionId: string;
    joined: boolean;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** Leave a watch session; it stops when its last client leaves. */
export namespace WatchStop {
  export const method = 'session/stop';
  export interface Params {
    sessionId: string;
  }
  export interface Result {
    stopped: boolean;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** Build, record and store one profile now. */
export namespace ProfileOnce {
  export const method = 'profile/once';
  export type Params = SessionSpec;
  export type Result = ProfileMeta;
  export const type = new RequestType<Params, Result, void>(method);
}

/** Analyse a perf.data that a client recorded itself (`flame record`) and keep it in the history. */
export namespace ProfileImport {
  export const method = 'profile/import';
  export interface Params {
    /** Absolute path of a readable perf.data. */
    perfData: string;
    /** What was recorded, kept with the profile (opaque). */
    target?: unknown;
    options?: unknown;
  }
  export type Result = ProfileMeta;
  export const type = new RequestType<Params, Result, void>(method);
}

/**
 * A client stored a profile in the workspace's history itself (`flame record` writes the store
 * directly, with or without a daemon): take it in and tell every client. Idempotent.
 */
export namespace ProfileAdded {
  export const method = 'profile/added';
  export interface Params {
    /** The id the store gave the profile. */
    id: string;
  }
  export type Result = ProfileMeta;
  export const type = new RequestType<Params, Result, void>(method);
}

export namespace ProfileList {
  export const method = 'profile/list';
  export type Params = Record<string, never>;
  export interface Result {
    profiles: ProfileMeta[];
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** A profile reference: an id, a unique id prefix, 'latest', 'previous' or '-N'. Default 'latest'. */
export type ProfileRef = string;

export namespace Top {
  export const method = 'profile/top';
  export interface Params {
    profile?: ProfileRef;
    limit?: number;
    /** Regular expression on function names. */
    filter?: string;
    /** A thread id or name. */
    thread?: number | string;
    noInline?: boolean;
    sortBy?: 'self' | 'total';
  }
  export interface Result {
    profile: string;
    samples: number;
    unit: string;
    /** Each row's `noise` is its shares' 95% interval. */
    functions: FunctionRow[];
    /** Each run's samples, when the profile is several runs of one build. */
    runs?: number[];
  }
  export const type = new RequestType<Params, Result, void>(method);
}

export namespace Lines {
  export const method = 'profile/lines';
  export interface Params {
    profile?: ProfileRef;
    /** Absolute path or a path suffix such as src/lib.rs. */
    file?: string;
    limit?: number;
    thread?: number | string;
  }
  export interface Result {
    profile: string;
    samples: number;
    unit: string;
    /** Each row's `noise` is its shares' 95% interval. */
    lines: LineRow[];
    /** Each run's samples, when the profile is several runs of one build. */
    runs?: number[];
  }
  export const type = new RequestType<Params, Result, void>(method);
}

export interface TreeNode {
  name: string;
  self: number;
  total: number;
  file?: string;
  line?: number;
  inlined?: boolean;
  children: TreeNode[];
}

/** The call tree, or the subtree at a frame path. */
export namespace Tree {
  export const method = 'profile/tree';
  export interface Params {
    profile?: ProfileRef;
    /** Frame names from the root; empty or absent for the whole tree. */
    path?: string[];
    maxDepth?: number;
    /** Prune nodes below this share (0..1) of the total. */
    minShare?: number;
    thread?: number | string;
  }
  export interface Result {
    profile: string;
    samples: number;
    unit: string;
    root: TreeNode;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

export namespace Callers {
  export const method = 'profile/callers';
  export interface Params {
    profile?: ProfileRef;
    function: string;
    thread?: number | string;
  }
  export interface Result {
    profile: string;
    function: { name: string; self: number; total: number };
    callers: Array<{ name: string; count: number }>;
    callees: Array<{ name: string; count: number }>;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

export interface DiffCounts {
  self: number;
  total: number;
  selfShare: number;
  totalShare: number;
}

export namespace Diff {
  export const method = 'profile/diff';
  export interface Params {
    /** Default: the profile before `current`. */
    base?: ProfileRef;
    /** Default: latest. */
    current?: ProfileRef;
    limit?: number;
    thread?: number | string;
  }
  export interface Result {
    base: { id: string; samples: number };
    current: { id: string; samples: number };
    functions: Array<{ name: string; base: DiffCounts; current: DiffCounts; deltaSelfShare: number; deltaTotalShare: number; significant: boolean }>;
    lines: Array<{ file: string; line: number; base: DiffCounts; current: DiffCounts; deltaSelfShare: number; deltaTotalShare: number; significant: boolean }>;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

export namespace Export {
  export const method = 'profile/export';
  export interface Params {
    profile?: ProfileRef;
    format: 'folded' | 'svg' | 'speedscope' | 'pprof';
    /** SVG options (see `flame svg --help`), for format 'svg'. */
    svg?: Record<string, unknown>;
  }
  export interface Result {
    profile: string;
    format: string;
    mediaType: string;
    /** 'utf8' text, or 'base64' for binary formats (pprof). */
    encoding: 'utf8' | 'base64';
    data: string;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** The address of the live web page the daemon serves on 127.0.0.1 (started on first request). */
export namespace WebUrl {
  export const method = 'web/url';
  export type Params = Record<string, never>;
  export interface Result {
    /** http://127.0.0.1:PORT/?token=…; the token is the page's credential, keep it private. */
    url: string;
    port: number;
  }
  export const type = new RequestType<Params, Result, void>(method);
}

// Notifications, daemon → client. Every connected client receives them.

export namespace BuildStarted {
  export const method = 'build/started';
  export interface Params {
    sessionId: string;
    target: string;
  }
  export const type = new NotificationType<Params>(method);
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
  export const type = new NotificationType<Params>(method);
}

export namespace RecordStarted {
  export const method = 'record/started';
  export interface Params {
    sessionId: string;
    executable: string;
  }
  export const type = new NotificationType<Params>(method);
}

export namespace RecordFinished {
  export const method = 'record/finished';
  export interface Params {
    sessionId: string;
    durationMs: number;
    exitCode?: number;
    signal?: string;
  }
  export const type = new NotificationType<Params>(method);
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
  }
  export const type = new NotificationType<Params>(method);
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
  export const type = new NotificationType<Params>(method);
}

export namespace SessionError {
  export const method = 'session/error';
  export interface Params {
    sessionId: string;
    code: number;
    message: string;
  }
  export const type = new NotificationType<Params>(method);
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
  export const type = new NotificationType<Params>(method);
}

/** Every request method, for capabilities and the documentation test. */
export const REQUESTS = [Initialize, Status, Shutdown, WatchStart, WatchStop, ProfileOnce, ProfileImport, ProfileAdded, ProfileList, Top, Lines, Tree, Callers, Diff, Export, WebUrl].map((n) => n.method);
export const NOTIFICATIONS = [BuildStarted, BuildFinished, RecordStarted, RecordFinished, ProfileReady, Progress, SessionError, ProgramOutput].map((n) => n.method);
