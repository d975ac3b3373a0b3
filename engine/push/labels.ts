// What a profile is called in Grafana Pyroscope: its application name, its labels and the sample
// rate that makes Pyroscope read its counts as CPU time. Pure: the facts of the machine (host,
// branch, flame's version) come in as data, so every rule here is tested with data.
import { ErrorCodes, FlameError } from '../../protocol/errors.js';
import type { ProfileMeta } from '../../protocol/types.js';

/** What the pushing process knows beside the profile's meta. */
export interface PushFacts {
  host: string;
  flameVersion: string;
  /** The branch, when the profile's meta records none (CI's variables, read by the caller). */
  branch?: string;
}

/** A profile's name on the server: `<app>.<type>{k=v,...}`, and how its counts are read. */
export interface PushIdentity {
  /** The application (Pyroscope's service_name). */
  app: string;
  /** Pyroscope's legacy profile type suffix: `cpu`, the only one flame's sampling makes. */
  type: 'cpu';
  labels: Record<string, string>;
  /**
   * Samples per second: Pyroscope multiplies each count by 1e9 / sampleRate (whole nanoseconds)
   * and stores process_cpu:cpu:nanoseconds. 0 for an event that does not count time (cycles,
   * instructions): the counts stay process_cpu:samples:count.
   */
  sampleRate: number;
}

/** What a profile's labels are made of, beyond its meta. */
export interface LabelOptions {
  /** The application name; default the target's package (or its name). */
  app?: string;
  /** Extra labels from the setting or the command line; they override flame's own. */
  labels?: Record<string, string>;
}

/** The most labels Pyroscope takes on a series (its validation.max-label-names-per-series), less the three it adds itself. */
export const MAX_LABELS = 27;
/** Pyroscope's validation.max-length-label-value. */
const MAX_VALUE_LENGTH = 2048;

/** Events whose period perf reports in nanoseconds of CPU time. */
const TIME_EVENTS: ReadonlySet<string> = new Set(['cpu-clock', 'task-clock']);

/** The event's name without perf's modifiers (`cpu-clock:ppp` → `cpu-clock`). */
export function eventName(event: string): string {
  return event.split(':')[0]!.trim();
}

/**
 * The samples-per-second rate of a profile, from perf's own periods: for a time event each
 * sample's period is the CPU nanoseconds it stands for, so the rate is samples / seconds of
 * period, whatever -F asked for. 0 when the event counts no time or no period was kept.
 */
export function sampleRateOf(event: string, samples: number, totalPeriod: number): number {
  if (!TIME_EVENTS.has(eventName(event)) || !(totalPeriod > 0) || !(samples > 0)) return 0;
  return Math.max(1, Math.round((samples * 1e9) / totalPeriod));
}

/** The CPU nanoseconds Pyroscope charges per sample at `sampleRate` (its integer division); 0 for none. */
export function nanosPerSample(sampleRate: number): number {
  return sampleRate > 0 ? Math.floor(1e9 / sampleRate) : 0;
}

/** The profile type id Pyroscope stores the push under, for its query API. */
export function profileTypeId(sampleRate: number): string {
  return sampleRate > 0 ? 'process_cpu:cpu:nanoseconds:cpu:nanoseconds' : 'process_cpu:samples:count::';
}

/**
 * The identity a stored profile is pushed under: flame's labels (target, its kind, git commit,
 * branch and dirty flag, host, flame version, event), then the caller's, which may override them.
 * A label name Pyroscope would refuse, or too many labels, is a BadInput FlameError.
 */
export function pushIdentity(meta: ProfileMeta, totalPeriod: number, facts: PushFacts, opts: LabelOptions = {}): PushIdentity {
  const t = meta.target;
  const labels: Record<string, string> = {};
  const set = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== '') labels[k] = labelValue(v);
  };
  if (t) {
    set('target', t.name);
    set('target_kind', t.kind);
  }
  const git = meta.source?.git;
  if (git) {
    set('git_commit', git.commit);
    set('git_branch', git.branch ?? facts.branch);
    set('git_dirty', String(git.dirty));
  } else {
    set('git_branch', facts.branch);
  }
  set('host', facts.host);
  set('flame_version', facts.flameVersion);
  set('event', eventName(meta.event));
  for (const [k, v] of Object.entries(opts.labels ?? {})) {
    const bad = labelNameProblem(k);
    if (bad) throw new FlameError(ErrorCodes.BadInput, bad);
    set(k, v);
  }
  if (Object.keys(labels).length > MAX_LABELS)
    throw new FlameError(ErrorCodes.BadInput, `a profile may carry at most ${MAX_LABELS} labels on Pyroscope, not ${Object.keys(labels).length}`);
  const app = appName(opts.app ?? (t && 'package' in t ? t.package : t?.name) ?? 'flame');
  return { app, type: 'cpu', labels, sampleRate: sampleRateOf(meta.event, meta.samples, totalPeriod) };
}

/** Why Pyroscope would refuse `name` as a label name, or undefined when it takes it. */
export function labelNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `'${name}' is not a label name Pyroscope takes: letters, digits and _, not starting with a digit`;
  if (name.startsWith('__')) return `'${name}' is reserved: Pyroscope keeps label names starting with __ for itself`;
  if (['service_name', 'app_name', 'profile_id', 'span_id', 'span_name'].includes(name))
    return `'${name}' is set by Pyroscope or names a single profile: choose another label name (the application name is the setting's app)`;
  return undefined;
}

/**
 * `name` as Pyroscope's legacy ingest parses it: `<app>.<type>{k=v,...}`, keys sorted. The parser
 * has no escapes, so values never hold `,{}=` (labelValue replaced them).
 */
export function ingestName(id: PushIdentity): string {
  const pairs = Object.keys(id.labels)
    .sort()
    .map((k) => `${k}=${id.labels[k]}`);
  return `${id.app}.${id.type}{${pairs.join(',')}}`;
}

/**
 * The query of POST /ingest for piece `piece` of the profile: name, the time range in unix
 * milliseconds (the run's, ending when it was stored), folded text, and the sample rate. Each
 * piece starts one millisecond after the one before: Pyroscope's querier keeps one profile per
 * series and timestamp (it removes replicas' copies so), so pieces of one time would count once.
 */
export function ingestQuery(id: PushIdentity, meta: Pick<ProfileMeta, 'createdAt' | 'durationMs'>, piece = 0): string {
  const end = Date.parse(meta.createdAt);
  const from = Math.round(end - (meta.durationMs ?? 0)) + piece;
  const until = Math.max(from + 1, end);
  const q = new URLSearchParams({
    name: ingestName(id),
    // 13 digits: Pyroscope reads them as milliseconds.
    from: String(from),
    until: String(until),
    format: 'folded',
    sampleRate: String(id.sampleRate),
    spyName: 'flame',
    units: 'samples',
    aggregationType: 'sum',
  });
  return q.toString();
}

/** A label value Pyroscope's ingest parses back as it was: no `,{}=` or control characters, trimmed, bounded. */
export function labelValue(v: string): string {
  const clean = v.replace(/[,{}=\u0000-\u001f\u007f]/g, '_').trim();
  return clean.length > MAX_VALUE_LENGTH ? clean.slice(0, MAX_VALUE_LENGTH) : clean;
}

/** An application name of the characters Pyroscope takes (letters, digits, `_ . - /`); others become `_`. */
export function appName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.\-/]/g, '_').replace(/^\.+|\.+$/g, '');
  return clean === '' ? 'flame' : clean;
}
