// The push setting: `[workspace.metadata.flame.push]` in the workspace's Cargo.toml, overridden
// key by key by `[package.metadata.flame.push]` of the profiled package, as `cargo metadata`
// passes them on. Secrets never live in Cargo.toml: the setting names the environment variables
// that hold them.
import { ErrorCodes, FlameError } from '../../common/errors.js';
import type { ProfileMeta } from '../../protocol/types.js';
import type { CargoMetadata } from '../cargo/target.js';
import { labelNameProblem } from './labels.js';

/** Where profiles go and how to sign in there; what a queued push keeps (no secrets). */
export interface Destination {
  /** The server's base URL (`http://pyroscope:4040`, or under a path prefix). */
  url: string;
  /** Sent as X-Scope-OrgID (Pyroscope's multi-tenant mode). */
  tenant?: string;
  /** Environment variables holding HTTP basic auth's user and password (Grafana Cloud: the instance id and a token). */
  userEnv?: string;
  passwordEnv?: string;
  /** An environment variable holding a bearer token. */
  tokenEnv?: string;
}

/** The setting as it applies to one package's profiles. */
export interface PushSetting extends Partial<Destination> {
  /** Whether the daemon pushes each new profile: true when a url is set, unless `enabled = false`. */
  enabled: boolean;
  app?: string;
  labels: Record<string, string>;
}

const KEYS: Record<string, 'string' | 'boolean' | 'table'> = {
  url: 'string',
  enabled: 'boolean',
  app: 'string',
  tenant: 'string',
  'user-env': 'string',
  'password-env': 'string',
  'token-env': 'string',
  labels: 'table',
};

/**
 * The setting for profiles of `pkg` (a package name; undefined for profiles of no package):
 * the workspace's table, then the package's keys over it (labels merged). Throws a FlameError
 * naming the Cargo.toml and the key for a setting flame cannot use.
 */
export function pushSetting(meta: CargoMetadata, pkg?: string): PushSetting {
  const wsManifest = `${meta.workspaceRoot}/Cargo.toml`;
  const merged: Record<string, unknown> = { ...readTable(flameTable(meta.metadata), `[workspace.metadata.flame.push] in ${wsManifest}`) };
  const p = pkg === undefined ? undefined : meta.packages.find((x) => x.name === pkg);
  if (p) {
    const own = readTable(flameTable(p.metadata), `[package.metadata.flame.push] in ${p.manifestPath}`);
    const labels = { ...((merged.labels as Record<string, string>) ?? {}), ...((own.labels as Record<string, string>) ?? {}) };
    Object.assign(merged, own, { labels });
  }
  const setting: PushSetting = {
    enabled: merged.url !== undefined && merged.enabled !== false,
    labels: (merged.labels as Record<string, string>) ?? {},
  };
  if (merged.url !== undefined) setting.url = merged.url as string;
  if (merged.app !== undefined) setting.app = merged.app as string;
  if (merged.tenant !== undefined) setting.tenant = merged.tenant as string;
  if (merged['user-env'] !== undefined) setting.userEnv = merged['user-env'] as string;
  if (merged['password-env'] !== undefined) setting.passwordEnv = merged['password-env'] as string;
  if (merged['token-env'] !== undefined) setting.tokenEnv = merged['token-env'] as string;
  return setting;
}

/** The setting that applies to a stored profile: its package's, when it was built from one. */
export function settingForProfile(meta: CargoMetadata, profile: ProfileMeta): PushSetting {
  const t = profile.target;
  return pushSetting(meta, t && 'package' in t ? t.package : undefined);
}

/** The destination a setting (or `--to URL` over it) names; the URL checked. */
export function destinationOf(setting: Partial<Destination>, url: string, where: string): Destination {
  const d: Destination = { url: checkUrl(url, where) };
  if (setting.tenant !== undefined) d.tenant = setting.tenant;
  if (setting.userEnv !== undefined) d.userEnv = setting.userEnv;
  if (setting.passwordEnv !== undefined) d.passwordEnv = setting.passwordEnv;
  if (setting.tokenEnv !== undefined) d.tokenEnv = setting.tokenEnv;
  return d;
}

/** An http(s) base URL without credentials, query or fragment, without its trailing slash. */
export function checkUrl(raw: string, where: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw bad(`${where}: '${raw}' is not a URL; give the Pyroscope server's, e.g. http://localhost:4040`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad(`${where}: '${raw}' is not an http or https URL`);
  if (u.username !== '' || u.password !== '')
    throw bad(`${where}: the URL carries credentials; put them in environment variables and name those with user-env and password-env (or token-env)`);
  if (u.search !== '' || u.hash !== '') throw bad(`${where}: give the server's base URL without a query or fragment, not '${raw}'`);
  return u.toString().replace(/\/+$/, '');
}

/** The HTTP headers a destination signs in with, read from the environment now. */
export function authHeaders(d: Destination, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const h: Record<string, string> = {};
  const need = (name: string): string => {
    const v = env[name];
    if (v === undefined || v === '')
      throw new FlameError(ErrorCodes.PushFailed, `the push setting names ${name} for ${d.url}'s credentials, but ${name} is not set: export it`);
    return v;
  };
  if (d.tenant !== undefined) h['X-Scope-OrgID'] = d.tenant;
  if (d.tokenEnv !== undefined) h.Authorization = `Bearer ${need(d.tokenEnv)}`;
  else if (d.userEnv !== undefined || d.passwordEnv !== undefined) {
    const user = d.userEnv === undefined ? '' : need(d.userEnv);
    const password = d.passwordEnv === undefined ? '' : need(d.passwordEnv);
    h.Authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  return h;
}

function flameTable(metadata: unknown): unknown {
  const flame = isTable(metadata) ? metadata.flame : undefined;
  return isTable(flame) ? flame.push : undefined;
}

/** The keys of one `flame.push` table, each checked; `where` names the table and its file. */
function readTable(raw: unknown, where: string): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (!isTable(raw)) throw bad(`${where} must be a table (url = "http://...")`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const type = KEYS[k];
    if (type === undefined) throw bad(`${where}: unknown key '${k}'; the keys are ${Object.keys(KEYS).join(', ')}`);
    if (type === 'table') {
      if (!isTable(v)) throw bad(`${where}: labels must be a table of strings (labels = { team = "perf" })`);
      for (const [lk, lv] of Object.entries(v)) {
        if (typeof lv !== 'string') throw bad(`${where}: label '${lk}' must be a string, not ${JSON.stringify(lv)}`);
        const problem = labelNameProblem(lk);
        if (problem) throw bad(`${where}: ${problem}`);
      }
    } else if (typeof v !== type) {
      throw bad(`${where}: ${k} must be a ${type}, not ${JSON.stringify(v)}`);
    }
    if (k.endsWith('-env') && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v as string))
      throw bad(`${where}: ${k} names an environment variable, not '${v}' (the secret itself never goes in Cargo.toml)`);
    if (k === 'url') checkUrl(v as string, where);
    out[k] = v;
  }
  return out;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string): FlameError {
  return new FlameError(ErrorCodes.BadInput, message);
}
