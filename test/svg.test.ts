// The flame graph renderer (flame-native's svg): structure of the SVG (well-formed, proportional
// widths, layout options, escaping, colours), the merge of folded stacks, and `flame svg` as a
// real process. The exact bytes are held by golden.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { CORPUS, REPO, runFlame } from './helpers.js';
import { native } from './corpus.js';

const INFERNO_RESULTS = path.join(CORPUS, 'inferno', 'collapse-perf', 'results');
const FLAMEGRAPH_RESULTS = path.join(CORPUS, 'flamegraph', 'results');

/** `flame svg FLAGS` of folded text, or of [stack, count] pairs; the SVG text. */
function render(input: string | Array<[string, number]>, flags: string[] = []): string {
  const text = typeof input === 'string' ? input : input.map(([s, n]) => `${s} ${n}\n`).join('');
  const r = native(['svg', ...flags], text);
  assert.ok(r.code === 0 || (r.code === 1 && /No stack counts/.test(r.stderr)), r.stderr);
  return r.stdout.toString();
}

// A small XML well-formedness checker: balanced tags, quoted and unique attributes, known
// entities, one root, and nothing but whitespace, comments and PIs outside it.
function checkXml(s: string): void {
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  const fail = (msg: string): never => assert.fail(`${msg} at offset ${i}: ${JSON.stringify(s.slice(i, i + 80))}`);
  const checkText = (t: string): void => {
    if (t.includes(']]>')) fail(']]> in text');
    for (const m of t.matchAll(/&([^;]*);?/g)) {
      if (!/^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);$/.test(m[0])) fail(`bad entity ${m[0]}`);
    }
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(t)) fail('control character');
  };
  while (i < s.length) {
    const lt = s.indexOf('<', i);
    const text = s.slice(i, lt < 0 ? s.length : lt);
    if (stack.length === 0 && text.trim() !== '') fail('text outside the root');
    checkText(text);
    if (lt < 0) break;
    i = lt;
    if (s.startsWith('<?', i)) {
      const e = s.indexOf('?>', i);
      if (e < 0) fail('unterminated PI');
      i = e + 2;
    } else if (s.startsWith('<!--', i)) {
      const e = s.indexOf('-->', i + 4);
      if (e < 0) fail('unterminated comment');
      if (s.slice(i + 4, e).includes('--')) fail('-- inside a comment');
      i = e + 3;
    } else if (s.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) fail('CDATA outside the root');
      const e = s.indexOf(']]>', i);
      if (e < 0) fail('unterminated CDATA');
      i = e + 3;
    } else if (s.startsWith('<!DOCTYPE', i)) {
      if (roots > 0 || stack.length > 0) fail('DOCTYPE after the root');
      i = s.indexOf('>', i) + 1;
    } else if (s.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_][\w:.-]*)\s*>/.exec(s.slice(i, i + 200));
      if (!m) fail('bad end tag');
      if (stack.pop() !== m![1]) fail(`mismatched </${m![1]}>`);
      i += m![0].length;
    } else {
      const m = /^<([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(s.slice(i, i + 100000));
      if (!m) fail('bad start tag');
      const names = [...m![2]!.matchAll(/([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)];
      const seen = new Set<string>();
      for (const a of names) {
        if (seen.has(a[1]!)) fail(`duplicate attribute ${a[1]}`);
        seen.add(a[1]!);
        checkText(a[2] ?? a[3] ?? '');
      }
      if (stack.length === 0) roots++;
      if (roots > 1) fail('a second root element');
      if (m![3] !== '/') stack.push(m![1]!);
      i += m![0].length;
    }
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1, 'one root element');
}

interface Frame {
  title: string;
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  fill: string;
  fgX: number;
  fgW: number;
  label: string;
}

function frames(svg: string): Frame[] {
  const re =
    /<g><title>([^<]*)<\/title><rect x="([\d.]+)%" y="(\d+)" width="([\d.]+)%" height="(\d+)" fill="([^"]+)" fg:x="(\d+)" fg:w="(\d+)"\/><text x="[\d.]+%" y="[\d.]+">([^<]*)<\/text><\/g>/g;
  return [...svg.matchAll(re)].map((m) => ({
    title: m[1]!,
    name: m[1]!.slice(0, m[1]!.lastIndexOf(' (')),
    x: Number(m[2]),
    y: Number(m[3]),
    width: Number(m[4]),
    height: Number(m[5]),
    fill: m[6]!,
    fgX: Number(m[7]),
    fgW: Number(m[8]),
    label: m[9]!,
  }));
}

function totalOf(svg: string): number {
  return Number(/total_samples="(\d+)"/.exec(svg)![1]);
}

function corpusFiles(): string[] {
  const inferno = readdirSync(INFERNO_RESULTS).map((f) => path.join(INFERNO_RESULTS, f));
  const fg = readdirSync(FLAMEGRAPH_RESULTS)
    .filter((f) => /-collapsed-(?:all|pid)\.txt$/.test(f))
    .map((f) => path.join(FLAMEGRAPH_RESULTS, f));
  return [...inferno, ...fg];
}

test('every corpus folding renders as well-formed XML whose frames add up', () => {
  const files = corpusFiles();
  assert.ok(files.length > 20, `corpus found at ${CORPUS}`);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const svg = render(text, ['--deterministic']);
    checkXml(svg);
    let sum = 0;
    for (const line of text.split('\n')) {
      const m = /\s(\d+)\s*$/.exec(line);
      if (m && line.trim().length > m[0].trim().length) sum += Number(m[1]);
    }
    if (sum === 0) {
      assert.match(svg, /No stack counts found/, f);
      continue;
    }
    assert.equal(totalOf(svg), sum, `${f}: the total is the sum of the counts`);
    const fs = frames(svg);
    assert.ok(fs.length > 0, f);
    assert.equal(fs.length, (svg.match(/<g>/g) ?? []).length, `${f}: every frame parsed`);
    const root = fs[0]!;
    assert.equal(root.fgW, sum);
    assert.match(root.title, /^all \([\d,]+ samples, 100%\)$/);
    for (const fr of fs) {
      // Widths are proportional to counts, and at least min-width (0.01%).
      assert.ok(Math.abs(fr.width - (100 * fr.fgW) / sum) < 0.0001, `${f}: width of ${fr.name}`);
      assert.ok(Math.abs(fr.x - (100 * fr.fgX) / sum) < 0.0001, `${f}: x of ${fr.name}`);
      assert.ok(fr.fgW >= sum * 0.0001, `${f}: ${fr.name} is wider than min-width`);
    }
    // Read from a file, in one piece, it is the same graph as from stdin.
    assert.equal(native(['svg', '--deterministic', f]).stdout.toString(), svg, `${f}: from a file`);
  }
});

test('counts per frame: merged by name, children sorted, x offsets contiguous', () => {
  const svg = render(
    [
      ['main;b;c', 3],
      ['main;a', 2],
      ['main;b', 1],
      ['main;b;c', 4],
      ['other', 10],
    ],
    ['--deterministic'],
  );
  checkXml(svg);
  const fs = frames(svg);
  const by = new Map(fs.map((f) => [f.name, f]));
  assert.equal(totalOf(svg), 20);
  assert.deepEqual(
    fs.map((f) => [f.name, f.fgX, f.fgW]),
    [
      ['all', 0, 20],
      ['main', 0, 10],
      ['a', 0, 2],
      ['b', 2, 8],
      ['c', 2, 7],
      ['other', 10, 10],
    ],
  );
  assert.match(by.get('b')!.title, /^b \(8 samples, 40\.00%\)$/);
  // Straight: deeper frames are higher up (smaller y), one frame height apart.
  assert.equal(by.get('main')!.y - by.get('b')!.y, 16);
  assert.equal(by.get('b')!.y - by.get('c')!.y, 16);
  assert.equal(by.get('c')!.height, 15);
});

test('counts are formatted with thousands separators and the count name', () => {
  const svg = render([['f', 1234567]], ['--deterministic', '--countname', 'cycles']);
  assert.match(svg, /<title>f \(1,234,567 cycles, 100\.00%\)<\/title>/);
  assert.match(svg, /<title>all \(1,234,567 cycles, 100%\)<\/title>/);
});

test('title, subtitle, notes and name type', () => {
  const svg = render([['a', 1]], ['--title', 'My <profile> & "co"', '--subtitle', 'sub', '--notes', 'a -- b-', '--nametype', 'Fn:']);
  checkXml(svg);
  assert.match(svg, /<text id="title" x="50%" y="24.00">My &lt;profile&gt; &amp; &quot;co&quot;<\/text>/);
  assert.match(svg, /<text id="subtitle" x="50%" y="48.00">sub<\/text>/);
  assert.match(svg, /<!-- NOTES: a - - b- {2}-->/);
  assert.match(svg, /"nametype":"Fn:"/);
  assert.match(render([['a', 1]]), /<text id="title"[^>]*>Flame Graph</);
  assert.match(render([['a', 1]], ['--flamechart']), /<text id="title"[^>]*>Flame Chart</);
});

test('Rust names with <, >, & and quotes are escaped in titles and labels', () => {
  const name = `<std::vec::Vec<T> as core::ops::Drop>::drop`;
  const odd = `fn<'a>(&"x")`;
  const svg = render([[`main;${name};${odd}`, 10]], ['--deterministic']);
  checkXml(svg);
  assert.ok(svg.includes(`<title>&lt;std::vec::Vec&lt;T&gt; as core::ops::Drop&gt;::drop (10 samples, 100.00%)</title>`));
  assert.ok(svg.includes(`>&lt;std::vec::Vec&lt;T&gt; as core::ops::Drop&gt;::drop</text>`), 'the full label fits at 100%');
  assert.ok(svg.includes(`<title>fn&lt;'a&gt;(&amp;&quot;x&quot;) (10 samples, 100.00%)</title>`));
  // Characters XML 1.0 forbids become U+FFFD.
  assert.ok(render([['ctl\u0001x', 1]], ['--deterministic']).includes('<title>ctl\uFFFDx (1 samples, 100.00%)</title>'));
});

test('labels are cut to the frame width with ..', () => {
  const long = 'x'.repeat(300);
  const svg = render(
    [
      [`${long}`, 1],
      ['b', 99],
    ],
    ['--deterministic'],
  );
  const f = frames(svg).find((fr) => fr.name === long)!;
  // 1% of 1180 px at 12 px × 0.59 per character fits 1 character: too few, no label.
  assert.equal(f.label, '');
  const wide = frames(
    render(
      [
        [long, 50],
        ['b', 50],
      ],
      ['--deterministic'],
    ),
  ).find((fr) => fr.name === long)!;
  assert.equal(wide.label, `${'x'.repeat(Math.floor((0.5 * 1180) / (12 * 0.59)) - 2)}..`);
});

test('min-width omits narrow frames and says so', () => {
  const stacks: [string, number][] = [
    ['big', 1_000_000],
    ['tiny', 50],
    ['big;tiny2', 150],
  ];
  const svg = render(stacks, ['--deterministic']);
  checkXml(svg);
  const names = frames(svg).map((f) => f.name);
  assert.deepEqual(names, ['all', 'big', 'tiny2']);
  assert.match(svg, /<text id="details"[^>]*>1 frame narrower than 0.01% of the total omitted<\/text>/);
  const all = render(stacks, ['--min-width', '0']);
  assert.equal(frames(all).length, 4);
  assert.match(all, /<text id="details"[^>]*> <\/text>/);
  const one = render(stacks, ['--min-width', '1']);
  assert.equal(frames(one).length, 2);
  assert.match(one, />2 frames narrower than 1% of the total omitted</);
  assert.equal(totalOf(one), 1_000_200);
});

test('inverted puts the root at the top', () => {
  const stacks: [string, number][] = [['a;b;c', 1]];
  const straight = frames(render(stacks));
  const inverted = frames(render(stacks, ['--inverted']));
  const y = (fs: Frame[]): number[] => fs.map((f) => f.y);
  // Root first in both; straight grows upwards, inverted downwards.
  assert.deepEqual(
    y(straight),
    [...y(straight)].sort((p, q) => q - p),
  );
  assert.deepEqual(
    y(inverted),
    [...y(inverted)].sort((p, q) => p - q),
  );
  assert.ok(inverted[0]!.y < inverted[3]!.y && straight[0]!.y > straight[3]!.y);
  assert.match(render(stacks, ['-i']), /"inverted":true/);
});

test('reverse merges stacks leaf first', () => {
  const fs = frames(
    render(
      [
        ['main;a;leaf', 2],
        ['main;b;leaf', 3],
      ],
      ['--reverse', '--deterministic'],
    ),
  );
  assert.deepEqual(
    fs.map((f) => [f.name, f.fgW]),
    [
      ['all', 5],
      ['leaf', 5],
      ['a', 2],
      ['main', 2],
      ['b', 3],
      ['main', 3],
    ],
  );
});

test('flamechart keeps input order and merges only neighbours', () => {
  const input: [string, number][] = [
    ['a;x', 1],
    ['b', 1],
    ['a;x', 1],
    ['a;y', 1],
  ];
  const chart = frames(render(input, ['--flamechart', '--deterministic']));
  assert.deepEqual(
    chart.map((f) => [f.name, f.fgX, f.fgW]),
    [
      ['all', 0, 4],
      ['a', 0, 1],
      ['x', 0, 1],
      ['b', 1, 1],
      ['a', 2, 2],
      ['x', 2, 1],
      ['y', 3, 1],
    ],
  );
  const graph = frames(render(input, ['--deterministic']));
  assert.deepEqual(
    graph.map((f) => [f.name, f.fgW]),
    [
      ['all', 4],
      ['a', 3],
      ['x', 2],
      ['y', 1],
      ['b', 1],
    ],
  );
});

test('deterministic output is the same byte for byte; the default is random, within the palette', () => {
  const text = readFileSync(path.join(INFERNO_RESULTS, 'java-inline-collapsed.txt'), 'utf8');
  assert.equal(render(text, ['--deterministic']), render(text, ['--deterministic']));
  assert.equal(render(text, ['--hash']), render(text, ['--hash']));
  const fills = (s: string): string =>
    frames(s)
      .map((f) => f.fill)
      .join();
  assert.notEqual(fills(render(text)), fills(render(text)));
  // Only the colours differ between random runs.
  const strip = (s: string) => s.replace(/fill="rgb\(\d+,\d+,\d+\)"/g, 'fill=""');
  assert.equal(strip(render(text)), strip(render(text, ['--deterministic'])));
  const big = render(readFileSync(path.join(INFERNO_RESULTS, 'example-perf-stacks-collapsed.txt'), 'utf8'));
  const rgbs = frames(big).map((f) => rgb(f.fill));
  assert.ok(rgbs.length > 100);
  // The hot palette: red 205–255, green 0–230, blue 0–55 (annotated frames use other palettes).
  const hot = rgbs.filter(([r, g, b]) => r! >= 205 && r! <= 255 && g! <= 230 && b! <= 55);
  assert.ok(hot.length / rgbs.length > 0.9, `${hot.length} of ${rgbs.length} fills in the hot range`);
});

const rgb = (c: string): number[] => c.slice(4, -1).split(',').map(Number);

/** The fill of a one-frame graph of `name` (frames()[1]; [0] is the root). */
function fillOf(palette: string, name: string, shade = '--deterministic'): string {
  return frames(render([[name, 1]], [shade, '--palette', palette]))[1]!.fill;
}

test('palettes: rust sets std/core/alloc apart, annotations get their conventional colours', () => {
  // rust: std/core/alloc in orange (blue 0), user crates in aqua (red ≤ 110), bare names yellow.
  for (const n of ['std::io::stdio::_print', 'core::ptr::drop_in_place', '<alloc::vec::Vec<T> as core::ops::Drop>::drop']) {
    assert.equal(rgb(fillOf('rust', n))[2], 0, n);
  }
  assert.ok(rgb(fillOf('rust', 'mycrate::work'))[0]! <= 110);
  const bare = rgb(fillOf('rust', 'main'));
  assert.ok(bare[0]! >= 175 && bare[0] === bare[1]);
  // _[k] kernel orange, _[j] jit green, _[i] inlined aqua, in the default palette too.
  assert.equal(rgb(fillOf('hot', 'do_syscall_64_[k]'))[2], 0);
  const jit = rgb(fillOf('hot', 'Interpreter_[j]'));
  assert.ok(jit[1]! >= 200 && jit[0]! <= 110);
  const inl = rgb(fillOf('hot', 'inlined_[i]'));
  assert.ok(inl[1]! >= 165 && inl[1] === inl[2]);
  // The annotation is not part of the shown name.
  const svg = render([['main;do_syscall_64_[k]', 1]], ['--deterministic']);
  assert.match(svg, /<title>do_syscall_64 \(1 samples, 100\.00%\)<\/title>/);
  assert.match(render([['a', 1]], ['--palette', 'mem']), /stop-color="#eef2ee"/);
});

test('malformed lines are skipped and counted; blank lines and comments are not malformed', () => {
  const r = native(['svg', '--deterministic'], 'a;b 3\nno count here\n\n# a comment\na;c x1\na;d 2.5\n   \n 7\na;b 1\r\n');
  assert.equal(r.code, 0);
  assert.equal(totalOf(r.stdout.toString()), 3 + 2 + 1);
  assert.equal(
    r.stderr,
    'warning: skipped 3 malformed lines (want "frame;frame COUNT"), the first: "no count here"\nwarning: fractional counts were truncated to whole numbers\n',
  );
});

test('empty input renders a valid SVG that says there were no stack counts', () => {
  const svg = render('');
  checkXml(svg);
  assert.match(svg, /No stack counts found/);
});

test('the embedded script compiles and defines the handlers', () => {
  const svg = render([['a;b', 1]]);
  const script = /<script type="text\/ecmascript"><!\[CDATA\[([\s\S]*?)\]\]><\/script>/.exec(svg)![1]!;
  assert.ok(script.includes(readFileSync(path.join(REPO, 'native', 'assets', 'svg-script.js'), 'utf8')), 'the asset, built in');
  assert.ok(svg.includes(readFileSync(path.join(REPO, 'native', 'assets', 'svg-style.css'), 'utf8')), 'the stylesheet asset, built in');
  const ctx = vm.createContext({});
  vm.runInContext(script, ctx);
  for (const f of ['init', 'fgZoom', 'fgUnzoom', 'fgDoSearch', 'fgResetSearch', 'fgFit', 'fgKeep']) assert.equal(typeof ctx[f], 'function', f);
  // fluid: no --image-width, so the graph fills the window (test/svg-browser.test.ts).
  assert.deepEqual({ ...ctx.flameCfg }, { nametype: 'Function:', fontsize: 12, fontwidth: 0.59, inverted: false, searchcolor: '#e600e6', fluid: true });
  assert.match(svg, /onload="init\(evt\)"/);
});

test('flame svg renders a corpus file; stdin works the same', async () => {
  const file = path.join(INFERNO_RESULTS, 'go-stacks-collapsed.txt');
  const fromFile = await runFlame(['svg', '--deterministic', '--title', 'go', file]);
  assert.equal(fromFile.exitCode, 0, fromFile.stderr);
  assert.equal(fromFile.stderr, '');
  checkXml(fromFile.stdout);
  assert.match(fromFile.stdout, /<text id="title"[^>]*>go</);
  const fromStdin = await runFlame(['svg', '--deterministic', '--title', 'go', '-'], { input: readFileSync(file) });
  assert.equal(fromStdin.exitCode, 0);
  assert.equal(fromStdin.stdout, fromFile.stdout);
});

test('flame svg accepts inferno spellings of its flags', async () => {
  const r = await runFlame(['svg', '--colors', 'rust', '--width', '800', '--minwidth', '0.5', '--height', '20', '--fontsize', '10', '-i'], {
    input: 'a;b 1\n',
  });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /<svg version="1.1" width="800"/);
  assert.match(r.stdout, /height="19" fill=/);
  assert.match(r.stdout, /"inverted":true/);
  assert.match(r.stdout, /font-size:10px/);
});

test('flame svg warns once about malformed lines', async () => {
  const r = await runFlame(['svg'], { input: 'a;b 1\nbad line\nalso bad x\na 2\n' });
  assert.equal(r.exitCode, 0);
  assert.equal(r.stderr, 'warning: skipped 2 malformed lines (want "frame;frame COUNT"), the first: "bad line"\n');
  assert.equal(totalOf(r.stdout), 3);
});

test('flame svg reads two counts as inferno-flamegraph does: widths from the second, red grew, blue shrank, the change in the tooltip; --negate swaps', async () => {
  const input = 'main;fib 5 9\nmain;work 20 16\nmain;idle 3 3\n';
  const r = await runFlame(['svg'], { input });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stderr, '', 'no warning: both counts are counts');
  checkXml(r.stdout);
  const by = (svg: string) => new Map(frames(svg).map((f) => [f.name, f]));
  const f = by(r.stdout);
  assert.equal(totalOf(r.stdout), 28);
  assert.equal(f.get('fib')!.title, 'fib (9 samples, 32.14%; +14.29%)');
  assert.equal(f.get('work')!.title, 'work (16 samples, 57.14%; -14.29%)');
  assert.equal(f.get('idle')!.title, 'idle (3 samples, 10.71%; 0.00%)');
  assert.equal(f.get('main')!.title, 'main (28 samples, 100.00%; 0.00%)', 'a frame its stacks pass through has no change of its own');
  // The largest change is the deepest colour; no change near-white.
  assert.equal(f.get('fib')!.fill, 'rgb(255,100,100)');
  assert.equal(f.get('work')!.fill, 'rgb(100,100,255)');
  assert.equal(f.get('idle')!.fill, 'rgb(250,250,250)');
  assert.equal(f.get('main')!.fill, 'rgb(250,250,250)');
  const half = by((await runFlame(['svg'], { input: 'main;fib 7 9\nmain;work 20 16\n' })).stdout);
  assert.equal(half.get('fib')!.fill, 'rgb(255,175,175)', 'half the largest change, half the depth');
  const neg = by((await runFlame(['svg', '--negate'], { input })).stdout);
  assert.equal(neg.get('fib')!.title, 'fib (9 samples, 32.14%; -14.29%)');
  assert.equal(neg.get('fib')!.fill, 'rgb(100,100,255)');
  assert.equal(neg.get('work')!.fill, 'rgb(255,100,100)');
  assert.equal(neg.get('fib')!.fgW, 9, '--negate keeps the widths');
  // A stack only before is 0 wide, and not drawn; one only after grew by all of it.
  const gone = by((await runFlame(['svg'], { input: 'a;gone 4 0\na;new 0 4\n' })).stdout);
  assert.equal(gone.has('gone'), false);
  assert.equal(gone.get('new')!.title, 'new (4 samples, 100.00%; +100.00%)');
});

test("flame svg's notes (# flame: lines, comments to inferno): a change within noise is grey and says so, a frame's band follows its share", async () => {
  const input = [
    'main;fib 5 9',
    '# flame: band 2 ±1.20, 3 runs',
    'main;work 20 16',
    '# flame: within-noise work',
    '# flame: within-noise idle',
    'main;idle 3 3',
    '',
  ].join('\n');
  const r = await runFlame(['svg'], { input });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stderr, '');
  const f = new Map(frames(r.stdout).map((x) => [x.name, x]));
  assert.equal(f.get('fib')!.title, 'fib (9 samples, 32.14% ±1.20, 3 runs; +14.29%)');
  assert.equal(f.get('fib')!.fill, 'rgb(255,100,100)');
  assert.equal(f.get('work')!.title, 'work (16 samples, 57.14%; -14.29%, within noise)');
  assert.equal(f.get('work')!.fill, 'rgb(220,220,220)');
  assert.equal(f.get('idle')!.fill, 'rgb(250,250,250)', 'no change is no change, noise or not');
  // The same lines to inferno-flamegraph are comments: the graph without the notes.
  const plain = new Map(frames((await runFlame(['svg'], { input: input.replace(/^# flame: .*\n/gm, '') })).stdout).map((x) => [x.name, x]));
  assert.equal(plain.get('work')!.fill, 'rgb(100,100,255)');
  const bad = await runFlame(['svg'], { input: 'a;b 3\n# flame: band 7 ±1\n# flame: shout\n' });
  assert.equal(bad.exitCode, 0);
  assert.equal(
    bad.stderr,
    'warning: skipped 2 flame notes that did not read (want "# flame: within-noise NAME" or "# flame: band DEPTH TEXT" after a stack), the first: "# flame: band 7 ±1"\n',
  );
});

test('flame svg on empty input prints the error SVG and exits 1', async () => {
  const r = await runFlame(['svg'], { input: '' });
  assert.equal(r.exitCode, 1);
  checkXml(r.stdout);
  assert.match(r.stdout, /No stack counts found/);
  assert.match(r.stderr, /^error: No stack counts found/m);
});

test('flame svg rejects bad flags and values with exit 2, and a missing file with 1', async () => {
  const bad = await runFlame(['svg', '--bogus']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /unknown option '--bogus'.*flame svg --help/);
  const pal = await runFlame(['svg', '--palette', 'neon']);
  assert.equal(pal.exitCode, 2);
  assert.match(pal.stderr, /--palette takes one of hot, mem, .*, not 'neon'/);
  const w = await runFlame(['svg', '--min-width', 'wide']);
  assert.equal(w.exitCode, 2);
  assert.match(w.stderr, /--min-width takes a number/);
  const missing = await runFlame(['svg', '/nonexistent/folded.txt']);
  assert.equal(missing.exitCode, 1);
  assert.match(missing.stderr, /cannot read \/nonexistent\/folded.txt: no such file/);
  const help = await runFlame(['svg', '--help']);
  assert.equal(help.exitCode, 0);
  assert.match(help.stdout, /--palette NAME/);
});
