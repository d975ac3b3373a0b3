// The HTML views beside the flame graph: the sortable function table (profile/top), the
// history of stored profiles (profile/list) and the sandwich of one function (profile/callers).
import type * as P from '../../../protocol/methods.js';
import { targetLabel, type ProfileMeta, type RowNoise, type ShareRange } from '../../../protocol/types.js';

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

export const pct = (x: number) => `${(x * 100).toFixed(x < 0.001 && x > 0 ? 3 : 1)}%`;

/** A 95% interval as half its width: "±0.3%". */
export const plusMinus = (r: ShareRange) => `±${pct((r.high - r.low) / 2)}`;

/** A change of share in points: "+0.4 pt", "−1.4 pt". */
export function points(d: number): string {
  const v = Math.abs(d * 100).toFixed(1);
  return `${d < 0 && v !== '0.0' ? '−' : '+'}${v} pt`;
}

/** Where a band comes from: "95%, from 3 runs", or "95%, sampling noise only (one run)". */
export const basisLabel = (n: RowNoise) => `95%, ${n.basis === 'runs' ? `from ${n.runs?.self.length ?? 'several'} runs` : 'sampling noise only (one run)'}`;

/** A share with its band when the daemon gave one: "12.4% ±0.3%". */
export const withBand = (share: number, r: ShareRange | undefined) => (r ? `${pct(share)} ${plusMinus(r)}` : pct(share));

/** A function's shares over all its frames with their bands: "self 12.0% ±0.3%, total 45.0% ±0.9% (95%, from 3 runs)". */
export function bandsText(row: { self: number; total: number; noise?: RowNoise }, samples: number): string {
  const n = row.noise;
  const of = (c: number) => (samples > 0 ? c / samples : 0);
  return `self ${withBand(of(row.self), n?.self)}, total ${withBand(of(row.total), n?.total)}${n ? ` (± at ${basisLabel(n)})` : ''}`;
}

/** A function's change against the diff's base: its total share before and now, the change with its interval, and whether it is real. */
export function changeText(d: P.Diff.Result['functions'][number]): string {
  const t = d.change.total;
  const self = !t.significant && d.change.self.significant ? `; self ${points(d.deltaSelfShare)}, beyond noise` : '';
  return `total ${pct(d.base.totalShare)} → ${pct(d.current.totalShare)}: ${points(d.deltaTotalShare)} (95%: ${points(t.low)} … ${points(t.high)}), ${t.significant ? 'beyond noise' : 'within noise'}${self}`;
}

type Sort = { key: 'name' | 'self' | 'total'; desc: boolean };

/** The functions table; clicking a header sorts, clicking a row selects the function. */
export function renderFunctions(
  host: HTMLElement,
  top: P.Top.Result,
  sort: Sort,
  onSort: (s: Sort) => void,
  onPick: (name: string, file?: string) => void,
): void {
  const rows = [...top.functions].sort((a, b) => {
    const c = sort.key === 'name' ? a.name.localeCompare(b.name) : a[sort.key] - b[sort.key];
    return sort.desc ? -c : c;
  });
  const head = (key: Sort['key'], label: string, cls = '') => {
    const th = el('th', { class: cls, 'data-sort': key }, `${label}${sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}`);
    th.onclick = () => onSort({ key, desc: sort.key === key ? !sort.desc : key !== 'name' });
    return th;
  };
  const table = el(
    'table',
    { id: 'functions-table' },
    el(
      'tr',
      {},
      head('name', 'function'),
      head('self', 'self', 'num'),
      el('th', { class: 'num' }, 'self %'),
      head('total', 'total', 'num'),
      el('th', { class: 'num' }, 'total %'),
      el('th', {}, 'location'),
    ),
  );
  for (const f of rows) {
    const tr = el(
      'tr',
      { class: 'row' },
      el('td', {}, f.name),
      el('td', { class: 'num' }, String(f.self)),
      el('td', { class: 'num' }, withBand(f.self / top.samples, f.noise?.self)),
      el('td', { class: 'num' }, String(f.total)),
      el('td', { class: 'num' }, withBand(f.total / top.samples, f.noise?.total)),
      el('td', {}, f.file ? `${shortPath(f.file)}:${f.line ?? ''}` : ''),
    );
    tr.onclick = () => onPick(f.name, f.file);
    table.append(tr);
  }
  const basis = top.functions[0]?.noise;
  host.replaceChildren(el('h2', {}, `Functions of ${top.profile} (${top.samples} ${top.unit}${basis ? `; ± at ${basisLabel(basis)}` : ''})`), table);
}

/** The stored profiles, newest first, each with open and diff buttons. */
export function renderHistory(
  host: HTMLElement,
  profiles: ProfileMeta[],
  shown: string | undefined,
  onOpen: (id: string) => void,
  onDiff: (id: string) => void,
): void {
  const table = el(
    'table',
    { id: 'history-table' },
    el(
      'tr',
      {},
      el('th', {}, 'id'),
      el('th', {}, 'time'),
      el('th', {}, 'source'),
      el('th', { class: 'num' }, 'samples'),
      el('th', {}, 'target'),
      el('th', {}, 'hottest'),
      el('th', {}, ''),
    ),
  );
  for (const m of [...profiles].reverse()) {
    const src = m.source?.git ? `${m.source.git.commit.slice(0, 8)}${m.source.git.dirty ? '+dirty' : ''}` : (m.source?.hash.slice(0, 8) ?? '');
    const open = el('button', {}, m.id === shown ? 'shown' : 'open');
    open.onclick = () => onOpen(m.id);
    const diff = el('button', {}, 'diff');
    diff.title = 'colour the shown profile by its change against this one';
    diff.onclick = () => onDiff(m.id);
    table.append(
      el(
        'tr',
        { 'data-id': m.id },
        el('td', {}, m.id),
        el('td', {}, new Date(m.createdAt).toLocaleString()),
        el('td', {}, src),
        el('td', { class: 'num' }, String(m.samples)),
        el('td', {}, targetLabel(m.target)),
        el('td', {}, m.summary?.[0]?.name ?? ''),
        el('td', {}, open, ' ', diff),
      ),
    );
  }
  host.replaceChildren(el('h2', {}, `${profiles.length} stored profiles`), table);
}

/** Callers above, callees below the function, each a bar of its share of the function's total; the function's shares with their bands between. */
export function renderSandwich(host: HTMLElement, r: P.Callers.Result, bands: string | undefined, onPick: (name: string) => void): void {
  const list = (title: string, rows: Array<{ name: string; count: number }>) => {
    const table = el('table', {}, el('tr', {}, el('th', {}, title), el('th', { class: 'num' }, 'samples'), el('th', {}, '')));
    for (const row of rows.slice(0, 30)) {
      const share = r.function.total > 0 ? row.count / r.function.total : 0;
      const tr = el(
        'tr',
        { class: 'row' },
        el('td', {}, row.name),
        el('td', { class: 'num' }, String(row.count)),
        el('td', {}, el('span', { class: 'bar', style: `width:${Math.round(share * 120)}px` }), ` ${pct(share)}`),
      );
      tr.onclick = () => onPick(row.name);
      table.append(tr);
    }
    if (rows.length === 0) table.append(el('tr', {}, el('td', {}, '(none)')));
    return table;
  };
  host.replaceChildren(
    el('h2', {}, 'Callers and callees'),
    list('callers', r.callers),
    el('p', { id: 'sandwich-function' }, el('b', {}, r.function.name), ` self ${r.function.self}, total ${r.function.total}${bands ? `: ${bands}` : ''}`),
    list('callees', r.callees),
  );
}

function shortPath(file: string): string {
  const parts = file.split('/');
  return parts.length > 3 ? `…/${parts.slice(-3).join('/')}` : file;
}
