// Frame colours: the palettes flame graph users know by name (hot, mem, io, java, rust...), and
// the three ways to pick a shade within one: at random, by a stable hash, or by name similarity.

import { PALETTES, type PaletteName } from '../../protocol/types.js';

// The names are the protocol's (validation needs them); the colours are the renderer's.
export { PALETTES, type PaletteName };

/** How a shade is chosen: `random` per frame (inferno's default), `deterministic` by a hash of the name, `hash` so similar names look similar. */
export type ShadeMode = 'random' | 'deterministic' | 'hash';

export function isPalette(s: string): s is PaletteName {
  return (PALETTES as readonly string[]).includes(s);
}

type Basic = 'hot' | 'mem' | 'io' | 'red' | 'green' | 'blue' | 'aqua' | 'yellow' | 'purple' | 'orange';

// Each channel is base + span × one of the three shade values (index 0..2).
type Channel = readonly [base: number, span: number, v: 0 | 1 | 2];
const SHADES: Record<Basic, readonly [Channel, Channel, Channel]> = {
  hot: [[205, 50, 2], [0, 230, 0], [0, 55, 1]],
  mem: [[0, 0, 2], [190, 50, 1], [0, 210, 0]],
  io: [[80, 60, 0], [80, 60, 0], [190, 55, 1]],
  red: [[200, 55, 0], [50, 80, 0], [50, 80, 0]],
  green: [[50, 60, 0], [200, 55, 0], [50, 60, 0]],
  blue: [[80, 60, 0], [80, 60, 0], [205, 50, 0]],
  aqua: [[50, 60, 0], [165, 55, 0], [165, 55, 0]],
  yellow: [[175, 55, 0], [175, 55, 0], [50, 20, 0]],
  purple: [[190, 65, 0], [80, 60, 0], [190, 65, 0]],
  orange: [[190, 65, 0], [90, 65, 0], [0, 0, 0]],
};

/** The background gradient (top, bottom) that goes with a palette. */
export function backgroundFor(palette: PaletteName): [string, string] {
  switch (palette) {
    case 'mem':
      return ['#eef2ee', '#e0ffe0'];
    case 'io':
    case 'wakeup':
      return ['#eeeeee', '#e0e0ff'];
    case 'hot':
    case 'java':
    case 'js':
    case 'perl':
    case 'rust':
      return ['#eeeeee', '#eeeeb0'];
    default:
      return ['#f8f8f8', '#e8e8e8'];
  }
}

/** The fill for a frame named `name` (the raw name, with any `_[k]`-style annotation), as rgb(r,g,b). */
export function frameColor(palette: PaletteName, name: string, mode: ShadeMode): string {
  const c = frameRgb(palette, name, mode);
  return `rgb(${c >>> 16},${(c >>> 8) & 255},${c & 255})`;
}

/** The same colour packed as 0xRRGGBB, for writers that format it themselves. */
export function frameRgb(palette: PaletteName, name: string, mode: ShadeMode): number {
  // "-" separates stacks (e.g. waker and wakee) and "--" marks an unknown gap: greys by convention.
  if (name === '--') return 0xa0a0a0;
  if (name === '-') return 0xc8c8c8;
  let v0: number, v1: number, v2: number;
  if (mode === 'random') {
    v0 = Math.random();
    v1 = Math.random();
    v2 = Math.random();
  } else if (mode === 'deterministic') {
    const h = fnv1a(name);
    v0 = unit(mix(h, 0x9e3779b9));
    v1 = unit(mix(h, 0x85ebca6b));
    v2 = unit(mix(h, 0xc2b2ae35));
  } else {
    v0 = similarity(name, false);
    v1 = similarity(name, true);
    v2 = v1;
  }
  const ch = SHADES[basicFor(palette, name)];
  const v = [v0, v1, v2] as const;
  const r = Math.trunc(ch[0][0] + ch[0][1] * v[ch[0][2]]);
  const g = Math.trunc(ch[1][0] + ch[1][1] * v[ch[1][2]]);
  const b = Math.trunc(ch[2][0] + ch[2][1] * v[ch[2][2]]);
  return (r << 16) | (g << 8) | b;
}

/** The annotation of a frame, as the folders write it: `_[k]` kernel, `_[j]` jit, `_[i]` inlined. */
export function annotation(name: string): 'k' | 'j' | 'i' | 'w' | undefined {
  const n = name.length;
  if (n < 4 || name.charCodeAt(n - 1) !== 93 || name.charCodeAt(n - 4) !== 95 || name.charCodeAt(n - 3) !== 91) return undefined;
  const a = name[n - 2];
  return a === 'k' || a === 'j' || a === 'i' || a === 'w' ? a : undefined;
}

/** The name as shown: without its `_[k]`-style annotation. */
export function displayName(name: string): string {
  return annotation(name) === undefined ? name : name.slice(0, -4);
}

function basicFor(palette: PaletteName, name: string): Basic {
  switch (palette) {
    case 'hot':
    case 'java':
    case 'perl':
    case 'rust': {
      // Kernel, jit and inlined frames get their conventional colours whatever the language.
      const a = annotation(name);
      if (a === 'k') return 'orange';
      if (a === 'j') return 'green';
      if (a === 'i') return 'aqua';
      if (palette === 'hot') return 'hot';
      if (palette === 'java') return javaFor(name);
      if (palette === 'perl') return name.includes('Perl') || name.includes('.pl') ? 'green' : name.includes('::') ? 'yellow' : 'red';
      return rustFor(name);
    }
    case 'js':
      return jsFor(name);
    case 'wakeup':
      return 'aqua';
    default:
      return palette;
  }
}

function javaFor(name: string): Basic {
  if (name.includes('::') || name.startsWith('-[') || name.startsWith('+[')) return 'yellow';
  const n = name.startsWith('L') ? name.slice(1) : name;
  const c = n.charCodeAt(0);
  if (n.includes('/') || (n.includes('.') && !n.startsWith('[')) || (c >= 65 && c <= 90)) return 'green';
  return 'red';
}

function jsFor(name: string): Basic {
  if (name.length > 0 && name.trim().length === 0) return 'green';
  const a = annotation(name);
  if (a === 'k') return 'orange';
  if (a === 'j') return name.includes('/') ? 'green' : 'aqua';
  if (a === 'i') return 'aqua';
  if (name.includes('::')) return 'yellow';
  if (name.includes(':')) return 'aqua';
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const path = name.slice(slash);
    if (path.includes('node_modules/')) return 'purple';
    if (path.includes('.js')) return 'green';
  }
  return 'red';
}

/** Rust's own library frames (std, core, alloc) apart from the user's crates. */
function rustFor(name: string): Basic {
  // Some folders prefix the module: `libfoo.so`std::...
  const tick = name.indexOf('`');
  const n = tick >= 0 ? name.slice(tick + 1) : name;
  if (/^<?(?:std|core|alloc)::/.test(n)) return 'orange';
  if (n.includes('::')) return 'aqua';
  return 'yellow';
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// A murmur-style finaliser with a seed, so one hash yields three independent shade values.
function mix(h: number, seed: number): number {
  h = Math.imul(h ^ seed, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function unit(h: number): number {
  return h / 4294967296;
}

// The first characters weigh most, so `foo_read` and `foo_write` get neighbouring shades.
function similarity(name: string, fromEnd: boolean): number {
  let acc = 0;
  let total = 0;
  let w = 1;
  const n = Math.min(name.length, 8);
  for (let k = 0; k < n; k++) {
    const c = name.charCodeAt(fromEnd ? name.length - 1 - k : k);
    const m = 11 + k;
    acc += ((c % m) / (m - 1)) * w;
    total += w;
    w *= 0.65;
  }
  return total === 0 ? 0.5 : 1 - acc / (total + 1);
}
