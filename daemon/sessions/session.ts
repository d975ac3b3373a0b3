// Watch sessions and one-shot profiles: the daemon's scheduler. One run (build → record →
// analyse → store) at a time; a source change cancels a run whose sources it made stale and
// starts again from the new sources, and a run is kept only when the sources hashed before its
// build are still the sources after it, so a profile never comes from stale code.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { BuildFinished, Diff, ProfileReady, ProgramOutput } from '../../protocol/methods.js';
import { describeSpec, type SessionSpec, type ProfileMeta, type ProfileTarget, type DaemonState, type BuildDiagnostic } from '../../protocol/types.js';
import { analyzePerfData } from '../../engine/profile/analyze.js';
import { ErrorCodes, FlameError, isFlameError } from '../../common/errors.js';
import { cacheDir } from '../../common/fsutil.js';
import { logger } from '../../common/log.js';
import { buildTargetMeta, storeRun } from '../../engine/store/history.js';
import { ProgramOutputBatcher } from './program-output.js';
import { movedRows, readyParams } from './moved.js';
import { canonicalSpec, sessionKey, sessionOf, watchRuns } from './spec.js';
import { recordOnce, type RecordProgress } from '../../engine/record/record.js';
import { sourceState } from '../../engine/sources/source-state.js';
import type { ProfileStore } from '../../engine/store/store.js';

export interface SessionEvents {
  buildStarted(sessionId: string, target: string): void;
  buildFinished(sessionId: string, r: Omit<BuildFinished.Params, 'sessionId'>): void;
  recordStarted(sessionId: string, executable: string): void;
  recordFinished(sessionId: string, r: { durationMs: number; exitCode?: number; signal?: string }): void;
  progress(sessionId: string, p: RecordProgress): void;
  /** A stored profile (sessionId undefined for an imported recording), with what moved since its session's previous one. */
  profileReady(params: ProfileReady.Params): void;
  error(sessionId: string, code: number, message: string): void;
  /** The program's output lines, batched and bounded (program-output.ts). */
  programOutput(sessionId: string, batch: Omit<ProgramOutput.Params, 'sessionId'>): void;
  stateChanged(): void;
}

export interface Workspace {
  root: string;
  targetDir: string;
  memberDirs: string[];
}

interface Session {
  id: string;
  spec: SessionSpec;
  clients: Set<string>;
  /** Sources changed since this session's last run started. */
  stale: boolean;
  watch: boolean;
  /** Resolvers of one-shot requests waiting for this session's next profile. */
  waiters: Array<{ resolve: (m: ProfileMeta) => void; reject: (e: unknown) => void }>;
  /** The session's latest profile as it was announced: what a client joining the session is shown at once. */
  last?: ProfileReady.Params;
}

export interface SessionOptions {
  /** profile/diff of two stored profiles (the daemon's query threads): what moved since a session's previous profile. */
  diff?: (base: string, current: string) => Promise<Diff.Result>;
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private running: { session: Session; abort: AbortController } | undefined;
  private draining = false;
  state: DaemonState = 'idle';
  private readonly log = logger('session');

  constructor(
    private readonly ws: Workspace,
    private readonly store: ProfileStore,
    private readonly events: SessionEvents,
    private readonly opts: SessionOptions = {},
  ) {}

  /** Start watching `spec`, or join the session that already does (and get its latest profile, to show at once). */
  watch(asked: SessionSpec, client: string): { sessionId: string; joined: boolean; latest?: ProfileReady.Params } {
    const spec = canonicalSpec(asked, this.ws.root);
    const id = sessionKey(spec);
    let s = this.sessions.get(id);
    const joined = s !== undefined && s.watch;
    if (!s) {
      s = { id, spec, clients: new Set(), stale: true, watch: true, waiters: [] };
      this.sessions.set(id, s);
    }
    if (!s.watch) {
      s.watch = true;
      s.stale = true;
    }
    s.clients.add(client);
    this.schedule();
    return { sessionId: id, joined, ...(s.last ? { latest: s.last } : {}) };
  }

  /** A client leaves a session; the session stops when no client is left. */
  leave(sessionId: string, client: string): boolean {
    const s = this.sessions.get(sessionId);
    if (!s) return false;
    s.clients.delete(client);
    if (s.clients.size === 0) this.drop(s);
    return true;
  }

  /** A client disconnected: leave all its sessions. */
  clientGone(client: string): void {
    for (const s of [...this.sessions.values()]) {
      if (s.clients.delete(client) && s.clients.size === 0) this.drop(s);
    }
  }

  private drop(s: Session): void {
    s.watch = false;
    if (s.waiters.length > 0) return; // a one-shot still waits for it
    this.sessions.delete(s.id);
    if (this.running?.session === s) this.running.abort.abort();
  }

  /** Build, record and store one profile of `spec` (joining a session's run when one matches). */
  once(asked: SessionSpec): Promise<ProfileMeta> {
    const spec = canonicalSpec(asked, this.ws.root);
    const id = sessionKey(spec);
    let s = this.sessions.get(id);
    if (!s) {
      s = { id, spec, clients: new Set(), stale: true, watch: false, waiters: [] };
      this.sessions.set(id, s);
    }
    s.stale = true;
    const p = new Promise<ProfileMeta>((resolve, reject) => s!.waiters.push({ resolve, reject }));
    this.schedule();
    return p;
  }

  /** Analyse a perf.data recorded by a client and store it as the latest profile; `signal` ends the work (the client left). */
  async importRecording(perfData: string, extra: { target?: ProfileTarget; options?: unknown }, signal?: AbortSignal): Promise<ProfileMeta> {
    const { profile } = await analyzePerfData(perfData, { cacheDir: cacheDir('symbols'), signal });
    if (signal?.aborted) throw new FlameError(ErrorCodes.Cancelled, 'the client that asked for the import left');
    const meta = await storeRun(this.store, { profile, target: extra.target, options: extra.options, source: await this.sourceState() });
    this.events.profileReady(readyParams(undefined, meta));
    return meta;
  }

  /** Sources changed: every session is stale; a run in progress is now building old code. */
  sourcesChanged(paths: string[]): void {
    this.log.info({ paths: paths.slice(0, 10), count: paths.length }, 'sources changed');
    let any = false;
    for (const s of this.sessions.values()) {
      if (s.watch || s.waiters.length > 0) {
        s.stale = true;
        any = true;
      }
    }
    if (any && this.running) {
      this.log.info({ session: this.running.session.id }, 'cancelling a run of stale sources');
      this.running.abort.abort();
    }
    this.schedule();
  }

  list(): Array<{ id: string; spec: SessionSpec; clients: number; state: DaemonState }> {
    return [...this.sessions.values()].map((s) => ({
      id: s.id,
      spec: s.spec,
      clients: s.clients.size,
      state: this.running?.session === s ? this.state : 'idle',
    }));
  }

  /** Watching anything: keeps the daemon from its idle exit. */
  get active(): boolean {
    return this.running !== undefined || [...this.sessions.values()].some((s) => s.watch || s.waiters.length > 0);
  }

  async close(): Promise<void> {
    this.draining = true;
    this.running?.abort.abort();
    for (const s of this.sessions.values()) for (const w of s.waiters) w.reject(new FlameError(ErrorCodes.Cancelled, 'the daemon is shutting down'));
    this.sessions.clear();
  }

  private schedule(): void {
    if (this.running || this.draining) return;
    const next = [...this.sessions.values()].find((s) => s.stale && (s.watch || s.waiters.length > 0));
    if (!next) {
      this.setState('idle');
      return;
    }
    next.stale = false;
    const abort = new AbortController();
    this.running = { session: next, abort };
    void this.run(next, abort.signal).finally(() => {
      this.running = undefined;
      // Only if it is still this session: a dropped one may have been replaced under the same id.
      if (this.sessions.get(next.id) === next && !next.watch && next.waiters.length === 0 && next.clients.size === 0) this.sessions.delete(next.id);
      this.schedule();
    });
  }

  private setState(state: DaemonState): void {
    if (this.state !== state) {
      this.state = state;
      this.events.stateChanged();
    }
  }

  private sourceState(): ReturnType<typeof sourceState> {
    return sourceState(this.ws.root, this.ws.memberDirs, this.ws.targetDir);
  }

  /** The session's previous profile, if the history still has it. */
  private previousProfile(s: Session): ProfileMeta | undefined {
    const list = this.store.list();
    return (s.last && list.find((m) => m.id === s.last!.id)) || list.filter((m) => sessionOf(m) === s.id).at(-1);
  }

  /** The record options of a session's next run: a watch session that did not ask for a number of runs gets watchRuns'. */
  private recordSpec(s: Session): SessionSpec['record'] {
    if (!s.watch || s.spec.record?.runs !== undefined) return s.spec.record;
    return { ...s.spec.record, runs: watchRuns(this.previousProfile(s)) };
  }

  /** What moved from `base` to `current`; nothing when the diff fails (the base pruned meanwhile), which the log says. */
  private async moved(s: Session, base: string, current: string): Promise<{ since: string; rows: ReturnType<typeof movedRows> } | undefined> {
    if (!this.opts.diff) return undefined;
    try {
      return { since: base, rows: movedRows(await this.opts.diff(base, current)) };
    } catch (err) {
      this.log.warn({ err, session: s.id, base, current }, 'could not diff the new profile against the previous one');
      return undefined;
    }
  }

  private async run(s: Session, signal: AbortSignal): Promise<void> {
    const output = new ProgramOutputBatcher({ send: (batch) => this.events.programOutput(s.id, batch) });
    try {
      this.setState('building');
      const source = await this.sourceState();
      const targetName = describeTarget(s.spec);
      this.events.buildStarted(s.id, targetName);
      const result = await recordOnce(
        {
          target: { ...s.spec.target, cwd: s.spec.target?.cwd ?? this.ws.root },
          record: this.recordSpec(s),
          programArgs: s.spec.programArgs,
          perfDataOut: path.join(this.ws.targetDir, 'flame', `perf-${s.id}.data`),
          cwd: this.ws.root,
        },
        {
          signal,
          detached: { programOutput: output.line },
          onProgress: (p) => {
            if (p.stage === 'script' || p.stage === 'symbolize' || p.stage === 'model') this.setState('symbolizing');
            this.events.progress(s.id, p);
          },
          onBuildFinished: (r) => {
            const err = r.error as FlameError | undefined;
            // A cancelled build is superseded by the next one, not a failure to report.
            if (signal.aborted || (err instanceof FlameError && err.code === ErrorCodes.Cancelled)) return;
            const diags = (err?.data as { diagnostics?: BuildDiagnostic[] } | undefined)?.diagnostics ?? [];
            this.events.buildFinished(s.id, {
              ok: r.ok,
              durationMs: Math.round(r.durationMs),
              errors: diags
                .filter((d) => d.level === 'error')
                .map((d) => ({ level: d.level, message: d.message, rendered: d.rendered, file: d.file, line: d.line, column: d.column })),
              message: r.ok ? undefined : (err?.message ?? String(r.error)),
            });
          },
          onRecordStarted: (cmd) => {
            this.setState('recording');
            this.events.recordStarted(s.id, cmd[0] ?? '');
          },
          onRecordFinished: (r) => {
            // Several runs' output goes out as one stream, ended by the last run (a failed run is
            // the last unless the spec ignores the status).
            const failed = r.signal !== undefined || (r.exitCode ?? 0) !== 0;
            const more = r.run !== undefined && r.run.index < r.run.of && (!failed || s.spec.record?.ignoreStatus === true);
            if (!more) {
              const end = output.end({ exitCode: r.exitCode, signal: r.signal });
              // The log gets the program's last lines only when they may explain a failure.
              if (end.failed) this.log.warn({ session: s.id, ...end, tail: output.tail() }, 'the program failed');
            }
            this.events.recordFinished(s.id, { durationMs: Math.round(r.durationMs), exitCode: r.exitCode, signal: r.signal });
          },
        },
      );
      if (signal.aborted) throw new FlameError(ErrorCodes.Cancelled, 'superseded by a newer change');
      // The hash before the build is the binary's sources only if nothing changed until cargo
      // had read them all; unchanged until now also means no newer sources supersede the profile.
      // A save the watcher has not reported yet (its debounce) would otherwise slip through.
      const after = await this.sourceState();
      if (after.hash !== source.hash) {
        this.log.info({ session: s.id }, 'the sources changed during the run; dropping its profile');
        s.stale = true;
        await rm(result.perfData, { force: true }).catch(() => {});
        throw new FlameError(ErrorCodes.Cancelled, 'the sources changed during the run');
      }
      this.setState('storing');
      const base = this.previousProfile(s)?.id;
      const meta = await storeRun(this.store, {
        profile: result.profile,
        target: result.build ? buildTargetMeta(result.build) : s.spec.target && { kind: 'requested', name: describeSpec(s.spec.target), spec: s.spec.target },
        // `session` finds a session's previous profile in the history, after a restart too.
        options: { record: s.spec.record ?? {}, programArgs: s.spec.programArgs ?? [], session: s.id },
        source,
        durationMs: result.durationMs,
        program: result.program,
      });
      s.last = readyParams(s.id, meta, base === undefined ? undefined : await this.moved(s, base, meta.id));
      this.events.profileReady(s.last);
      // The stored profile is what every client reads; a watch session's recording (hundreds of
      // MB per run at the defaults) is never read again, so it does not stay on disk.
      await rm(result.perfData, { force: true }).catch(() => {});
      for (const w of s.waiters.splice(0)) w.resolve(meta);
    } catch (err) {
      const cancelled = isFlameError(err, ErrorCodes.Cancelled);
      if (cancelled || signal.aborted) {
        this.log.info({ session: s.id }, 'run cancelled');
        return; // the session is stale again and runs anew
      }
      const code = err instanceof FlameError ? err.code : ErrorCodes.Internal;
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof FlameError)) this.log.error({ err, session: s.id }, 'run failed');
      this.events.error(s.id, code, message);
      for (const w of s.waiters.splice(0)) w.reject(err);
    } finally {
      output.close();
    }
  }
}

function describeTarget(spec: SessionSpec): string {
  const t = spec.target ?? {};
  const kinds: Array<[keyof typeof t, string]> = [
    ['bin', 'bin'],
    ['example', 'example'],
    ['test', 'test'],
    ['bench', 'bench'],
    ['unitTest', 'unit-test'],
    ['unitBench', 'unit-bench'],
  ];
  for (const [k, label] of kinds) if (t[k] !== undefined) return `${label} ${t[k] === true ? '' : String(t[k])}`.trim();
  return t.package ? `package ${t.package}` : 'default target';
}
