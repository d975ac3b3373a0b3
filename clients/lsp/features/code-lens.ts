// Code lenses: above each hot function its self and total share with their 95% bands, its
// samples and its self share's change against the previous profile (the previous share when
// the daemon calls it real, "within noise" when not); above `fn main`,
// `#[test]` and `#[bench]` items commands to profile that target once or watch it; and a
// "profile now" lens while the workspace has no profile.
import type { CodeLens } from 'vscode-languageserver';
import { realChange, type FileHeat, type FunctionHeat } from '../annotations.js';
import { basisText, pct, plusMinus, points } from '../convert.js';
import type { Doc } from '../documents.js';
import { placedFunctions } from '../placed.js';
import type { Settings } from '../settings.js';
import type { Runnable } from '../targets.js';
import { Commands } from './commands.js';

const range = (line: number) => ({ start: { line, character: 0 }, end: { line, character: 0 } });

function functionLensTitle(name: string, f: FunctionHeat): string {
  const band = (r: { low: number; high: number } | undefined) => (r ? ` ${plusMinus(r)}` : '');
  const basis = f.noise ? `; ± at 95%, ${f.noise.basis === 'runs' ? basisText(f.noise) : 'sampling only'}` : '';
  const was = !f.was
    ? ''
    : realChange(f.was, 'self')
      ? `; was ${pct(f.was.selfShare)} self`
      : `; self Δ ${points(f.selfShare - f.was.selfShare)}, within noise`;
  return `🔥 ${name}: ${pct(f.selfShare)}${band(f.noise?.self)} self, ${pct(f.totalShare)}${band(f.noise?.total)} total (${f.self} / ${f.total} samples${basis}${was})`;
}

/** The session a runnable's lens or action starts: its own target, with the settings' target options, record options and features added. */
export function runnableSpec(r: Runnable, settings: Settings): Runnable['spec'] {
  return { ...r.spec, target: { ...settings.target, ...r.spec.target }, record: settings.record };
}

export function codeLenses(
  doc: Doc,
  heat: FileHeat | undefined,
  runnables: Runnable[],
  settings: Settings,
  opts: { hasProfile: boolean; watching: boolean },
): CodeLens[] {
  if (!settings.lenses.enabled) return [];
  const out: CodeLens[] = [];
  if (heat) {
    for (const { at, heat: f } of placedFunctions(doc, heat)) {
      if (Math.max(f.selfShare, f.totalShare) < settings.lenses.minShare) continue;
      out.push({ range: range(at), command: { title: functionLensTitle(f.name, f), command: Commands.showFunction, arguments: [f.name] } });
    }
  }
  if (settings.lenses.targets) {
    for (const r of runnables) {
      const spec = runnableSpec(r, settings);
      out.push({ range: range(r.line), command: { title: `▶ Profile ${r.label}`, command: Commands.profileOnce, arguments: [spec] } });
      out.push({ range: range(r.line), command: { title: '👁 Watch', command: Commands.watch, arguments: [spec] } });
    }
  }
  if (!opts.hasProfile) out.push({ range: range(0), command: { title: 'flame: no profile yet — profile now', command: Commands.profileOnce, arguments: [] } });
  if (opts.watching) out.push({ range: range(0), command: { title: '⏹ Stop watching', command: Commands.stopWatch, arguments: [] } });
  return out;
}
