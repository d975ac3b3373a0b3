// The source panel: a frame's file from the daemon (GET /source: workspace files, and the
// standard library's from the local rust-src) with each line's self and total samples
// (profile/lines) as heat, scrolled to the hottest line.
import type * as P from '../../../protocol/methods.js';
import type { LineRow } from '../../../protocol/types.js';
import { bandsText, el } from './panels.js';

export async function renderSource(host: HTMLElement, file: string, lines: P.Lines.Result, focusLine?: number): Promise<void> {
  const res = await fetch(`source?file=${encodeURIComponent(file)}`, { credentials: 'same-origin' });
  if (!res.ok) {
    host.replaceChildren(el('h2', {}, 'Source'), el('p', {}, `${file}: ${(await res.text()).trim()}`));
    return;
  }
  const text = await res.text();
  const byLine = new Map<number, LineRow>();
  for (const l of lines.lines) if (l.file === file || file.endsWith(l.file) || l.file.endsWith(file)) byLine.set(l.line, l);
  let hottest = 0;
  let max = 0;
  for (const [n, c] of byLine)
    if (c.self > max || (c.self === max && max === 0 && c.total > 0 && hottest === 0)) {
      max = c.self;
      hottest = n;
    }
  const pre = el('pre');
  const src = text.split('\n');
  for (let i = 0; i < src.length; i++) {
    const n = i + 1;
    const c = byLine.get(n);
    const heat = c && max > 0 ? c.self / max : 0;
    const row = el(
      'div',
      { id: `source-line-${n}`, 'data-self': String(c?.self ?? 0) },
      el('span', { class: 'ln' }, String(n)),
      el('span', { class: 'cnt' }, c ? `${c.self}/${c.total}` : ''),
      src[i]!,
    );
    if (c) row.title = `line ${n}: self ${c.self}, total ${c.total} ${lines.unit}; ${bandsText(c, lines.samples)}`;
    if (heat > 0) row.style.background = `rgba(255, ${Math.round(200 - 160 * heat)}, 60, ${0.25 + 0.6 * heat})`;
    if (n === hottest) row.classList.add('hot');
    pre.append(row);
  }
  host.replaceChildren(el('h2', {}, `${file}  (self/total ${lines.unit} per line)`), pre);
  const target = document.getElementById(`source-line-${hottest || focusLine || 1}`);
  // Scroll the panel only, not the page.
  if (target) host.scrollTop = Math.max(0, target.offsetTop - host.offsetTop - host.clientHeight / 2);
}
