// Code actions: the lenses' commands for editors that show no code lenses (eglot, Helix, ALE,
// Vim's LSP clients). At a `fn main`, `#[test]` or `#[bench]` item (or below the nearest one),
// "Profile" and "Watch" that target; anywhere, the flame graph, and "Stop watching" while this
// editor watches. All are of kind `source.flame`, so VS Code lists them under Source Action and
// a client that asks only for quick fixes gets none.
import type { CodeAction, CodeActionParams } from 'vscode-languageserver';
import type { Settings } from '../settings.js';
import type { Runnable } from '../targets.js';
import { runnableSpec } from './code-lens.js';
import { Commands } from './commands.js';

export const FLAME_ACTION_KIND = 'source.flame';

export function codeActions(
  params: Pick<CodeActionParams, 'range' | 'context'>,
  runnables: Runnable[],
  settings: Settings,
  opts: { watching: boolean },
): CodeAction[] {
  const only = params.context.only;
  // A kind the client asked for covers ours when it is ours or a prefix of it (`source`).
  if (only?.length && !only.some((k) => k === '' || FLAME_ACTION_KIND === k || FLAME_ACTION_KIND.startsWith(`${k}.`))) return [];
  const { start, end } = params.range;
  const within = runnables.filter((r) => r.line >= start.line && r.line <= end.line);
  // Inside an item's body: the nearest runnable item above the cursor is the one it is in, or close.
  const above = runnables.filter((r) => r.line < start.line).sort((a, b) => b.line - a.line)[0];
  const targets = within.length > 0 ? within : above ? [above] : [];
  const action = (title: string, command: string, args: unknown[]): CodeAction => ({
    title,
    kind: FLAME_ACTION_KIND,
    command: { title, command, arguments: args },
  });
  const out: CodeAction[] = [];
  for (const r of targets) {
    const spec = runnableSpec(r, settings);
    out.push(action(`▶ Profile ${r.label} (flame)`, Commands.profileOnce, [spec]), action(`👁 Watch ${r.label} (flame)`, Commands.watch, [spec]));
  }
  // No runnable item here: the workspace's default target, as `flame record` picks it.
  if (targets.length === 0) out.push(action('▶ Profile the default target (flame)', Commands.profileOnce, []));
  if (opts.watching) out.push(action('⏹ Stop watching (flame)', Commands.stopWatch, []));
  out.push(action('Open the flame graph (flame)', Commands.openFlameGraph, []));
  return out;
}
