// The page's wiring: connect to the daemon over the WebSocket, show the latest profile (or a
// chosen one) in the flame graph and the views, and follow the daemon's notifications live.
import { ErrorCodes } from '../../../protocol/errors.js';
import * as P from '../../../protocol/methods.js';
import { FRAME_ORIGINS, type FunctionRow, type ProfileMeta, type StackView } from '../../../protocol/types.js';
import { originCss } from './palette.js';
import { FlameGraph, type FrameInfo } from './flamegraph.js';
import { bandsText, changeText, el, pct, renderFunctions, renderHistory, renderSandwich } from './panels.js';
import { Rpc } from './rpc.js';
import { renderSource } from './source.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Frames below this share of the total are left out of the tree (narrower than a pixel). */
const params = new URLSearchParams(location.hash.slice(1));
const MIN_SHARE = Number(params.get('minShare') ?? 0.00002);

const state = {
  /** The profile shown; undefined follows the latest. */
  pinned: undefined as string | undefined,
  shown: undefined as string | undefined,
  diffBase: '' as string,
  sort: { key: 'self' as 'name' | 'self' | 'total', desc: true },
  top: undefined as P.Top.Result | undefined,
  /** The shown profile's functions by name, hottest by total first, with their bands (for the tooltip and the sandwich). */
  bands: new Map<string, FunctionRow>(),
  bandSamples: 0,
  /** While a diff is shown: its base and its function rows by name. */
  diff: undefined as { base: string; rows: Map<string, P.Diff.Result['functions'][number]> } | undefined,
  selected: undefined as string | undefined,
  profiles: [] as ProfileMeta[],
  /** What every query sees: the runtime plumbing toggle and the per-thread grouping. */
  view: { plumbing: false, threads: false } as StackView,
};

const tooltip = $('tooltip');
const graph = new FlameGraph($<HTMLCanvasElement>('flame'), {
  onZoom: (path) => {
    const crumbs = $('breadcrumb');
    crumbs.replaceChildren();
    path.forEach((f, k) => {
      if (k > 0) crumbs.append(' › ');
      const a = el('a', { 'data-index': String(f.index) }, f.name);
      a.onclick = () => graph.zoomTo(f.index);
      crumbs.append(a);
    });
    const last = path.at(-1);
    if (last && path.length > 1) {
      if (last.name !== state.selected) void select(last);
      void refine(path);
    }
  },
  onHover: (f, x, y) => {
    if (!f) {
      tooltip.style.display = 'none';
      return;
    }
    const band = state.bands.get(f.name);
    const change = state.diff?.rows.get(f.name);
    tooltip.replaceChildren(
      el('b', {}, f.name),
      el('br'),
      `this frame: self ${f.self} (${pct(f.share > 0 ? (f.self / f.total) * f.share : 0)}), total ${f.total} (${pct(f.share)})`,
      ...(band ? [el('br'), `all its frames: ${bandsText(band, state.bandSamples)}`] : []),
      ...(change ? [el('br'), `against ${state.diff!.base}: ${changeText(change)}`] : []),
      ...(f.file ? [el('br'), `${f.file}:${f.line ?? ''}`] : []),
    );
    tooltip.style.display = 'block';
    tooltip.style.left = `${Math.min(x + 14, window.innerWidth - 420)}px`;
    tooltip.style.top = `${y + 14}px`;
  },
  onContext: (f) => void select(f),
});
// For tests and the benchmark: where a frame is drawn, and the render and load times.
const timings: Array<{ profile: string; fetchMs: number; layoutAndDrawMs: number; nodes: number }> = [];
(window as unknown as { flame: unknown }).flame = { graph, state, timings };

let retries = 0;
const rpc = new Rpc(onNotification, (up) => {
  $('conn').textContent = up ? 'live' : 'disconnected; retrying (if the daemon stopped, run `flame web` again)';
  $('conn').classList.toggle('down', !up);
  if (up) retries = 0;
  // The daemon may be restarting; try again for a minute.
  else if (retries++ < 30)
    setTimeout(
      () =>
        rpc.connect().then(
          () => show(),
          () => {},
        ),
      2000,
    );
});

function setError(text: string): void {
  $('errors').textContent = text;
}

/** Load a profile (the latest unless pinned) into every view. */
async function show(): Promise<void> {
  const ref = state.pinned ?? 'latest';
  let tree: P.Tree.Result;
  const t0 = performance.now();
  try {
    tree = await rpc.request(P.Tree.type, { profile: ref, minShare: MIN_SHARE, ...state.view });
  } catch (err) {
    $('profile-id').textContent = '—';
    setError(`${(err as Error).message}\nNo profile yet? Run \`flame watch\` or \`flame record\` in the workspace; this page updates when one lands.`);
    return;
  }
  const t1 = performance.now();
  graph.setTree(tree.root);
  timings.push({ profile: tree.profile, fetchMs: t1 - t0, layoutAndDrawMs: performance.now() - t1, nodes: graph.nodeCount });
  state.shown = tree.profile;
  $('profile-id').textContent = tree.profile;
  runSearch();
  // The time comes from the history, which a profile that just landed is only in once refreshed.
  await Promise.all([loadFunctions(), loadBands(), loadDiff(), loadHistory()]).finally(() => {
    const meta = state.profiles.find((m) => m.id === tree.profile);
    $('profile-meta').textContent =
      `${tree.samples} ${tree.unit}${meta ? `, ${new Date(meta.createdAt).toLocaleTimeString()}` : ''}${state.pinned ? ' (pinned; open the latest in History)' : ''}`;
  });
}

async function loadFunctions(): Promise<void> {
  state.top = await rpc.request(P.Top.type, { profile: state.shown, limit: 500, ...state.view });
  drawFunctions();
}

/** The bands of the functions a frame may belong to: the 2,000 widest by total cover every frame wide enough to hover. */
async function loadBands(): Promise<void> {
  const profile = state.shown;
  const top = await rpc.request(P.Top.type, { profile, sortBy: 'total', limit: 2000, ...state.view });
  if (state.shown !== profile) return;
  state.bands = new Map(top.functions.map((f) => [f.name, f]));
  state.bandSamples = top.samples;
}

function drawFunctions(): void {
  if (!state.top) return;
  renderFunctions(
    $('functions'),
    state.top,
    state.sort,
    (s) => {
      state.sort = s;
      drawFunctions();
    },
    (name) => {
      const box = graph.frameBox(name);
      if (box) graph.zoomTo(box.index);
      else void select({ index: -1, name, self: 0, total: 0, share: 0, ...fileOf(name) });
      setTab('graph');
    },
  );
}

function fileOf(name: string): { file?: string } {
  const f = state.top?.functions.find((r) => r.name === name);
  return f?.file ? { file: f.file } : {};
}

async function loadHistory(): Promise<void> {
  state.profiles = (await rpc.request(P.ProfileList.type, {})).profiles;
  renderHistory(
    $('history'),
    state.profiles,
    state.shown,
    (id) => {
      state.pinned = id === state.profiles.at(-1)?.id ? undefined : id;
      setTab('graph');
      void show();
    },
    (id) => {
      setDiffBase(id);
      setTab('graph');
    },
  );
  const sel = $<HTMLSelectElement>('diff-base');
  const keep = sel.value;
  sel.replaceChildren(
    el('option', { value: '' }, '(none)'),
    el('option', { value: 'previous' }, 'previous profile'),
    ...[...state.profiles]
      .reverse()
      .filter((m) => m.id !== state.shown)
      .map((m) => el('option', { value: m.id }, m.id)),
  );
  sel.value = state.diffBase || keep;
}

function setDiffBase(id: string): void {
  state.diffBase = id;
  $<HTMLSelectElement>('diff-base').value = id;
  void loadDiff();
}

/** The palest tint of a real change (of -1..1): 3 of the palette's 10 steps. */
const MIN_TINT = 0.3;

/**
 * Colour frames by their function's change against the base, only where the daemon calls the
 * change real (profile/diff's change: the total share's verdict, else the self share's): red
 * grew, blue shrank, deeper for larger changes, normalised to the largest real one; a change
 * within noise stays grey.
 */
async function loadDiff(): Promise<void> {
  if (!state.diffBase || !state.shown) {
    graph.setDiff(undefined);
    state.diff = undefined;
    $('diff-info').textContent = '';
    return;
  }
  try {
    const base = state.diffBase === 'previous' ? undefined : state.diffBase;
    const d = await rpc.request(P.Diff.type, { current: state.shown, ...(base ? { base } : {}), limit: 5000, ...state.view });
    const real = (f: (typeof d.functions)[number]) => (f.change.total.significant ? f.deltaTotalShare : f.change.self.significant ? f.deltaSelfShare : 0);
    let max = 0;
    for (const f of d.functions) max = Math.max(max, Math.abs(real(f)));
    const map = new Map<string, number>();
    // A real change, however small beside the largest, is never painted as pale as grey.
    for (const f of d.functions) map.set(f.name, max > 0 && real(f) !== 0 ? Math.sign(real(f)) * Math.max(MIN_TINT, Math.abs(real(f)) / max) : 0);
    graph.setDiff(map);
    state.diff = { base: d.base.id, rows: new Map(d.functions.map((f) => [f.name, f])) };
    const moved = d.functions.filter((f) => real(f) !== 0);
    const top = moved[0];
    $('diff-info').textContent =
      `${d.base.id} → ${d.current.id}: red grew, blue shrank beyond noise (${moved.length} of ${d.functions.length} functions); grey within noise` +
      (top ? `; most changed ${top.name} ${top.deltaSelfShare > 0 ? '+' : ''}${pct(top.deltaSelfShare)} self` : '');
  } catch (err) {
    graph.setDiff(undefined);
    state.diff = undefined;
    $('diff-info').textContent = (err as Error).message;
  }
}

/** Zoomed into a frame whose small children were pruned: fetch its subtree at the same minShare. */
const refined = new Set<string>();
async function refine(path: FrameInfo[]): Promise<void> {
  const last = path.at(-1)!;
  const key = `${state.shown} ${path.map((f) => f.name).join('\u0000')}`;
  if (!graph.pruned(last.index) || refined.has(key)) return;
  refined.add(key);
  const profile = state.shown;
  const sub = await rpc.request(P.Tree.type, { profile, path: path.slice(1).map((f) => f.name), minShare: MIN_SHARE, ...state.view }).catch(() => undefined);
  if (sub && state.shown === profile && sub.profile === profile) graph.graft(last.index, sub.root);
}

/** Open a function in the sandwich and its file in the source panel. */
async function select(f: FrameInfo): Promise<void> {
  state.selected = f.name;
  const profile = state.shown;
  const [callers, lines] = await Promise.all([
    rpc.request(P.Callers.type, { profile, function: f.name, ...state.view }).catch(() => undefined),
    f.file ? rpc.request(P.Lines.type, { profile, file: f.file, limit: 100000, ...state.view }) : Promise.resolve(undefined),
  ]);
  if (state.selected !== f.name) return;
  const band = state.bands.get(f.name);
  if (callers)
    renderSandwich($('sandwich'), callers, band && bandsText(band, state.bandSamples), (name) => {
      const box = graph.frameBox(name);
      if (box) graph.zoomTo(box.index);
    });
  if (f.file && lines) await renderSource($('source'), f.file, lines, f.line);
  else $('source').replaceChildren(el('h2', {}, 'Source'), el('p', {}, `${f.name} has no source location in the debug info.`));
}

function runSearch(): void {
  const text = $<HTMLInputElement>('search').value;
  let re: RegExp | undefined;
  try {
    re = text ? new RegExp(text) : undefined;
    $('search').style.background = '';
  } catch {
    $('search').style.background = '#ffd0d0';
  }
  const share = graph.search(re);
  $('search-share').textContent = re ? `matched ${pct(share)}` : '';
  $('search-share').dataset.share = String(share);
}

function setTab(name: string): void {
  for (const t of ['graph', 'functions', 'history']) $(`tab-${t}`).hidden = t !== name;
  for (const b of document.querySelectorAll<HTMLButtonElement>('.tabs button')) b.classList.toggle('active', b.dataset.tab === name);
  if (name === 'graph') graph.draw();
}

const busy = (text: string) => {
  $('state').textContent = text;
  $('state').classList.toggle('busy', text !== 'idle');
};

/** Sessions whose last build failed: their stale progress until the next build must not hide that. */
const failedBuild = new Set<string>();

function onNotification(n: P.DaemonNotification): void {
  const sid = n.params.sessionId;
  const stale = sid !== undefined && failedBuild.has(sid);
  switch (n.method) {
    case P.BuildStarted.method:
      if (sid !== undefined) failedBuild.delete(sid);
      busy(`building ${n.params.target}…`);
      return;
    case P.BuildFinished.method: {
      const p = n.params;
      if (!p.ok) failedBuild.add(p.sessionId);
      busy(p.ok ? 'built' : 'build failed');
      setError(p.ok ? '' : `build failed; showing the last good profile\n\n${p.errors.map((e) => e.rendered || e.message).join('\n') || (p.message ?? '')}`);
      return;
    }
    case P.RecordStarted.method:
      if (!stale) busy('recording…');
      return;
    case P.RecordFinished.method:
      if (!stale) busy('analysing…');
      return;
    case P.Progress.method:
      if (!stale) busy(`${n.params.stage}: ${n.params.message}`);
      return;
    case P.SessionError.method: {
      const p = n.params;
      // A failed build also ends its run with an error; build/finished already showed the compiler's errors.
      if (p.code === ErrorCodes.BuildFailed || stale) return;
      busy('run failed');
      setError(p.message);
      return;
    }
    case P.ProfileReady.method:
      if (!stale) {
        busy('idle');
        setError('');
      }
      if (!state.pinned) void show();
      else void loadHistory();
      return;
  }
}

$('search').addEventListener('input', runSearch);
$<HTMLSelectElement>('orientation').addEventListener('change', (e) => graph.setOrientation((e.target as HTMLSelectElement).value as 'flame' | 'icicle'));
$<HTMLSelectElement>('diff-base').addEventListener('change', (e) => setDiffBase((e.target as HTMLSelectElement).value));
for (const b of document.querySelectorAll<HTMLButtonElement>('.tabs button')) b.onclick = () => setTab(b.dataset.tab!);
for (const k of ['plumbing', 'threads'] as const)
  $<HTMLInputElement>(k).addEventListener('change', (e) => {
    state.view[k] = (e.target as HTMLInputElement).checked;
    refined.clear();
    void show();
  });
// The legend of the frames' colours: where each frame's code comes from (profile/tree's origin).
$('legend').replaceChildren(...FRAME_ORIGINS.map((o) => el('span', { 'data-origin': o }, el('i', { style: `background:${originCss(o)}` }), o)));

rpc.connect().then(
  () => show(),
  (err: Error) => setError(err.message),
);
