// A truthful recording: lost samples counted as perf counts them, a recording read against a
// rebuilt binary refused, and a Ctrl-C that reaches the program as SIGINT, whose clean exit is a
// success. Real cargo, real perf, fixture crates copied where they are rebuilt.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readElfInfo } from '../engine/symbols/elf.js';
import { FIXTURES, FLAME_BIN, hotspotsCopy, runCmd, runFlame, scratch } from './helpers.js';

let dir: string;
const env = () => ({ FLAME_CACHE_DIR: path.join(dir, 'cache') });

before(() => {
  dir = scratch('flame-truth-');
});

interface Json {
  perfData: string;
  samples: number;
  quality: { samples: number; unknownShare: number; truncatedShare: number; lost: number };
  warnings: string[];
  program?: { exitCode?: number; signal?: string; failed: boolean };
}

/** perf's own count of lost samples in a recording: `perf report --stats`, per event. */
async function perfLost(perfData: string): Promise<{ samples: number; lost: number }> {
  const r = await runCmd('perf', ['report', '--stats', '-i', perfData]);
  // The per-event section follows the aggregated one: "cpu-clock:pppH stats:".
  const section = r.stdout.slice(r.stdout.search(/^(?!Aggregated)\S.* stats:$/m));
  const num = (re: RegExp) => Number(re.exec(section)?.[1] ?? 0);
  return { samples: num(/SAMPLE events:\s+(\d+)/), lost: num(/LOST_SAMPLES events:\s+(\d+)/) };
}

test('lost samples: a small ring buffer loses some, and flame counts exactly what perf counts', async () => {
  const bin = hotspotsCopy(dir);
  const d = scratch('flame-lost-');
  // 32 pages (128 KiB) hold two 64 kB DWARF samples: at 1999 Hz on two threads, some are lost.
  const r = await runFlame(['exec', '-F', '1999', '--mmap-pages', '32', '-o', path.join(d, 'l.svg'), '--json', '--', bin], { cwd: d, env: env() });
  assert.equal(r.exitCode, 0, r.stderr);
  const json = JSON.parse(r.stdout) as Json;
  const perf = await perfLost(json.perfData);
  assert.ok(perf.lost > 0, `perf lost nothing: ${JSON.stringify(perf)}`);
  assert.equal(json.quality.lost, perf.lost);
  assert.equal(json.samples, perf.samples);
  // Never mistaken for lines flame cannot read.
  assert.ok(!json.warnings.some((w) => /could not read/.test(w)), json.warnings.join('\n'));
  const share = perf.lost / (perf.lost + perf.samples);
  assert.equal(
    json.warnings.some((w) => /perf lost \d+ samples .*--mmap-pages/.test(w)),
    share >= 0.01,
    json.warnings.join('\n'),
  );
  // The same count in flame top's text and in the text line of flame record --perf-data.
  const top = await runFlame(['top', '--perf-data', json.perfData], { cwd: d, env: env() });
  assert.equal(top.exitCode, 0, top.stderr);
  assert.match(top.stdout, new RegExp(`\\b${perf.lost} lost\\b`));
  const again = await runFlame(['record', '--perf-data', json.perfData, '-o', path.join(d, 'again.svg')], { cwd: d, env: env() });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`unwind quality: .*\\b${perf.lost} lost\\b`));
});

test('a recording read after a rebuild is refused; one without build-ids gets a warning', async () => {
  const crate = path.join(scratch('flame-rebuilt-'), 'hotspots');
  cpSync(path.join(FIXTURES, 'hotspots'), crate, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  const manifest = path.join(crate, 'Cargo.toml');
  const r = await runFlame(['record', '--manifest-path', manifest, '-o', path.join(crate, 'a.svg'), '--json'], {
    cwd: crate,
    env: { ...env(), FLAME_FIXTURE_SCALE: '0.3' },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const recorded = (JSON.parse(r.stdout) as Json).perfData;
  const bin = (JSON.parse(r.stdout) as Json & { executable: string }).executable;
  const before = (await readElfInfo(bin)).buildId!;
  // perf itself can tell which binary was recorded.
  const ids = await runCmd('perf', ['buildid-list', '-i', recorded]);
  assert.match(ids.stdout, new RegExp(`^${before} ${bin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  // A recording made the way flame made them before build-ids: pipe format, no --buildid-mmap.
  const legacy = path.join(crate, 'legacy.data');
  const rec = await runCmd('sh', ['-c', `perf record -o - -F 997 --call-graph dwarf,64000 -- "$1" > "$2"`, 'sh', bin, legacy], {
    env: { FLAME_FIXTURE_SCALE: '0.3' },
  });
  assert.match(rec.stderr, /Captured and wrote/);

  const main = path.join(crate, 'src', 'main.rs');
  writeFileSync(main, readFileSync(main, 'utf8').replace('fn main() {', 'fn main() {\n    eprintln!("rebuilt");'));
  // Rebuilt the way a user would: the next `flame record` (which also replaces target/flame/perf.data,
  // so the old recording is kept aside first).
  const perfData = path.join(crate, 'old.data');
  copyFileSync(recorded, perfData);
  const build = await runFlame(['record', '--manifest-path', manifest, '-o', path.join(crate, 'a2.svg')], {
    cwd: crate,
    env: { ...env(), FLAME_FIXTURE_SCALE: '0.3' },
  });
  assert.equal(build.exitCode, 0, build.stderr);
  assert.notEqual((await readElfInfo(bin)).buildId, before);

  for (const verb of [
    ['record', '--perf-data', perfData, '-o', path.join(crate, 'b.svg')],
    ['top', '--perf-data', perfData],
  ]) {
    const old = await runFlame(verb, { cwd: crate, env: env() });
    assert.equal(old.exitCode, 1, `${verb[0]}: ${old.stderr}`);
    assert.match(old.stderr, new RegExp(`the binary ${bin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was rebuilt since .* record again`));
  }
  const l = await runFlame(['record', '--perf-data', legacy, '-o', path.join(crate, 'c.svg'), '--json'], { cwd: crate, env: env() });
  assert.equal(l.exitCode, 0, l.stderr);
  assert.ok(
    (JSON.parse(l.stdout) as Json).warnings.some((w) => w.includes(`${bin} changed after`) && /no build-ids/.test(w)),
    l.stdout,
  );
});

/** Start `flame record` on the graceful fixture in a process group of its own, as a terminal's job. */
function startGraceful(svg: string) {
  const child = spawn(process.execPath, [FLAME_BIN, 'record', '--manifest-path', path.join(FIXTURES, 'graceful', 'Cargo.toml'), '-o', svg, '--json'], {
    cwd: dir,
    env: { ...process.env, ...env() },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => (stderr += b));
  const serving = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (/graceful: serving/.test(stderr)) {
        clearInterval(check);
        // Let perf take some samples of the serving loop first.
        setTimeout(resolve, 1000);
      }
    }, 50);
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, serving, closed, out: () => ({ stdout, stderr }) };
}

for (const [how, send] of [
  ['Ctrl-C (SIGINT to the whole process group, as a terminal sends it)', (pid: number) => process.kill(-pid, 'SIGINT')],
  ['a SIGINT to flame alone (kill -INT, no terminal)', (pid: number) => process.kill(pid, 'SIGINT')],
] as const) {
  test(`${how} reaches the program as SIGINT; its clean exit is a success`, async () => {
    const svg = path.join(dir, `graceful-${send.length}-${Date.now()}.svg`);
    const run = startGraceful(svg);
    await run.serving;
    send(run.child.pid!);
    const code = await run.closed;
    const { stdout, stderr } = run.out();
    assert.match(stderr, /graceful: got SIGINT, shutting down/);
    assert.match(stderr, /graceful: clean exit/);
    assert.equal(code, 0, stderr);
    const json = JSON.parse(stdout) as Json;
    assert.deepEqual(json.program, { exitCode: 0, failed: false });
    assert.ok(json.samples > 0);
    assert.ok(existsSync(svg));
  });
}
