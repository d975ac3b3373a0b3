// The "flame" settings section: what to annotate, from which share on, and the target and
// record options the lenses' commands use. Sent by the editor in initializationOptions and
// workspace/didChangeConfiguration; anything malformed falls back to the default.
import type { RecordSpec, TargetSpec } from '../../protocol/types.js';

export interface Settings {
  hints: { enabled: boolean; minShare: number };
  lenses: { enabled: boolean; minShare: number; targets: boolean };
  hover: { enabled: boolean };
  diagnostics: { enabled: boolean; minShare: number; severity: 'information' | 'hint'; regressions: boolean };
  target: TargetSpec;
  record: RecordSpec;
  programArgs: string[];
}

export const DEFAULTS: Settings = {
  hints: { enabled: true, minShare: 0.01 },
  lenses: { enabled: true, minShare: 0.01, targets: true },
  hover: { enabled: true },
  diagnostics: { enabled: true, minShare: 0.05, severity: 'information', regressions: true },
  target: {},
  record: {},
  programArgs: [],
};

/** A plain object (not null, not an array). */
export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const bool = (v: unknown, d: boolean) => (typeof v === 'boolean' ? v : d);
/** Shares are 0..1; a value above 1 is taken as a percentage. */
const share = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? (v > 1 ? v / 100 : v) : d);

/** Settings from whatever the editor sent: the section itself or an object holding `flame`. */
export function parseSettings(raw: unknown): Settings {
  const s = isObj(raw) && isObj(raw.flame) ? raw.flame : isObj(raw) ? raw : {};
  const sub = (k: string) => (isObj(s[k]) ? (s[k] as Record<string, unknown>) : {});
  const h = sub('hints');
  const l = sub('lenses');
  const hv = sub('hover');
  const d = sub('diagnostics');
  return {
    hints: { enabled: bool(h.enabled, DEFAULTS.hints.enabled), minShare: share(h.minShare, DEFAULTS.hints.minShare) },
    lenses: {
      enabled: bool(l.enabled, DEFAULTS.lenses.enabled),
      minShare: share(l.minShare, DEFAULTS.lenses.minShare),
      targets: bool(l.targets, DEFAULTS.lenses.targets),
    },
    hover: { enabled: bool(hv.enabled, DEFAULTS.hover.enabled) },
    diagnostics: {
      enabled: bool(d.enabled, DEFAULTS.diagnostics.enabled),
      minShare: share(d.minShare, DEFAULTS.diagnostics.minShare),
      severity: d.severity === 'hint' ? 'hint' : 'information',
      regressions: bool(d.regressions, DEFAULTS.diagnostics.regressions),
    },
    target: isObj(s.target) ? (s.target as TargetSpec) : {},
    record: isObj(s.record) ? (s.record as RecordSpec) : {},
    programArgs: Array.isArray(s.programArgs) ? s.programArgs.filter((a): a is string => typeof a === 'string') : [],
  };
}
