// The regression gate's settings: from the flags, else from the workspace's Cargo.toml
// (`[package.metadata.flame.gate]` of the compared package, then `[workspace.metadata.flame.gate]`),
// read through `cargo metadata` so that no TOML parser is needed and cargo's view of the
// manifest is the one used. Flags win key by key.
import { ErrorCodes, FlameError } from '../../common/errors.js';
import type { CargoMetadata } from '../cargo/target.js';
import { compileFilter } from '../query/filter.js';
import { DEFAULT_THRESHOLD, DEFAULT_TIME_THRESHOLD, type GateSettings } from './report.js';

/** The gate's keys as written, in flags and config alike: `--fail-on` is `fail-on = "…"`. */
export interface GateInput {
  'fail-on'?: string;
  threshold?: string | number;
  'time-threshold'?: string | number;
  runs?: number;
}

const KEYS = ['fail-on', 'threshold', 'time-threshold', 'runs'] as const;

/** The gate table of the package `pkg` and of the workspace, merged (the package's keys win); `where` names them for errors. */
export function gateConfig(metadata: CargoMetadata, pkg: string): { input: GateInput; where: string[] } {
  const tables: Array<[unknown, string]> = [
    [metadata.metadata, '[workspace.metadata.flame.gate]'],
    [metadata.packages.find((p) => p.name === pkg)?.metadata, `[package.metadata.flame.gate] of ${pkg}`],
  ];
  const input: GateInput = {};
  const where: string[] = [];
  for (const [meta, name] of tables) {
    const gate = (meta as { flame?: { gate?: unknown } } | null)?.flame?.gate;
    if (gate === undefined) continue;
    if (gate === null || typeof gate !== 'object' || Array.isArray(gate)) throw configError(name, 'must be a table');
    for (const [k, v] of Object.entries(gate)) {
      if (!(KEYS as readonly string[]).includes(k)) throw configError(name, `has an unknown key '${k}' (the keys are ${KEYS.join(', ')})`);
      if (k === 'fail-on' && typeof v !== 'string') throw configError(name, `'fail-on' must be a string (a regular expression)`);
      if ((k === 'threshold' || k === 'time-threshold') && typeof v !== 'string' && typeof v !== 'number') {
        throw configError(name, `'${k}' must be a percentage such as "2%"`);
      }
      if (k === 'runs' && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) throw configError(name, `'runs' must be a whole number of at least 1`);
      (input as Record<string, unknown>)[k] = v;
    }
    where.push(name);
  }
  return { input, where };
}

/**
 * The settings from `flags` over `config`. The gate is on when anything names what to gate
 * (`fail-on`, or a `time-threshold` other than "off"); `threshold` alone changes nothing gated.
 */
export function gateSettings(flags: GateInput, config: GateInput = {}): GateSettings | undefined {
  const v: GateInput = { ...config, ...Object.fromEntries(Object.entries(flags).filter(([, x]) => x !== undefined)) };
  const failOn = v['fail-on'] === undefined ? undefined : compileFilter(v['fail-on'], '--fail-on');
  const threshold = v.threshold === undefined ? DEFAULT_THRESHOLD : percent(v.threshold, '--threshold');
  const time = v['time-threshold'];
  const off = typeof time === 'string' && time.trim() === 'off';
  if (failOn === undefined && (time === undefined || off)) return undefined;
  const timeThreshold = off ? undefined : time === undefined ? DEFAULT_TIME_THRESHOLD : percent(time, '--time-threshold');
  return { ...(failOn ? { failOn } : {}), threshold, ...(timeThreshold === undefined ? {} : { timeThreshold }) };
}

/** "2%", "2" or 2 → 0.02; anything else is an error naming `flag`. */
export function percent(x: string | number, flag: string): number {
  const text = String(x).trim();
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*%?$/.exec(text);
  if (!m) throw new FlameError(ErrorCodes.BadInput, `${flag} takes a percentage such as 2%, not '${text}'`);
  return Number(m[1]) / 100;
}

function configError(table: string, what: string): FlameError {
  return new FlameError(ErrorCodes.BadInput, `${table} in Cargo.toml ${what}; fix it or pass the setting as a flag of flame compare`);
}
