// The peers' habits: every flag of their own --help (cargo-flamegraph and flamegraph 0.6 on
// `flame record` and `flame exec`, inferno-flamegraph and inferno-collapse-perf 0.12 on
// `flame svg` and `flame fold`; `cargo install flamegraph inferno`) is accepted or refused with a
// reason; the accepted ones mean what they mean there, on a real recording of the fixture and
// beside inferno's own output; completion scripts load in bash, zsh and fish.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REFUSED } from '../clients/cli/peer-flags.js';
import { buildHotspots, FIXTURES, FLAME_SH, runCmd, runFlame, scratch } from './helpers.js';

const MANIFEST = path.join(FIXTURES, 'hotspots', 'Cargo.toml');
const CARGO_BIN = path.join(process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo'), 'bin');
let dir: string;

before(async () => {
  dir = scratch('flame-peer-');
  await buildHotspots();
});

interface PeerFlag {
  short?: string;
  long: string;
  takesValue: boolean;
}

/** The flags of a clap --help text: `  -b, --bin <BIN>`, `      --root [<SUDO FLAGS>]`. */
function peerFlags(help: string): PeerFlag[] {
  const out: PeerFlag[] = [];
  for (const m of help.matchAll(/^\s+(?:-([A-Za-z]), )?--([a-z][a-z-]*)( [<[])?/gm)) {
    if (m[2] === 'help' || m[2] === 'version') continue;
    out.push({ ...(m[1] ? { short: m[1] } : {}), long: m[2]!, takesValue: !!m[3] });
  }
  return out;
}

async function peerHelp(tool: string, args: string[]): Promise<string> {
  const r = await runCmd(path.join(CARGO_BIN, tool), [...args, '--help']);
  assert.equal(r.exitCode, 0, `${tool} --help: ${r.stderr} (install the peers with \`cargo install flamegraph\`)`);
  return r.stdout;
}

for (const [verb, tool, args] of [
  ['record', 'cargo-flamegraph', ['flamegraph']],
  ['exec', 'flamegraph', []],
] as const) {
  test(`flame ${verb} takes every flag of \`${tool} --help\`, or refuses it with the reason`, async () => {
    const flags = peerFlags(await peerHelp(tool, [...args]));
    assert.ok(flags.length > 20, `read ${flags.length} flags`);
    for (const f of flags) {
      for (const spelling of [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])]) {
        const given = f.takesValue ? [spelling, 'x'] : [spelling];
        if (Object.hasOwn(REFUSED, f.long)) {
          const r = await runFlame([verb, ...given], { cwd: dir });
          assert.equal(r.exitCode, 2, `${spelling}: ${r.stderr}`);
          assert.match(r.stderr, new RegExp(`^error: --${f.long} \\(cargo flamegraph's\\) is not supported: .{40,}`), `${spelling}: ${r.stderr}`);
        } else {
          // Parsed (--help answers after the flags are read, before their values are judged).
          const r = await runFlame([verb, ...given, '--help'], { cwd: dir });
          assert.equal(r.exitCode, 0, `flame ${verb} ${given.join(' ')}: ${r.stderr}`);
        }
      }
    }
  });
}

/** inferno's options flame-native refuses, with the reason (native/src/svg_cmd.rs). */
const SVG_REFUSED = new Set(['cp', 'colordiffusion', 'nameattr']);

for (const [verb, tool] of [
  ['svg', 'inferno-flamegraph'],
  ['fold', 'inferno-collapse-perf'],
] as const) {
  test(`flame ${verb} takes every flag of \`${tool} --help\`, or refuses it with the reason`, async () => {
    const flags = peerFlags(await peerHelp(tool, []));
    assert.ok(flags.length > 8, `read ${flags.length} flags`);
    for (const f of flags) {
      for (const spelling of [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])]) {
        const given = f.takesValue ? [spelling, 'x'] : [spelling];
        if (verb === 'svg' && SVG_REFUSED.has(f.long)) {
          const r = await runCmd(FLAME_SH, [verb, ...given, path.join(dir, 'none.folded')]);
          assert.equal(r.exitCode, 2, `${spelling}: ${r.stderr}`);
          assert.match(r.stderr, new RegExp(`^error: --${f.long} \\(inferno-flamegraph's\\) is not supported: .{40,}`), `${spelling}: ${r.stderr}`);
        } else {
          const r = await runCmd(FLAME_SH, [verb, ...given, '--help']);
          assert.equal(r.exitCode, 0, `flame ${verb} ${given.join(' ')}: ${r.stderr}`);
        }
      }
    }
  });
}

test("flame svg's inferno options draw what inferno-flamegraph draws", async () => {
  const input = path.join(dir, 'inferno.folded');
  writeFileSync(input, 'main;a;b 10\nmain;c 5\nother;x 3\n');
  const titles = (svg: string) => [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]).sort();
  const stops = (svg: string) => [...svg.matchAll(/stop-color="([^"]*)"/g)].map((m) => m[1]);
  for (const args of [
    ['--base', 'a'],
    ['--bgcolors', 'blue'],
    ['--bgcolors', 'grey'],
    ['--bgcolors', '#123456'],
    ['--factor', '2'],
  ]) {
    const ours = await runCmd(FLAME_SH, ['svg', ...args, input]);
    const theirs = await runCmd(path.join(CARGO_BIN, 'inferno-flamegraph'), [...args, input]);
    assert.equal(ours.exitCode, 0, ours.stderr);
    assert.equal(theirs.exitCode, 0, theirs.stderr);
    assert.deepEqual(titles(ours.stdout), titles(theirs.stdout), args.join(' '));
    assert.deepEqual(stops(ours.stdout), stops(theirs.stdout), args.join(' '));
  }
  const ui = await runCmd(FLAME_SH, ['svg', '--uicolor', '#ff0000', '--stroke-color', '#000000', input]);
  assert.match(ui.stdout, /#title, #subtitle, #details, #search, #unzoom, #matched \{ fill:#ff0000; \}/);
  assert.match(ui.stdout, /#frames > g > rect \{ stroke:#000000; stroke-width:1; \}/);
  const bad = path.join(dir, 'bad.folded');
  writeFileSync(bad, 'not a stack\nmain 1\n');
  assert.match((await runCmd(FLAME_SH, ['svg', bad])).stderr, /warning: skipped 1 malformed line/);
  assert.equal((await runCmd(FLAME_SH, ['svg', '-q', bad])).stderr, '', '-q: no warnings');
  assert.match((await runCmd(FLAME_SH, ['svg', '-v', input])).stderr, /^flame svg: 18 samples in all, \d+ frames drawn, up to 3 deep$/m);
});

test('--no-inline, --skip-after, --post-process, -b and -f mean what they mean in cargo-flamegraph', { timeout: 300_000 }, async () => {
  const folded = path.join(dir, 'peer.folded');
  const svg = path.join(dir, 'peer.svg');
  const r = await runFlame(
    [
      'record',
      '--manifest-path',
      MANIFEST,
      '-b',
      'hotspots',
      '-f',
      '',
      '-r',
      '--no-inline',
      '--skip-after',
      'hotspots::hash_chain',
      '--post-process',
      'sed s/hotspots::mix/MIXED/',
      '-o',
      svg,
      '--folded',
      folded,
      '-F',
      '1999',
    ],
    { cwd: dir },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  const lines = readFileSync(folded, 'utf8').trim().split('\n');
  const chain = lines.filter((l) => l.includes('hotspots::hash_chain'));
  assert.ok(chain.length > 0, lines.slice(0, 5).join('\n'));
  // Stacks through hash_chain start at it: its callers (main, the runtime) are cut off.
  for (const l of chain) assert.ok(l.startsWith('hotspots::hash_chain;') || /^hotspots::hash_chain \d+$/.test(l), l);
  // mix is inlined into hash_chain, wrapping_mul into mix: without inline frames neither shows, and
  // their samples go to hash_chain; the post-processing renamed what was left of mix (nothing).
  assert.ok(!lines.some((l) => /wrapping_mul|_\[i\]/.test(l)), lines.filter((l) => /wrapping_mul/.test(l)).join('\n'));
  assert.ok(!lines.some((l) => l.includes('hotspots::mix')), 'post-processed: no hotspots::mix left');

  // The same run with inline frames and without the cut: mix is there and gets renamed.
  const r2 = await runFlame(['record', '--manifest-path', MANIFEST, '-o', svg, '--folded', folded, '--post-process', 'sed s/hotspots::mix/MIXED/'], {
    cwd: dir,
  });
  assert.equal(r2.exitCode, 0, r2.stderr);
  const withInline = readFileSync(folded, 'utf8');
  assert.match(withInline, /;MIXED[; ]/);
  assert.ok(!withInline.includes('hotspots::mix'));
  assert.match(readFileSync(svg, 'utf8'), /MIXED/, 'the graph is drawn from the post-processed stacks');

  const bad = await runFlame(
    [
      'record',
      '--perf-data',
      path.join(path.dirname(MANIFEST), 'target', 'flame', 'perf.data'),
      '--manifest-path',
      MANIFEST,
      '-o',
      svg,
      '--post-process',
      'echo not folded',
    ],
    { cwd: dir },
  );
  assert.equal(bad.exitCode, 1);
  assert.match(bad.stderr, /^error: the output of --post-process `echo not folded`, line 1, is not "stack count"/m);
});

test('flame exec: -p is --pid and --perfdata is --perf-data, as flamegraph spells them', async () => {
  const data = path.join(path.dirname(MANIFEST), 'target', 'flame', 'perf.data');
  const r = await runFlame(['exec', '--perfdata', data, '-o', path.join(dir, 'exec.svg'), '--json'], { cwd: dir });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.ok((JSON.parse(r.stdout) as { samples: number }).samples > 0);
  const p = await runFlame(['exec', '-p', 'notapid'], { cwd: dir });
  assert.equal(p.exitCode, 2);
  assert.match(p.stderr, /^error: --pid takes/);
});

test('completions: bash completes verbs and flags; the zsh and fish scripts parse; flame help VERB', async () => {
  const scripts: Record<string, string> = {};
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await runFlame(['completions', shell]);
    assert.equal(r.exitCode, 0, r.stderr);
    scripts[shell] = path.join(dir, `flame.${shell}`);
    writeFileSync(scripts[shell], r.stdout);
  }
  const complete = async (words: string) => {
    const w = words.split(' ');
    const r = await runCmd('bash', [
      '-c',
      `source ${scripts.bash}; COMP_WORDS=(${w.map((x) => `'${x}'`).join(' ')}); COMP_CWORD=${w.length - 1}; _flame; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    return r.stdout.trim().split('\n');
  };
  assert.deepEqual(await complete('flame rec'), ['record']);
  assert.ok((await complete('flame record --no')).includes('--no-inline'));
  assert.ok((await complete('flame record --fr')).includes('--freq'));
  assert.ok((await complete('flame diff --co')).includes('--color'));
  assert.ok((await complete('flame svg --fl')).includes('--flamechart'));
  const zsh = await runCmd('zsh', ['-n', scripts.zsh!]);
  assert.equal(zsh.exitCode, 0, zsh.stderr);
  const fish = await runCmd('fish', ['-c', `source ${scripts.fish}; complete -C 'flame record --no-i'`]);
  assert.equal(fish.exitCode, 0, fish.stderr);
  assert.match(fish.stdout, /--no-inline/);
  const viaRecord = await runFlame(['record', '--completions', 'bash']);
  assert.equal(viaRecord.stdout, readFileSync(scripts.bash!, 'utf8'), 'cargo-flamegraph spells it --completions');
  const help = await runFlame(['help', 'diff']);
  assert.equal(help.exitCode, 0);
  assert.match(help.stdout, /^Usage: flame diff/);
  const badShell = await runFlame(['completions', 'tcsh']);
  assert.equal(badShell.exitCode, 2);
  assert.match(badShell.stderr, /^error: completions are for bash, zsh, fish/);
});
