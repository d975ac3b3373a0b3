// The flame graph on one canvas: the call tree flattened into typed arrays in pre-order, so
// drawing walks only the visible frames and skips whole subtrees narrower than a pixel — no DOM
// node per frame, smooth at hundreds of thousands of frames.
import type { TreeNode } from '../../../protocol/methods.js';
import { flatten } from './layout.js';
import type { FrameOrigin } from '../../../protocol/types.js';
import { BUCKETS, DIFF_HALF, DIFF_STEPS, HOVER, MATCH, PALETTE, WARM, warmBucket } from './palette.js';

export type Orientation = 'flame' | 'icicle';

export interface FrameInfo {
  index: number;
  name: string;
  self: number;
  total: number;
  /** Share of the whole profile (0..1). */
  share: number;
  file?: string;
  line?: number;
}

export interface FlameCallbacks {
  onZoom(path: FrameInfo[]): void;
  onHover(frame: FrameInfo | undefined, clientX: number, clientY: number): void;
  onContext(frame: FrameInfo): void;
}

const ROW = 18;
/** Frames narrower than this many CSS pixels are not drawn, nor anything under them. */
const MIN_WIDTH = 0.5;
const ZOOM_FRAMES = 10;

export class FlameGraph {
  private names: string[] = [];
  private nameOf = new Int32Array(0);
  /** The answer's node objects by index, so a refined subtree can be grafted in. */
  private nodes: TreeNode[] = [];
  private rootNode?: TreeNode;
  private depth = new Uint16Array(0);
  private start = new Float64Array(0);
  private total = new Float64Array(0);
  private self = new Float64Array(0);
  private end = new Int32Array(0);
  private parent = new Int32Array(0);
  private files: Array<string | undefined> = [];
  private lines: Array<number | undefined> = [];
  private nameBucket = new Uint8Array(0);
  private visible = new Int32Array(0);
  private visX = new Float32Array(0);
  private visW = new Float32Array(0);
  private visBucket = new Uint8Array(0);
  private order = new Int32Array(0);
  private matched = new Uint8Array(0);
  private maxDepth = 0;
  private zoomed = 0;
  /** The visible range in samples: what animation interpolates. */
  private view = { x0: 0, w: 1 };
  private anim?: number;
  private readonly ctx: CanvasRenderingContext2D;
  private charWidth = 0;
  private hovered = -1;
  orientation: Orientation = 'flame';
  /** Per-name change (-1..1, normalised) when showing a diff; frames are then red/blue. */
  private diff?: Map<string, number>;
  /** Render times of the last frames drawn, in ms (for the benchmark). */
  readonly frameTimes: number[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly cb: FlameCallbacks,
  ) {
    this.ctx = canvas.getContext('2d', { alpha: false })!;
    canvas.addEventListener('mousemove', (e) => {
      const i = this.hit(e.offsetX, e.offsetY);
      if (i !== this.hovered) {
        this.hovered = i;
        this.draw();
      }
      this.cb.onHover(i >= 0 ? this.info(i) : undefined, e.clientX, e.clientY);
    });
    canvas.addEventListener('mouseleave', () => {
      this.hovered = -1;
      this.cb.onHover(undefined, 0, 0);
      this.draw();
    });
    canvas.addEventListener('click', (e) => {
      const i = this.hit(e.offsetX, e.offsetY);
      if (i >= 0) this.zoomTo(i);
    });
    canvas.addEventListener('contextmenu', (e) => {
      const i = this.hit(e.offsetX, e.offsetY);
      if (i < 0) return;
      e.preventDefault();
      this.cb.onContext(this.info(i));
    });
    new ResizeObserver(() => this.draw()).observe(canvas.parentElement ?? canvas);
  }

  get nodeCount(): number {
    return this.nameOf.length;
  }

  /** Replace the tree; keeps the zoom on the same frame path when it still exists. */
  setTree(root: TreeNode): void {
    const keep = this.zoomed > 0 ? this.pathNames(this.zoomed) : [];
    Object.assign(this, flatten(root));
    this.matched = new Uint8Array(this.nameOf.length);
    this.rootNode = root;
    const origins: Array<FrameOrigin | undefined> = [];
    this.nodes.forEach((n, i) => (origins[this.nameOf[i]!] ??= n.origin));
    this.nameBucket = Uint8Array.from(this.names, (name, id) => warmBucket(name, origins[id]));
    this.canvas.style.height = `${(this.maxDepth + 1) * ROW}px`;
    this.zoomed = this.findPath(keep);
    this.view = { x0: this.start[this.zoomed]!, w: Math.max(1, this.total[this.zoomed]!) };
    if (this.searchRe) this.search(this.searchRe);
    this.draw();
    this.cb.onZoom(this.zoomPath());
  }

  /** True when frames under i were left out of the answer (minShare) and may be fetched. */
  pruned(i: number): boolean {
    const node = this.nodes[i];
    if (!node) return false;
    let sum = node.self;
    for (const c of node.children) sum += c.total;
    return sum < node.total;
  }

  /** Replace frame i's children with a finer answer for its subtree (same counts, more frames). */
  graft(i: number, sub: TreeNode): void {
    const node = this.nodes[i];
    if (!node || !this.rootNode || sub.total !== node.total) return;
    node.children = sub.children;
    this.setTree(this.rootNode);
  }

  setOrientation(o: Orientation): void {
    this.orientation = o;
    this.draw();
  }

  setDiff(diff: Map<string, number> | undefined): void {
    this.diff = diff;
    this.draw();
  }

  private searchRe?: RegExp;
  /** Highlight frames whose name matches; returns the share of samples under a match. */
  search(re: RegExp | undefined): number {
    this.searchRe = re;
    this.matched.fill(0);
    if (!re || this.nodeCount === 0) {
      this.draw();
      return 0;
    }
    const nameMatch = this.names.map((s) => re.test(s));
    let sum = 0;
    let coveredUntil = 0;
    for (let i = 0; i < this.nodeCount; i++) {
      if (!nameMatch[this.nameOf[i]!]) continue;
      this.matched[i] = 1;
      // Count a sample once even when a match sits under another match (recursion).
      if (i >= coveredUntil) {
        sum += this.total[i]!;
        coveredUntil = this.end[i]!;
      }
    }
    this.draw();
    return this.total[0]! > 0 ? sum / this.total[0]! : 0;
  }

  /** Zoom to a frame, animating the view; the breadcrumb follows through onZoom. */
  zoomTo(i: number, opts: { animate?: boolean } = {}): void {
    if (i < 0 || i >= this.nodeCount) return;
    this.zoomed = i;
    this.cb.onZoom(this.zoomPath());
    const from = { ...this.view };
    const to = { x0: this.start[i]!, w: Math.max(1, this.total[i]!) };
    if (this.anim !== undefined) cancelAnimationFrame(this.anim);
    if (opts.animate === false) {
      this.view = to;
      this.draw();
      return;
    }
    let f = 0;
    const step = () => {
      f++;
      const t = f / ZOOM_FRAMES;
      const e = 1 - (1 - t) * (1 - t);
      this.view = { x0: from.x0 + (to.x0 - from.x0) * e, w: from.w + (to.w - from.w) * e };
      this.draw();
      this.anim = f < ZOOM_FRAMES ? requestAnimationFrame(step) : undefined;
    };
    this.anim = requestAnimationFrame(step);
  }

  zoomPath(): FrameInfo[] {
    const out: FrameInfo[] = [];
    for (let i = this.zoomed; i >= 0; i = this.parent[i]!) out.unshift(this.info(i));
    return out;
  }

  info(i: number): FrameInfo {
    const f: FrameInfo = {
      index: i,
      name: this.names[this.nameOf[i]!]!,
      self: this.self[i]!,
      total: this.total[i]!,
      share: this.total[0]! > 0 ? this.total[i]! / this.total[0]! : 0,
    };
    if (this.files[i] !== undefined) f.file = this.files[i];
    if (this.lines[i] !== undefined) f.line = this.lines[i];
    return f;
  }

  /** The widest drawn frame with this name, in canvas CSS pixels (for tests and links). */
  frameBox(name: string): { x: number; y: number; w: number; h: number; index: number } | undefined {
    let best = -1;
    for (let i = 0; i < this.nodeCount; i++) if (this.names[this.nameOf[i]!] === name && (best < 0 || this.total[i]! > this.total[best]!)) best = i;
    if (best < 0) return undefined;
    const W = this.canvas.clientWidth;
    const scale = W / this.view.w;
    return { x: (this.start[best]! - this.view.x0) * scale, y: this.rowY(this.depth[best]!), w: this.total[best]! * scale, h: ROW - 1, index: best };
  }

  private rowY(depth: number): number {
    return this.orientation === 'icicle' ? depth * ROW : (this.maxDepth - depth) * ROW;
  }

  private hit(x: number, y: number): number {
    if (this.nodeCount === 0) return -1;
    const depth = this.orientation === 'icicle' ? Math.floor(y / ROW) : this.maxDepth - Math.floor(y / ROW);
    const scale = this.canvas.clientWidth / this.view.w;
    const sx = this.view.x0 + x / scale;
    let i = 0;
    if (sx < this.start[0]! || sx >= this.start[0]! + this.total[0]!) return -1;
    while (this.depth[i]! < depth) {
      // Find the child of i that contains sx.
      let c = i + 1;
      let found = -1;
      while (c < this.end[i]!) {
        if (sx >= this.start[c]! && sx < this.start[c]! + this.total[c]!) {
          found = c;
          break;
        }
        c = this.end[c]!;
      }
      if (found < 0) return -1;
      i = found;
    }
    return this.depth[i] === depth ? i : -1;
  }

  private findPath(names: string[]): number {
    let i = 0;
    for (const name of names.slice(1)) {
      let c = i + 1;
      let found = -1;
      while (c < this.end[i]!) {
        if (this.names[this.nameOf[c]!] === name) {
          found = c;
          break;
        }
        c = this.end[c]!;
      }
      if (found < 0) return i;
      i = found;
    }
    return i;
  }

  private pathNames(i: number): string[] {
    const out: string[] = [];
    for (let j = i; j >= 0; j = this.parent[j]!) out.unshift(this.names[this.nameOf[j]!]!);
    return out;
  }

  /** Draw the current view; returns the time it took in ms. */
  draw(): number {
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const W = this.canvas.clientWidth;
    const H = (this.maxDepth + 1) * ROW;
    if (this.canvas.width !== Math.round(W * dpr) || this.canvas.height !== Math.round(H * dpr)) {
      this.canvas.width = Math.round(W * dpr);
      this.canvas.height = Math.round(H * dpr);
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, H);
    const n = this.nodeCount;
    if (n === 0) return 0;
    if (this.visible.length < n) {
      this.visible = new Int32Array(n);
      this.visX = new Float32Array(n);
      this.visW = new Float32Array(n);
      this.visBucket = new Uint8Array(n);
    }
    const scale = W / this.view.w;
    const x0 = this.view.x0;
    const zd = this.depth[this.zoomed]!;
    // Pass 1: the visible frames, each with its colour bucket.
    const counts = new Int32Array(BUCKETS + 1);
    let m = 0;
    for (let i = 0; i < n;) {
      const pw = this.total[i]! * scale;
      let px = (this.start[i]! - x0) * scale;
      if (pw < MIN_WIDTH || px >= W || px + pw <= 0) {
        i = this.end[i]!;
        continue;
      }
      let w = pw;
      if (px < 0) {
        w += px;
        px = 0;
      }
      if (px + w > W) w = W - px;
      const b = this.bucket(i, this.depth[i]! < zd);
      this.visible[m] = i;
      this.visX[m] = px;
      this.visW[m] = w;
      this.visBucket[m] = b;
      counts[b + 1]!++;
      m++;
      i++;
    }
    // Pass 2: one path and one fill per colour, not one fillStyle per frame.
    for (let b = 1; b <= BUCKETS; b++) counts[b]! += counts[b - 1]!;
    const order = this.order.length >= m ? this.order : (this.order = new Int32Array(n));
    const next = counts.slice(0, BUCKETS);
    for (let k = 0; k < m; k++) order[next[this.visBucket[k]!]!++] = k;
    for (let b = 0; b < BUCKETS; b++) {
      if (counts[b + 1] === counts[b]) continue;
      ctx.fillStyle = PALETTE[b]!;
      ctx.beginPath();
      for (let o = counts[b]!; o < counts[b + 1]!; o++) {
        const k = order[o]!;
        ctx.rect(this.visX[k]!, this.rowY(this.depth[this.visible[k]!]!), Math.max(this.visW[k]! - 0.5, 0.5), ROW - 1);
      }
      ctx.fill();
    }
    // Pass 3: labels where they fit.
    ctx.font = '12px ui-monospace, monospace';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#000000';
    if (this.charWidth === 0) this.charWidth = ctx.measureText('mmmmmmmmmm').width / 10;
    const minLabel = this.charWidth * 3;
    for (let k = 0; k < m; k++) {
      const w = this.visW[k]!;
      if (w <= minLabel) continue;
      const i = this.visible[k]!;
      const name = this.names[this.nameOf[i]!]!;
      const fit = Math.floor((w - 6) / this.charWidth);
      ctx.fillText(name.length <= fit ? name : `${name.slice(0, Math.max(fit - 1, 1))}…`, this.visX[k]! + 3, this.rowY(this.depth[i]!) + ROW / 2);
    }
    const ms = performance.now() - t0;
    this.frameTimes.push(ms);
    if (this.frameTimes.length > 5000) this.frameTimes.splice(0, 2500);
    return ms;
  }

  private bucket(i: number, ancestor: boolean): number {
    if (i === this.hovered) return HOVER;
    if (this.matched[i]) return MATCH;
    let b: number;
    if (this.diff) {
      const d = this.diff.get(this.names[this.nameOf[i]!]!) ?? 0;
      b = WARM * 2 + Math.round(Math.max(-1, Math.min(1, d)) * DIFF_HALF) + DIFF_HALF;
      return ancestor ? b + DIFF_STEPS : b;
    }
    b = this.nameBucket[this.nameOf[i]!]!;
    return ancestor ? b + WARM : b;
  }
}
