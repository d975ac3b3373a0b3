// Every JSON-RPC method of the flame protocol (and, re-exported, its notifications from
// notifications.ts), declared once, typed: each namespace exports `method`, `type` (the
// declaration: params and result types, the read-only flag, the params check) and its
// params/result types. Clients call through `type`, the daemon checks params with it;
// protocol/README.md documents each one (a test fails when one is missing).
import { request, type RequestType } from './declare.js';
import { ErrorCodes, FlameError } from './errors.js';
import type {
  DaemonState,
  ExportFormat,
  FrameOrigin,
  StackView,
  FunctionRow,
  LineRow,
  ProfileMeta,
  PushStatus,
  RowChange,
  SessionSpec,
  SvgOptions,
  TargetSpec,
  RecordSpec,
} from './types.js';
import type { ProfileReady } from './notifications.js';
import {
  check,
  checkCapabilities,
  checkExport,
  checkFields,
  checkFramePath,
  checkQuery,
  checkSpec,
  ParamsError,
  RECORD_RULES,
  TARGET_RULES,
} from './validate.js';

/** Params that must be an object with nothing in particular in it. */
const noParams = (p: unknown) => check(p, {});

/** Handshake: the first request on every connection. */
export namespace Initialize {
  export const method = 'initialize';
  export interface Params {
    clientName: string;
    clientVersion: string;
    /** PROTOCOL_VERSION: bumped only for a change no capability can describe; additions are capabilities. */
    protocolVersion: number;
    /**
     * Capabilities (method or notification names) the client needs, and those it would use if
     * present (watchman's `version` command): a missing required one is -32910 naming it.
     */
    capabilities?: { required?: string[]; optional?: string[] };
  }
  export interface Result {
    daemonVersion: string;
    protocolVersion: number;
    workspaceRoot: string;
    /** cargo's target directory for the workspace (CARGO_TARGET_DIR and config honoured); flame's files are in its flame/. Absent from older daemons. */
    targetDir?: string;
    pid: number;
    capabilities: {
      /** The request methods this daemon has handlers for (what it registered, not what it declares). */
      methods: string[];
      /** The notifications it sends. Absent from older daemons. */
      notifications?: string[];
      /** Each capability the client named, required or optional: whether this daemon has it. Absent from older daemons. */
      asked?: Record<string, boolean>;
    };
  }
  export const type = request<Params, Result>(method, {
    readOnly: true,
    check: (p) => {
      check(p, { clientName: 'string', clientVersion: 'string', protocolVersion: 'number' });
      checkCapabilities((p as Params).capabilities);
    },
  });
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
  export const type = request<Params, Result>(method, { readOnly: true, check: noParams });
}

export namespace Shutdown {
  export const method = 'daemon/shutdown';
  export type Params = Record<string, never>;
  export type Result = { ok: true };
  export const type = request<Params, Result>(method, { readOnly: false, check: noParams });
}

/** Start a watch session, or join the one with the same spec. */
export namespace WatchStart {
  export const method = 'session/watch';
  export type Params = SessionSpec;
  export interface Result {
    sessionId: string;
    joined: boolean;
    /** The session's latest profile, as its `profile/ready` announced it, when it has one: a client joining a running session shows it at once. */
    latest?: ProfileReady.Params;
  }
  export const type = request<Params, Result>(method, { readOnly: false, check: checkSpec });
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
  export const type = request<Params, Result>(method, { readOnly: false, check: (p) => check(p, { sessionId: 'string' }) });
}

/** Build, record and store one profile now. */
export namespace ProfileOnce {
  export const method = 'profile/once';
  export type Params = SessionSpec;
  export type Result = ProfileMeta;
  export const type = request<Params, Result>(method, { readOnly: false, check: checkSpec });
}

/** Analyse a perf.data that a client recorded itself (`flame record`) and keep it in the history. */
export namespace ProfileImport {
  export const method = 'profile/import';
  export interface Params {
    /** Absolute path of a readable perf.data. */
    perfData: string;
    /** The cargo target that was recorded, kept with the profile (as `kind: 'requested'`). */
    target?: TargetSpec;
    /** The record options it was recorded with. */
    options?: RecordSpec;
  }
  export type Result = ProfileMeta;
  export const type = request<Params, Result>(method, {
    readOnly: false,
    check: (p) => {
      check(p, { perfData: 'string' });
      const o = p as Params;
      // flame runs on Linux only: an absolute path starts with '/' (no node:path in the protocol).
      if (!o.perfData.startsWith('/')) throw new ParamsError('perfData', 'an absolute path', o.perfData);
      checkFields(o.target, TARGET_RULES, 'target.');
      checkFields(o.options, RECORD_RULES, 'options.');
    },
  });
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
  export const type = request<Params, Result>(method, { readOnly: false, check: (p) => check(p, { id: 'string' }) });
}

export namespace ProfileList {
  export const method = 'profile/list';
  export type Params = Record<string, never>;
  export interface Result {
    profiles: ProfileMeta[];
    /** Pushes to Grafana Pyroscope, by profile id: only profiles that were pushed or queued (absent from older daemons). */
    push?: Record<string, PushStatus[]>;
  }
  export const type = request<Params, Result>(method, { readOnly: true, check: noParams });
}

/** A profile reference: an id, a unique id prefix, 'latest', 'previous' or '-N'. Default 'latest'. */
export type ProfileRef = string;

export namespace Top {
  export const method = 'profile/top';
  export interface Params extends StackView {
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
  export const type = request<Params, Result>(method, {
    readOnly: true,
    check: (p) => {
      checkQuery(p, { profile: 'string?', limit: 'number?', filter: 'string?', noInline: 'boolean?', sortBy: 'string?' });
      const sortBy = (p as Params).sortBy;
      if (sortBy !== undefined && sortBy !== 'self' && sortBy !== 'total') throw new ParamsError('sortBy', "'self' or 'total'", sortBy);
    },
  });
}

export namespace Lines {
  export const method = 'profile/lines';
  export interface Params extends StackView {
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
  export const type = request<Params, Result>(method, {
    readOnly: true,
    check: (p) => checkQuery(p, { profile: 'string?', file: 'string?', limit: 'number?' }),
  });
}

export interface TreeNode {
  name: string;
  self: number;
  total: number;
  file?: string;
  line?: number;
  inlined?: boolean;
  /** Where the frame's code comes from (absent on the root). */
  origin?: FrameOrigin;
  children: TreeNode[];
}

/** The call tree, or the subtree at a frame path. */
export namespace Tree {
  export const method = 'profile/tree';
  export interface Params extends StackView {
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
  export const type = request<Params, Result>(method, {
    readOnly: true,
    check: (p) => {
      checkQuery(p, { profile: 'string?', maxDepth: 'number?', minShare: 'number?' });
      checkFramePath((p as Params).path);
    },
  });
}

export namespace Callers {
  export const method = 'profile/callers';
  export interface Params extends StackView {
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
  export const type = request<Params, Result>(method, { readOnly: true, check: (p) => checkQuery(p, { profile: 'string?', function: 'string' }) });
}

export interface DiffCounts {
  self: number;
  total: number;
  selfShare: number;
  totalShare: number;
}

/** A diff row's numbers: the shares on each side, their changes, and which changes are real. */
export interface DiffRow {
  base: DiffCounts;
  current: DiffCounts;
  deltaSelfShare: number;
  deltaTotalShare: number;
  /** `change.self.significant || change.total.significant`. */
  significant: boolean;
  change: RowChange;
}

export namespace Diff {
  export const method = 'profile/diff';
  export interface Params extends StackView {
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
    functions: Array<{ name: string } & DiffRow>;
    lines: Array<{ file: string; line: number } & DiffRow>;
  }
  export const type = request<Params, Result>(method, {
    readOnly: true,
    check: (p) => checkQuery(p, { base: 'string?', current: 'string?', limit: 'number?' }),
  });
}

export namespace Export {
  export const method = 'profile/export';
  export interface Params extends StackView {
    profile?: ProfileRef;
    format: ExportFormat;
    /** SVG options (see `flame svg --help`), for format 'svg'. */
    svg?: SvgOptions;
    /** For format 'svg': draw the differential flame graph from this profile to `profile`. */
    base?: ProfileRef;
  }
  export interface Result {
    profile: string;
    /** The base's id, when `base` was given. */
    base?: string;
    format: ExportFormat;
    mediaType: string;
    /** 'utf8' text, or 'base64' for binary formats (pprof). */
    encoding: 'utf8' | 'base64';
    data: string;
  }
  export const type = request<Params, Result>(method, { readOnly: true, check: checkExport });
}

/** The address of the live web page the daemon serves on 127.0.0.1 (started on first request). */
export namespace WebUrl {
  export const method = 'web/url';
  export type Params = Record<string, never>;
  export interface Result {
    /** http://127.0.0.1:PORT/ID/?token=…; the token is the page's credential, keep it private. */
    url: string;
    /**
     * http://127.0.0.1:PORT/ID/t/TOKEN/: the same page for a browser behind a proxy (code-server,
     * VS Code Remote, Codespaces; VS Code's asExternalUri), answered whatever the Host.
     */
    forwardUrl: string;
    port: number;
  }
  export const type = request<Params, Result>(method, { readOnly: false, check: noParams });
}

export * from './notifications.js';

/** Every request's declaration: the daemon registers a handler for each (a test holds it to that). */
export const REQUEST_TYPES: ReadonlyArray<RequestType<unknown, unknown>> = [
  Initialize,
  Status,
  Shutdown,
  WatchStart,
  WatchStop,
  ProfileOnce,
  ProfileImport,
  ProfileAdded,
  ProfileList,
  Top,
  Lines,
  Tree,
  Callers,
  Diff,
  Export,
  WebUrl,
].map((n) => n.type);
export const REQUESTS = REQUEST_TYPES.map((t) => t.method);
/** What the web page may call: the read-only methods, derived from their declarations. */
export const WEB_METHODS: ReadonlySet<string> = new Set(REQUEST_TYPES.filter((t) => t.readOnly).map((t) => t.method));

/** The declaration of a method by name, for generic callers (`flame query`). */
export function requestType(method: string): RequestType<unknown, unknown> | undefined {
  return REQUEST_TYPES.find((t) => t.method === method);
}

/** The missing-capability refusal, worded the same by the daemon (at handshake) and a client (before a call). */
export function missingCapability(missing: string[], who: { daemonVersion: string; clientName: string; clientVersion: string }): FlameError {
  return new FlameError(
    ErrorCodes.VersionMismatch,
    `the workspace's flame daemon (flame ${who.daemonVersion}) lacks ${missing.join(', ')}, which ${who.clientName} (flame ${who.clientVersion}) needs: stop it with \`flame daemon stop\` and the next command starts this flame's daemon`,
    { data: { missing, daemonVersion: who.daemonVersion } },
  );
}
