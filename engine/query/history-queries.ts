// The read-only protocol methods over a workspace's history, as plain functions of a store: the
// daemon registers them as JSON-RPC handlers, and the CLI calls the same ones in-process when no
// daemon runs, so `flame profiles`, `flame diff`, `flame export` and `flame top` answer alike.
import path from 'node:path';
import type { RequestType } from '../../protocol/declare.js';
import * as P from '../../protocol/methods.js';
import type { ProfileMeta, StackView } from '../../protocol/types.js';
import { checkView, viewOf } from './view.js';
import { diffProfiles } from './diff.js';
import { ErrorCodes, FlameError } from '../../common/errors.js';
import { exportProfile } from '../export/export.js';
import { compileFilter } from './filter.js';
import type { ProfileData } from '../profile/profile.js';
import { hotLines, topFunctions } from './query.js';
import { runsOf, withFunctionNoise, withLineNoise } from './noise.js';
import { callersCallees, callTree, subtree } from './tree.js';
import type { ProfileStore } from '../store/store.js';
import { PushQueue, pushStatuses, queueBesideHistory } from '../push/queue.js';

/** What a differential graph's colours say, under its title. */
const DIFF_SUBTITLE = 'widths: the second profile; red grew, blue shrank (share of the total), grey within noise';
import type { OriginContext } from '../profile/origin.js';

/** A method's handler: validated params in, its result out; FlameErrors for the caller's mistakes. */
export type Handler = (params: Record<string, unknown>) => Promise<unknown>;

/** The history's read-only methods, keyed by method name; `workspace` tells the frames' origins. */
export function historyQueries(store: ProfileStore, workspace: OriginContext = {}): Map<string, Handler> {
  /**
   * Every lookup first takes in what other processes (`flame record`) added; the profile comes as
   * the params' StackView sees it (focus, ignore, hide, plumbing, threads), its regexes checked first.
   */
  const load = async (ref: string | undefined, view: StackView): Promise<{ meta: ProfileMeta; data: ProfileData }> => {
    checkView(view);
    const meta = await store.resolveFresh(ref ?? 'latest');
    return { meta, data: viewOf(await store.get(meta.id), view) };
  };
  const h = new Map<string, Handler>();
  // Each handler checks its params with the declaration's rules first, whoever calls it (the
  // daemon's query threads, or the CLI in-process with no daemon).
  const on = <Params, Result>(type: RequestType<Params, Result>, fn: (p: Params) => Promise<Result>) =>
    h.set(type.method, (params) => {
      type.check(params);
      return fn(params as Params);
    });

  on(P.ProfileList.type, async () => {
    await store.refresh();
    const push = await pushStatuses(new PushQueue(queueBesideHistory(store.dir)));
    return Object.keys(push).length > 0 ? { profiles: store.list(), push } : { profiles: store.list() };
  });
  on(P.Top.type, async (p) => {
    // Compiled once, before the profile is read: a pattern the linear-time engine refuses costs nothing.
    const filter = p.filter ? compileFilter(p.filter) : undefined;
    const { meta, data } = await load(p.profile, p);
    const opts = { limit: p.limit ?? 50, filter, thread: p.thread, noInline: p.noInline, sortBy: p.sortBy ?? 'self', workspace };
    return {
      profile: meta.id,
      samples: data.totalSamples,
      unit: data.unit,
      functions: withFunctionNoise(data, topFunctions(data, opts), opts),
      ...runsOf(data),
    };
  });
  on(P.Lines.type, async (p) => {
    const { meta, data } = await load(p.profile, p);
    const opts = { file: p.file, limit: p.limit ?? 100, thread: p.thread };
    return { profile: meta.id, samples: data.totalSamples, unit: data.unit, lines: withLineNoise(data, hotLines(data, opts), opts), ...runsOf(data) };
  });
  on(P.Tree.type, async (p) => {
    const { meta, data } = await load(p.profile, p);
    const opts = { maxDepth: p.maxDepth, minShare: p.minShare, thread: p.thread, workspace };
    const root = p.path && p.path.length > 0 ? subtree(data, p.path, opts) : callTree(data, opts);
    return { profile: meta.id, samples: data.totalSamples, unit: data.unit, root };
  });
  on(P.Callers.type, async (p) => {
    const { meta, data } = await load(p.profile, p);
    return { profile: meta.id, ...callersCallees(data, p.function, { thread: p.thread }) };
  });
  on(P.Diff.type, async (p) => {
    const current = await load(p.current, p);
    const baseMeta = p.base !== undefined ? store.resolve(p.base) : store.previous(current.meta.id);
    if (!baseMeta)
      throw new FlameError(
        ErrorCodes.ProfileNotFound,
        `profile ${current.meta.id} is the oldest; there is nothing to diff it against (record another, or pass a base)`,
      );
    const base = viewOf(await store.get(baseMeta.id), p);
    const d = diffProfiles(base, current.data, { limit: p.limit ?? 50, thread: p.thread });
    return {
      ...d,
      base: { id: baseMeta.id, samples: base.totalSamples },
      current: { id: current.meta.id, samples: current.data.totalSamples },
    } as P.Diff.Result;
  });
  on(P.Export.type, async (p) => {
    const { meta, data } = await load(p.profile, p);
    if (p.base === undefined) return { profile: meta.id, ...(await exportProfile(data, p.format, { title: `flame ${meta.id}`, svg: p.svg, workspace })) };
    const base = await load(p.base, p);
    const svg = { title: `${base.meta.id} → ${meta.id}`, subtitle: DIFF_SUBTITLE, ...p.svg };
    return { profile: meta.id, base: base.meta.id, ...(await exportProfile(data, p.format, { title: `flame ${meta.id}`, svg, base: base.data, workspace })) };
  });
  return h;
}

/** Take in a profile another process stored, and return its meta (the store announces what it takes in: onTakenIn). */
export async function takeIn(store: ProfileStore, id: string): Promise<ProfileMeta> {
  await store.refresh();
  const meta = store.list().find((m) => m.id === id);
  if (!meta)
    throw new FlameError(
      ErrorCodes.ProfileNotFound,
      `no profile '${id}' in ${path.relative(process.cwd(), store.dir) || store.dir}; \`flame profiles\` lists them`,
    );
  return meta;
}
