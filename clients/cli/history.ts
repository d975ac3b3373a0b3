// `flame record` and `flame exec` keep what they made: the profile goes into the workspace's
// history with the same atomic commit the daemon uses, whether or not a daemon runs, and a
// running daemon is told, so the editor, the web page, `flame diff` and `flame export` see it.
import path from 'node:path';
import type { ProfileMeta, ProfileTarget, SourceState } from '../../protocol/types.js';
import { readMetadata, workspaceOf, type CargoMetadata, type WorkspaceInfo } from '../../engine/cargo/target.js';
import { buildTargetMeta, openHistory, storeRun } from '../../engine/store/history.js';
import type { ProfileStore } from '../../engine/store/store.js';
import type { RecordRequest, RecordResult } from '../../engine/record/record.js';
import { sourceState } from '../../engine/sources/source-state.js';
import { warn } from './render.js';

/** What the record path learns around the build: the state of the sources it built. */
export class HistoryContext {
  source: SourceState | undefined;
  /** The sources changed while cargo read them: which of them the binary has is unknown. */
  changedDuringBuild = false;
  private ws: WorkspaceInfo | undefined;
  /** The workspace's `cargo metadata`, when the record built a cargo target (the push setting is in it). */
  metadata: CargoMetadata | undefined;

  /** RecordHooks.onWorkspace: hash the sources as the build is about to read them. */
  onWorkspace = async (metadata: CargoMetadata): Promise<void> => {
    this.metadata = metadata;
    this.ws = workspaceOf(metadata);
    this.source = await sourceState(this.ws.root, this.ws.memberDirs, this.ws.targetDir).catch(() => undefined);
  };

  /** RecordHooks.onBuilt: the hash before the build is the binary's only if it is still the hash now. */
  onBuilt = async (): Promise<void> => {
    if (this.ws === undefined || this.source === undefined) return;
    const now = await sourceState(this.ws.root, this.ws.memberDirs, this.ws.targetDir).catch(() => undefined);
    if (now?.hash === this.source.hash) return;
    this.changedDuringBuild = true;
    this.source = undefined;
    warn(
      'the sources changed while cargo built them: the profile is stored without a source state, as which version the binary has is unknown; run `flame record` again for one of known sources',
    );
  };
}

/** How `flame compare` stores a side: in the working tree's history, with the sources it built and what it was. */
export interface StoreAs {
  workspace?: WorkspaceInfo;
  source?: SourceState;
  tool?: string;
  options?: Record<string, unknown>;
}

export interface Saved {
  meta: ProfileMeta;
  /** The daemon that was told, if one runs. */
  daemon: boolean;
}

/**
 * Store the recording's profile in its workspace's history and tell a running daemon. Undefined
 * outside any cargo workspace (`flame exec` of some command), where there is no history to join.
 */
export async function saveToHistory(result: RecordResult, req: RecordRequest, ctx: HistoryContext, opts: StoreAs = {}): Promise<Saved | undefined> {
  const ws = opts.workspace ?? result.workspace;
  if (!ws) return undefined;
  const source =
    opts.source ?? (ctx.changedDuringBuild ? undefined : (ctx.source ?? (await sourceState(ws.root, ws.memberDirs, ws.targetDir).catch(() => undefined))));
  const store = await openHistory(ws.targetDir, { cacheSize: 1 });
  const tool = opts.tool ?? (req.perfData !== undefined ? 'flame record --perf-data' : req.command ? 'flame exec' : 'flame record');
  const target: ProfileTarget = result.build
    ? buildTargetMeta(result.build)
    : req.perfData !== undefined
      ? { kind: 'recording', name: path.basename(result.perfData), perfData: result.perfData }
      : req.command && req.command.length > 0
        ? { kind: 'command', name: path.basename(req.command[0]!), command: [...req.command, ...(req.programArgs ?? [])] }
        : { kind: 'pid', name: `pid ${req.record?.pid}` };
  const meta = await storeRun(store, {
    profile: result.profile,
    target,
    options: { source: tool, record: req.record ?? {}, programArgs: req.programArgs ?? [], perfData: result.perfData, ...opts.options },
    source,
    durationMs: result.durationMs || undefined,
    program: result.program,
  });
  const queued = await queueForPush(store, meta, ws, ctx);
  const daemon = await tellDaemon(ws.root, meta.id);
  if (queued)
    process.stderr.write(
      `flame: queued for ${queued} by the push setting; ${daemon ? 'the daemon pushes it' : 'no daemon runs: `flame push` sends it (or the daemon, when it starts)'}\n`,
    );
  return { meta, daemon };
}

/** Queue the profile when the push setting is on; the server's URL, or undefined. Never fails the record. */
async function queueForPush(store: ProfileStore, meta: ProfileMeta, ws: WorkspaceInfo, ctx: HistoryContext): Promise<string | undefined> {
  try {
    const { queueBySetting } = await import('../../engine/push/pusher.js');
    const md = ctx.metadata ?? (await readMetadata({ cwd: ws.root }));
    return (await queueBySetting(store, md, meta))?.dest.url;
  } catch (err) {
    warn(`the profile was not queued for the push setting: ${(err as Error).message}`);
    return undefined;
  }
}

/** Tell the workspace's daemon, if one runs, that a profile was stored; never starts one. */
async function tellDaemon(root: string, id: string): Promise<boolean> {
  let c;
  try {
    // Loaded here, not at start-up: most runs have no daemon to tell.
    const [{ connect, request }, { ProfileAdded }] = await Promise.all([import('../connect.js'), import('../../protocol/methods.js')]);
    try {
      c = await connect({ workspaceRoot: root, spawn: false, clientName: 'flame-record' });
    } catch {
      return false; // no daemon: it reads the store when it starts
    }
    await request(c, ProfileAdded.type, { id });
    return true;
  } catch (err) {
    // The profile is stored either way; the daemon also notices it by watching the store.
    warn(`the workspace daemon was not told of the new profile: ${(err as Error).message}`);
    return false;
  } finally {
    c?.close();
  }
}
