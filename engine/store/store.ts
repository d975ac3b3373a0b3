// The daemon's profile history: every finished profile kept as plain files under the workspace's
// target directory, written so that a kill at any moment leaves each listed profile whole.
//
// Layout of the store directory:
//   <id>.profile.gz        the ProfileData in format 3 (format.ts; format 2, one run each, is read too), gzipped (written first)
//   <id>.profile.json.gz   the same in format 1, gzipped JSON, as stores written before format 2
//                          hold it; read, never written
//   <id>.meta.json         { format, data: { bytes, format }, meta } — the commit point (written last)
//   <id>.adding-<pid>      while process <pid> adds <id>: its data may be on disk before its meta
//   quarantine/            meta files that could not be read, with their data, for a person to look at
// A profile is listed exactly when its meta file exists and its data file has the recorded size.
//
// Several processes share one store: the daemon, and `flame record` run with or without it. No
// lock is needed: each add writes only files named by its own id, commits by a rename of its
// meta, and claims its id with link(2), which fails when another writer took the same id; clean-up
// removes only what belongs to no live writer (temp files carry the writer's pid, and data not
// yet listed is announced by an `.adding-<pid>` file); a process sees others' adds by refresh().
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import type { Logger } from 'pino';
import { ErrorCodes, FlameError } from '../../common/errors.js';
import { processAlive, syncDir, TEMP_NAME_RE, writeFileAtomic, writeFileNoReplace } from '../../common/fsutil.js';
import { logger } from '../../common/log.js';
import type { ProfileData } from '../profile/profile.js';
import { decodeProfile, encodeProfile, isBinaryFormat, upgradeFormat1 } from './format.js';

/** What the store knows about one profile without reading it: the wire type, sent as is. */
export type { ProfileMeta } from '../../protocol/types.js';
import { readProfileTarget, type ProfileMeta } from '../../protocol/types.js';

/**
 * What the caller describes. The store assigns the id; samples, unit, event and quality are read
 * off the profile itself (values given here are overridden, so meta and data always agree).
 */
export type NewProfileMeta = Omit<ProfileMeta, 'id' | 'createdAt' | 'samples' | 'unit' | 'event' | 'quality'> &
  Partial<Pick<ProfileMeta, 'createdAt' | 'samples' | 'unit' | 'event' | 'quality'>>;

export interface StoreOptions {
  /** How many profiles to keep (oldest go first); default 50. */
  retention?: number;
  /** How many parsed profiles to keep in memory; default 4. */
  cacheSize?: number;
  log?: Logger;
}

export const DEFAULT_RETENTION = 50;

/** Profile history in one directory, shared by every process of the workspace; adds within one process are serialized. */
export class ProfileStore {
  /** Create `dir` if needed, clean up after any crash, and load the index. */
  static async open(dir: string, opts: StoreOptions = {}): Promise<ProfileStore> {
    const retention = opts.retention ?? DEFAULT_RETENTION;
    if (!Number.isInteger(retention) || retention < 1) {
      throw new FlameError(ErrorCodes.InvalidRequest, `profile retention must be a whole number of at least 1, not ${retention}`);
    }
    const store = new ProfileStore(path.resolve(dir), retention, opts.cacheSize ?? 4, opts.log ?? logger('store'));
    await mkdir(store.dir, { recursive: true, mode: 0o700 });
    await store.load();
    return store;
  }

  readonly dir: string;
  readonly retention: number;
  private readonly cacheSize: number;
  private readonly log: Logger;
  /** Oldest first; ids increase. */
  private metas: ProfileMeta[] = [];
  private readonly byId = new Map<string, ProfileMeta>();
  /** Most recently used last; promises so concurrent gets of one profile share a read. */
  private readonly cache = new Map<string, Promise<ProfileData>>();
  private lastIdMs = 0;
  /** Ids whose data is format 1 (LEGACY_SUFFIX). */
  private readonly legacy = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, retention: number, cacheSize: number, log: Logger) {
    this.dir = dir;
    this.retention = retention;
    this.cacheSize = cacheSize;
    this.log = log;
  }

  /** Every kept profile, oldest first. */
  list(): ProfileMeta[] {
    return [...this.metas];
  }

  latest(): ProfileMeta | undefined {
    return this.metas.at(-1);
  }

  /**
   * Take in what other processes added or retired since this one last looked; resolves to the
   * profiles that are new here, oldest first. Concurrent calls share one scan.
   */
  refresh(): Promise<ProfileMeta[]> {
    this.refreshing ??= this.rescan().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /**
   * Call `fn` with each profile this store takes in from another process, once per profile,
   * whichever caller's refresh() found it (a query, `profile/added`, the directory watcher).
   */
  onTakenIn(fn: (meta: ProfileMeta) => void): void {
    this.takenIn.push(fn);
  }

  private readonly takenIn: Array<(meta: ProfileMeta) => void> = [];
  private refreshing: Promise<ProfileMeta[]> | undefined;
  /** Ids this process is adding right now. */
  private readonly adding = new Set<string>();

  private async rescan(): Promise<ProfileMeta[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      names = []; // `cargo clean` removed it: everything is gone
    }
    const onDisk = new Set(names.filter((n) => n.endsWith(META_SUFFIX)).map((n) => n.slice(0, -META_SUFFIX.length)));
    // A listing taken while other processes rename their files in this directory may miss a name
    // that stays (seen on overlayfs): forget a profile only once its meta is really gone.
    for (const m of [...this.metas]) if (!onDisk.has(m.id) && !(await exists(this.metaPath(m.id)))) this.forget(m.id);
    const added: ProfileMeta[] = [];
    for (const id of onDisk) {
      // Our own add in progress is listed by add() itself, and announced by its caller.
      if (this.byId.has(id) || this.adding.has(id) || !ID_RE.test(id)) continue;
      const meta = await this.readMeta(id);
      // Unreadable now may be retired by its writer meanwhile; open() quarantines what stays so.
      if (typeof meta === 'string' || this.byId.has(id)) continue;
      added.push(meta);
    }
    if (added.length === 0) return [];
    for (const m of added) this.byId.set(m.id, m);
    this.metas.push(...added);
    this.metas.sort(byId);
    added.sort(byId);
    const last = this.metas.at(-1);
    if (last) this.lastIdMs = Math.max(this.lastIdMs, idMs(last.id));
    for (const m of added) for (const fn of this.takenIn) fn(m);
    return added;
  }

  /** The profile added just before `id`, or undefined for the oldest. */
  previous(id: string): ProfileMeta | undefined {
    const i = this.indexOf(id);
    return i > 0 ? this.metas[i - 1] : undefined;
  }

  /**
   * The profile a person means by `ref`: an id, a unique id prefix, 'latest', 'previous', or
   * '-N' (N before the latest).
   */
  resolve(ref: string): ProfileMeta {
    const n = this.metas.length;
    const back = ref === 'latest' ? 0 : ref === 'previous' ? 1 : /^-\d+$/.test(ref) ? Number(ref.slice(1)) : undefined;
    if (back !== undefined) {
      const m = this.metas[n - 1 - back];
      if (m) return m;
      throw new FlameError(
        ErrorCodes.ProfileNotFound,
        n === 0 ? 'no profiles yet; `flame record` makes one' : `no profile '${ref}': only ${n} kept; \`flame profiles\` lists them`,
      );
    }
    const exact = this.byId.get(ref);
    if (exact) return exact;
    const matches = ref === '' ? [] : this.metas.filter((m) => m.id.startsWith(ref));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new FlameError(
        ErrorCodes.InvalidRequest,
        `'${ref}' matches ${matches.length} profiles (${matches
          .slice(0, 3)
          .map((m) => m.id)
          .join(', ')}${matches.length > 3 ? ', ...' : ''}); give more of the id`,
        { data: { candidates: matches.map((m) => m.id) } },
      );
    }
    throw notFound(ref);
  }

  /** resolve(), after taking in what other processes added (an id or 'latest' from another writer). */
  async resolveFresh(ref: string): Promise<ProfileMeta> {
    await this.refresh();
    return this.resolve(ref);
  }

  /** The stored profile. Shared with other callers and the cache: do not mutate it. */
  get(id: string): Promise<ProfileData> {
    const cached = this.cache.get(id);
    if (cached) {
      this.cache.delete(id);
      this.cache.set(id, cached);
      return cached;
    }
    if (!this.byId.has(id)) return Promise.reject(notFound(id));
    const p = this.readData(id);
    this.remember(id, p);
    p.catch(() => {
      if (this.cache.get(id) === p) this.cache.delete(id);
    });
    return p;
  }

  /** Store a finished profile; resolves once it is durable and listed. */
  add(meta: NewProfileMeta, profile: ProfileData): Promise<ProfileMeta> {
    const run = this.queue.then(() => this.addNow(meta, profile));
    this.queue = run.catch(() => {});
    return run;
  }

  private async addNow(input: NewProfileMeta, profile: ProfileData): Promise<ProfileMeta> {
    const data = await gzip(Buffer.concat(encodeProfile(profile)), { level: GZIP_LEVEL });
    // Again, in case `cargo clean` removed the directory since open().
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (let attempt = 0; ; attempt++) {
      const now = Date.now();
      const ms = Math.max(now, this.lastIdMs + 1);
      this.lastIdMs = ms;
      const id = `${idStamp(ms)}-${randomBytes(2).toString('hex')}`;
      // A JSON round trip makes the listed meta exactly what a restart will read back.
      const meta = deepFreeze(
        JSON.parse(
          JSON.stringify({
            ...input,
            id,
            createdAt: input.createdAt ?? new Date(now).toISOString(),
            samples: profile.totalSamples,
            unit: profile.unit,
            event: profile.event,
            quality: profile.quality,
          } satisfies ProfileMeta),
        ) as ProfileMeta,
      );
      const intent = path.join(this.dir, `${id}${INTENT_INFIX}${process.pid}`);
      await writeFile(intent, '', { mode: 0o600 });
      this.adding.add(id);
      try {
        // link(2) fails when the name exists: another process that drew the same id keeps it.
        if (!(await writeFileNoReplace(this.dataPath(id), data))) {
          this.adding.delete(id);
          if (attempt < 8) continue;
          throw new Error(`could not find a free profile id in ${this.dir}`);
        }
        // The data's name must be durable before the meta that lists it can be.
        await syncDir(this.dir);
        const record: MetaRecord = { format: META_FORMAT, data: { bytes: data.length, format: DATA_FORMAT }, meta };
        await writeFileAtomic(this.metaPath(id), JSON.stringify(record, null, 1) + '\n');
        await syncDir(this.dir);
      } catch (err) {
        this.adding.delete(id);
        throw err;
      } finally {
        await rm(intent, { force: true });
      }
      this.metas.push(meta);
      this.metas.sort(byId);
      this.byId.set(id, meta);
      this.adding.delete(id);
      this.remember(id, Promise.resolve(profile));
      await this.refresh().catch(() => {});
      await this.enforceRetention();
      return meta;
    }
  }

  private async enforceRetention(): Promise<void> {
    while (this.metas.length > this.retention) {
      const old = this.metas.shift()!;
      this.byId.delete(old.id);
      this.cache.delete(old.id);
      // Meta first: a crash before the data goes leaves an unlisted file that open() removes.
      await rm(this.metaPath(old.id), { force: true });
      await rm(this.dataPath(old.id), { force: true });
      this.legacy.delete(old.id);
    }
  }

  private async load(): Promise<void> {
    const names = await readdir(this.dir);
    const metaIds: string[] = [];
    const dataFiles = new Map<string, string>();
    /** Ids that a live process is adding right now: their data may precede their meta. */
    const inFlight = new Set<string>();
    for (const name of names) {
      const intent = INTENT_RE.exec(name);
      if (intent) {
        if (processAlive(Number(intent[2]))) inFlight.add(intent[1]!);
        else await rm(path.join(this.dir, name), { force: true });
      }
    }
    for (const name of names) {
      const tmp = TEMP_NAME_RE.exec(name);
      if (tmp) {
        // An interrupted writeFileAtomic: never renamed, so never visible. A live writer's is in use.
        if (processAlive(Number(tmp[1]))) continue;
        await rm(path.join(this.dir, name), { force: true });
        this.log.info({ file: name }, 'removed a partial write left by a crash');
      } else if (name.endsWith(META_SUFFIX)) {
        metaIds.push(name.slice(0, -META_SUFFIX.length));
      } else if (name.endsWith(DATA_SUFFIX)) {
        dataFiles.set(name.slice(0, -DATA_SUFFIX.length), name);
      } else if (name.endsWith(LEGACY_SUFFIX)) {
        dataFiles.set(name.slice(0, -LEGACY_SUFFIX.length), name);
      }
    }
    const loaded = await Promise.all(metaIds.map(async (id) => ({ id, result: await this.readMeta(id) })));
    for (const { id, result } of loaded) {
      if (typeof result === 'string') {
        if (inFlight.has(id)) continue;
        this.log.warn({ id, reason: result }, 'unreadable profile meta moved to quarantine/');
        await this.quarantine(id, dataFiles.get(id));
        dataFiles.delete(id);
        continue;
      }
      this.metas.push(result);
      this.byId.set(id, result);
      dataFiles.delete(id);
    }
    for (const [id, name] of dataFiles) {
      if (inFlight.has(id)) continue;
      // Data whose meta never landed (crash mid-add) or was already retired (crash mid-retention).
      await rm(path.join(this.dir, name), { force: true });
      this.log.info({ id }, 'removed profile data without meta');
    }
    this.metas.sort(byId);
    const last = this.metas.at(-1);
    if (last) this.lastIdMs = idMs(last.id);
    await this.enforceRetention();
  }

  /** The meta of `id`, or why it cannot be trusted. */
  private async readMeta(id: string): Promise<ProfileMeta | string> {
    let record: MetaRecord;
    try {
      record = JSON.parse(await readFile(this.metaPath(id), 'utf8')) as MetaRecord;
    } catch (err) {
      return `unreadable: ${(err as Error).message}`;
    }
    const m = record?.meta;
    if (record?.format !== META_FORMAT || typeof record.data?.bytes !== 'number') return 'not a flame store meta file';
    if (!ID_RE.test(id) || m?.id !== id) return `id does not match the file name`;
    const format = record.data.format ?? LEGACY_FORMAT;
    if (format === LEGACY_FORMAT) this.legacy.add(id);
    else if (format !== DATA_FORMAT && format !== FORMAT_2)
      return `data format '${String(format)}' is not one this flame reads (${DATA_FORMAT}); a newer flame wrote it`;
    if (
      typeof m.createdAt !== 'string' ||
      typeof m.samples !== 'number' ||
      typeof m.unit !== 'string' ||
      typeof m.event !== 'string' ||
      typeof m.quality !== 'object' ||
      m.quality === null
    ) {
      return 'meta lacks required fields';
    }
    try {
      const st = await stat(this.dataPath(id));
      if (st.size !== record.data.bytes) return `data is ${st.size} bytes, meta says ${record.data.bytes}`;
    } catch (err) {
      return `data missing: ${(err as Error).message}`;
    }
    // Older flames stored a bare TargetSpec here; every reader gets the one typed shape.
    if (m.target !== undefined) {
      const target = readProfileTarget(m.target);
      if (target) m.target = target;
      else delete m.target;
    }
    return deepFreeze(m);
  }

  private async quarantine(id: string, dataFile: string | undefined): Promise<void> {
    const q = path.join(this.dir, 'quarantine');
    await mkdir(q, { recursive: true, mode: 0o700 });
    await rename(this.metaPath(id), path.join(q, `${id}${META_SUFFIX}`));
    if (dataFile !== undefined) await rename(path.join(this.dir, dataFile), path.join(q, dataFile));
    this.legacy.delete(id);
  }

  private async readData(id: string): Promise<ProfileData> {
    let raw: Buffer;
    try {
      raw = await readFile(this.dataPath(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        // Retired by retention meanwhile, or removed under us (`cargo clean` deletes target/).
        if (this.byId.has(id)) {
          this.log.warn({ id }, 'profile data vanished from disk; dropping it from the list');
          this.forget(id);
        }
        throw notFound(id);
      }
      throw err;
    }
    try {
      // gunzip checks the CRC-32 and length in the gzip trailer, so damage shows up here.
      const bytes = await gunzip(raw);
      if (isBinaryFormat(bytes)) return decodeProfile(bytes);
      return upgradeFormat1(JSON.parse(bytes.toString('utf8')));
    } catch (err) {
      throw new FlameError(ErrorCodes.BadInput, `profile '${id}' is damaged on disk (${this.dataPath(id)}); delete it or record again`, { cause: err });
    }
  }

  private forget(id: string): void {
    this.metas = this.metas.filter((m) => m.id !== id);
    this.byId.delete(id);
    this.legacy.delete(id);
  }

  private remember(id: string, p: Promise<ProfileData>): void {
    this.cache.delete(id);
    this.cache.set(id, p);
    while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }

  private indexOf(id: string): number {
    const i = this.metas.findIndex((m) => m.id === id);
    if (i < 0) throw notFound(id);
    return i;
  }

  private metaPath(id: string): string {
    return path.join(this.dir, `${id}${META_SUFFIX}`);
  }

  private dataPath(id: string): string {
    return path.join(this.dir, `${id}${this.legacy.has(id) ? LEGACY_SUFFIX : DATA_SUFFIX}`);
  }
}

const META_FORMAT = 'flame-store-meta/1';
const META_SUFFIX = '.meta.json';
const DATA_SUFFIX = '.profile.gz';
const DATA_FORMAT = 'flame-profile/3';
/** Written before several runs made one profile: the same file name, read as one run. */
const FORMAT_2 = 'flame-profile/2';
/** Data of stores written before format 2: read (and upgraded in memory), never written. */
const LEGACY_SUFFIX = '.profile.json.gz';
const LEGACY_FORMAT = 'flame-profile/1';
const ID_RE = /^\d{8}T\d{6}\.\d{3}-[0-9a-f]{4}$/;
const INTENT_INFIX = '.adding-';
const INTENT_RE = /^(\d{8}T\d{6}\.\d{3}-[0-9a-f]{4})\.adding-(\d+)$/;
/** Level 1: the stack columns of a million-sample profile compress enough, and level 6 costs several times the time. */
const GZIP_LEVEL = 1;

interface MetaRecord {
  format: typeof META_FORMAT;
  /** `format` is absent in records written before format 2 (their data is format 1). */
  data: { bytes: number; format?: string };
  meta: ProfileMeta;
}

const gunzip = promisify(gunzipCb);
const gzip = promisify(gzipCb);

function notFound(id: string): FlameError {
  return new FlameError(ErrorCodes.ProfileNotFound, `no profile '${id}'; \`flame profiles\` lists them`);
}

function idStamp(ms: number): string {
  // 2026-11-25T17:05:12.123Z -> 20261125T170512.123
  return new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 19);
}

/** When a profile was added, in ms since the epoch, read off its id. */
export function profileTime(id: string): number {
  return idMs(id);
}

function idMs(id: string): number {
  const s = id.slice(0, 19);
  return Date.parse(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}${s.slice(15)}Z`);
}

function byId(a: ProfileMeta, b: ProfileMeta): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Whether a path exists (any error but ENOENT counts as existing: the file is not known to be gone). */
async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    (err: NodeJS.ErrnoException) => err.code !== 'ENOENT',
  );
}
