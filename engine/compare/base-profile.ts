// `flame compare --base-profile ID|FILE`: the base is a profile made before, not a build. A path
// that exists is read as a file (a stored profile's .profile.gz, or a perf.data, analysed);
// anything else is a reference into the workspace's history, as `flame diff` takes them.
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';
import { ErrorCodes, FlameError } from '../../common/errors.js';
import { analyzePerfData, type AnalyzeOptions } from '../profile/analyze.js';
import type { ProfileData } from '../profile/profile.js';
import { decodeProfile, isBinaryFormat } from '../store/format.js';
import type { ProfileStore } from '../store/store.js';

export interface BaseProfile {
  profile: ProfileData;
  /** The stored profile's id, or null for a file. */
  id: string | null;
  label: string;
  /** Each run's wall time when known: a profile `flame compare` stored, or a perf.data (one run). */
  wallMs: number[] | null;
}

const gunzip = promisify(gunzipCb);

export async function loadBaseProfile(ref: string, store: ProfileStore | undefined, analyze: AnalyzeOptions = {}): Promise<BaseProfile> {
  if (existsSync(ref)) return loadFile(ref, analyze);
  if (!store)
    throw new FlameError(ErrorCodes.ProfileNotFound, `no file '${ref}', and no history to look it up in; pass a profile file or a stored profile's id`);
  const meta = await store.resolveFresh(ref).catch((err: unknown) => {
    if (err instanceof FlameError && err.code === ErrorCodes.ProfileNotFound) {
      throw new FlameError(ErrorCodes.ProfileNotFound, `--base-profile '${ref}' is neither a file nor a stored profile; \`flame profiles\` lists them`, {
        cause: err,
      });
    }
    throw err;
  });
  const wall = (meta.options as { wallMs?: unknown } | undefined)?.wallMs;
  return {
    profile: await store.get(meta.id),
    id: meta.id,
    label: `profile ${meta.id}`,
    wallMs: Array.isArray(wall) && wall.every((x) => typeof x === 'number') ? (wall as number[]) : null,
  };
}

async function loadFile(file: string, analyze: AnalyzeOptions): Promise<BaseProfile> {
  const head = Buffer.alloc(8);
  const fh = await open(file, 'r');
  try {
    await fh.read(head, 0, 8, 0);
  } finally {
    await fh.close();
  }
  if (head.subarray(0, 7).toString('latin1') === 'PERFILE') {
    const r = await analyzePerfData(file, analyze);
    return { profile: r.profile, id: null, label: file, wallMs: [r.sampledMs] };
  }
  let bytes = await readFile(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(bytes).catch(() => bytes);
  if (!isBinaryFormat(bytes)) {
    throw new FlameError(
      ErrorCodes.BadInput,
      `${file} is neither a flame profile (a .profile.gz of the history) nor a perf.data; pass one of those, or a stored profile's id`,
    );
  }
  try {
    return { profile: decodeProfile(bytes), id: null, label: file, wallMs: null };
  } catch (err) {
    throw new FlameError(ErrorCodes.BadInput, `${file} is a damaged flame profile (${(err as Error).message}); record it again`, { cause: err });
  }
}
