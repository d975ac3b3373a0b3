// The profile the editor shows: the workspace's latest, its functions and diff fetched once per
// profile, each file's lines fetched on first need, all replaced in one step when a new one is
// ready so that no request sees half of two profiles.
import { ErrorCodes } from '../../protocol/errors.js';
import * as P from '../../protocol/methods.js';
import type { FunctionRow } from '../../protocol/types.js';
import { fileHeat, type FileHeat } from './annotations.js';
import type { DaemonLink } from './daemon-link.js';

const ALL = 1_000_000;

export interface Loaded {
  id: string;
  samples: number;
  functions: FunctionRow[];
  diff: P.Diff.Result | undefined;
  files: Map<string, Promise<FileHeat>>;
}

export class ProfileState {
  private loaded: Loaded | undefined;
  private loading: Promise<Loaded | undefined> | undefined;

  constructor(private readonly link: DaemonLink) {}

  get current(): Loaded | undefined {
    return this.loaded;
  }

  /** Fetch a profile (default: the latest) without showing it yet; undefined when there is none. */
  prepare(id: string = 'latest'): Promise<Loaded | undefined> {
    return this.fetch(id);
  }

  /** Show a prepared profile; a profile older than the one shown is ignored. */
  commit(l: Loaded): boolean {
    if (this.loaded && this.loaded.id > l.id) return false;
    this.loaded = l;
    return true;
  }

  /** Forget the shown profile (the daemon went away or the workspace changed). */
  reset(): void {
    this.loaded = undefined;
  }

  /** The shown profile, loading the latest on first use. */
  async ensure(): Promise<Loaded | undefined> {
    if (this.loaded) return this.loaded;
    this.loading ??= this.fetch('latest').finally(() => (this.loading = undefined));
    const l = await this.loading;
    if (l && !this.loaded) this.loaded = l;
    return this.loaded;
  }

  /** A file's heat in the given profile. */
  heatIn(l: Loaded, file: string): Promise<FileHeat> {
    return heatOf(this.link, l, file);
  }

  /** A file's heat in the loaded profile. */
  async heat(file: string): Promise<FileHeat | undefined> {
    const l = await this.ensure();
    return l && this.heatIn(l, file);
  }

  private async fetch(id: string): Promise<Loaded | undefined> {
    let top: P.Top.Result;
    try {
      top = await this.link.request(P.Top.type, { profile: id, limit: ALL });
    } catch (err) {
      // No profile yet is the normal start: show nothing.
      if ((err as { code?: number }).code === ErrorCodes.ProfileNotFound) return undefined;
      throw err;
    }
    const diff = await this.link.request(P.Diff.type, { current: top.profile, limit: 2000 }).catch(() => undefined);
    return { id: top.profile, samples: top.samples, functions: top.functions, diff, files: new Map() };
  }
}

function heatOf(link: DaemonLink, l: Loaded, file: string): Promise<FileHeat> {
  let p = l.files.get(file);
  if (!p) {
    p = link
      .request(P.Lines.type, { profile: l.id, file, limit: ALL })
      .then((r) => fileHeat({ profile: l.id, samples: l.samples, file, lines: r.lines, functions: l.functions, diff: l.diff }));
    p.catch(() => l.files.delete(file));
    l.files.set(file, p);
  }
  return p;
}
