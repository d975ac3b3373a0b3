// The pprof export as pprof itself reads it: `go tool pprof` with its default settings (which
// symbolize, demangle and simplify names unless the profile says they are done) must count every
// function, line and stack as flame does, and disassemble from the binaries the mappings name.
// Two real recordings: the hotspots fixture and the README's wordfreq example.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants, copyFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Profile } from 'pprof-format';
import { hotspotsCopy, perfRecordTo, REPO, runCmd, runFlame, scratch } from './helpers.js';

/** `go`: on PATH, or where the go.dev tarball puts it. .ci/run installs Debian's golang otherwise. */
function findGo(): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/local/go/bin'];
  for (const d of dirs) {
    try {
      accessSync(path.join(d, 'go'), constants.X_OK);
      return path.join(d, 'go');
    } catch {
      // not here
    }
  }
  throw new Error('go not found on PATH or in /usr/local/go/bin: install Go (`apt-get install golang`) to check the export with pprof');
}

interface Recording {
  name: string;
  dir: string;
  perfData: string;
  binary: string;
  pprof: string;
  env: NodeJS.ProcessEnv;
}

const recordings: Recording[] = [];
let go: string;

async function record(name: string, binary: string, env: NodeJS.ProcessEnv = {}): Promise<Recording> {
  const dir = path.dirname(binary);
  const perfData = path.join(dir, `${name}.data`);
  await perfRecordTo(perfData, [binary], env);
  const rec: Recording = { name, dir, perfData, binary, pprof: path.join(dir, `${name}.pb.gz`), env: { FLAME_CACHE_DIR: path.join(dir, 'cache') } };
  const r = await runFlame(['export', '--format', 'pprof', '--perf-data', perfData, '-o', rec.pprof], { env: rec.env });
  assert.equal(r.exitCode, 0, r.stderr);
  return rec;
}

before(async () => {
  go = findGo();
  const dir = scratch('flame-pprof-');
  recordings.push(await record('hotspots', hotspotsCopy(dir), { FLAME_FIXTURE_SCALE: '0.5' }));
  // A private copy of each binary: the mappings name it, and -disasm reads it there.
  const wf = path.join(REPO, 'examples', 'wordfreq');
  const b = await runCmd('cargo', ['build', '--release', '--quiet'], { cwd: wf, env: { CARGO_PROFILE_RELEASE_DEBUG: 'true' } });
  assert.equal(b.exitCode, 0, b.stderr);
  const wfDir = scratch('flame-pprof-wf-');
  copyFileSync(path.join(wf, 'target', 'release', 'wordfreq'), path.join(wfDir, 'wordfreq'));
  recordings.push(await record('wordfreq', path.join(wfDir, 'wordfreq')));
});

/** `go tool pprof ARGS FILE`; fails the test on a non-zero exit. */
async function pprof(rec: Recording, args: string[]): Promise<string> {
  const r = await runCmd(go, ['tool', 'pprof', ...args, rec.pprof], { env: { PATH: `${path.dirname(go)}${path.delimiter}${process.env.PATH ?? ''}` } });
  assert.equal(r.exitCode, 0, `go tool pprof ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function flameJson<T>(rec: Recording, args: string[]): Promise<T> {
  const r = await runFlame([...args, '--perf-data', rec.perfData, '--limit', '0', '--json'], { env: rec.env });
  assert.equal(r.exitCode, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

interface Row {
  flat: number;
  cum: number;
  /** The name (or, with -lines, "name file:line"), without pprof's " (inline)" mark. */
  key: string;
}

/** The rows of `-top`: flat flat% sum% cum cum% name. */
function topRows(out: string): Row[] {
  const rows: Row[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+[\d.]+%\s+[\d.]+%\s+(\d+)\s+[\d.]+%\s+(.*?)(?: \(inline\))?$/.exec(line);
    if (m) rows.push({ flat: Number(m[1]), cum: Number(m[2]), key: m[3]! });
  }
  assert.ok(rows.length > 0, out);
  return rows;
}

type FlameTop = { samples: number; functions: Array<{ name: string; self: number; total: number; file?: string }> };
type FlameLines = { lines: Array<{ file: string; line: number; self: number; total: number }> };

for (const name of ['hotspots', 'wordfreq']) {
  const rec = (): Recording => recordings.find((r) => r.name === name)!;

  test(`${name}: pprof's -top with default settings counts every function as flame top does`, async () => {
    const ours = await flameJson<FlameTop>(rec(), ['top']);
    const want = new Map(ours.functions.map((f) => [f.name, { flat: f.self, cum: f.total }]));
    // Default settings but for the value shown (samples, not the default cpu time) and the row
    // limit: pprof drops the nodes under 0.5% of the total and says how many, below what.
    const out = await pprof(rec(), ['-top', '-nodecount=100000', '-sample_index=samples']);
    assert.match(out, new RegExp(`of ${ours.samples} total`));
    const shown = topRows(out);
    for (const r of shown) assert.deepEqual({ name: r.key, flat: r.flat, cum: r.cum }, { name: r.key, ...want.get(r.key) }, r.key);
    const dropped = /Dropped (\d+) nodes? \(cum <= (\d+)\)/.exec(out);
    const hidden = ours.functions.filter((f) => !shown.some((r) => r.key === f.name));
    assert.equal(hidden.length, dropped ? Number(dropped[1]) : 0, out);
    for (const f of hidden) assert.ok(f.total <= Number(dropped![2]), `${f.name} (${f.total}) is missing from pprof's rows`);
    // With no node dropped, every function is there, and no other.
    const all = topRows(await pprof(rec(), ['-top', '-nodecount=100000', '-nodefraction=0', '-sample_index=samples']));
    assert.deepEqual(Object.fromEntries(all.map((r) => [r.key, { flat: r.flat, cum: r.cum }])), Object.fromEntries(want));
    // The default value is CPU time, from perf's periods.
    const cpu = await pprof(rec(), ['-top', '-nodecount=1']);
    assert.match(cpu, /^Type: cpu$/m);
    assert.match(cpu, /^Duration: [\d.]+m?s, Total samples = [\d.]+m?s /m);
  });

  test(`${name}: pprof's -lines counts every source line as flame lines does, each in its own file`, async () => {
    const ours = await flameJson<FlameLines>(rec(), ['lines']);
    const want = new Map<string, number>();
    for (const l of ours.lines) if (l.self > 0) want.set(`${l.file}:${l.line}`, l.self);
    const got = new Map<string, number>();
    for (const r of topRows(await pprof(rec(), ['-lines', '-top', '-nodecount=100000', '-nodefraction=0', '-sample_index=samples']))) {
      if (r.flat === 0) continue;
      // "name file:line"; pprof leaves out line 0 (DWARF's "no line") and the file of a frame without one.
      const m = /^.* (\S*\/\S*?)(?::(\d+))?$/.exec(r.key);
      if (!m) continue;
      const key = `${m[1]}:${m[2] ?? 0}`;
      got.set(key, (got.get(key) ?? 0) + r.flat);
    }
    assert.ok(want.size > 3, 'lines with samples');
    assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...want].sort()));
  });

  test(`${name}: pprof's -traces are flame's stacks, sample for sample`, async () => {
    const folded = await runFlame(['export', '--format', 'folded', '--perf-data', rec().perfData], { env: rec().env });
    assert.equal(folded.exitCode, 0, folded.stderr);
    const want = new Map<string, number>();
    for (const line of folded.stdout.trim().split('\n')) {
      const m = /^(.*) (\d+)$/.exec(line)!;
      want.set(m[1]!, Number(m[2]));
    }
    const got = new Map<string, number>();
    for (const block of (await pprof(rec(), ['-traces', '-sample_index=samples'])).split(/^-+\+-+$/m).slice(1)) {
      const lines = block.split('\n').filter((l) => l.trim() !== '' && !/^\s*\w+:\s/.test(l));
      if (lines.length === 0) continue;
      const first = /^\s*(\d+)\s+(.*)$/.exec(lines[0]!);
      assert.ok(first, block);
      const frames = [first[2]!, ...lines.slice(1).map((l) => l.trim())].map((f) => f.replace(/ \(inline\)$/, '').replace(/;/g, ':'));
      const key = frames.reverse().join(';');
      got.set(key, (got.get(key) ?? 0) + Number(first[1]));
    }
    assert.ok(want.size > 3, 'stacks with samples');
    assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...want].sort()));
  });
}

test('hotspots: pprof -disasm reads the binary at the mapping and puts hash_chain samples on its instructions', async () => {
  const rec = recordings[0]!;
  const ours = await flameJson<FlameTop>(rec, ['top', '--no-inline']);
  const chain = ours.functions.find((f) => f.name === 'hotspots::hash_chain')!;
  assert.ok(chain.self > 0);
  const out = await pprof(rec, ['-disasm=hash_chain', '-sample_index=samples']);
  const routine = /^ROUTINE =+ (\S*hash_chain\S*)\n\s*(\d+)\s+(\d+) \(flat, cum\)/m.exec(out);
  assert.ok(routine, out);
  // -disasm counts by address without inline frames: hash_chain's own samples, with mix's in them.
  assert.equal(Number(routine[2]), chain.self);
  let onInstructions = 0;
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+|\.)\s+(?:\d+|\.)\s+[0-9a-f]+:/.exec(line);
    if (m && m[1] !== '.') onInstructions += Number(m[1]);
  }
  assert.equal(onInstructions, chain.self);
});

test('the profile: sample and period types, time, mappings with path and build-id, addresses inside them', async () => {
  for (const rec of recordings) {
    const prof = Profile.decode(gunzipSync(readFileSync(rec.pprof)));
    const str = (i: number | bigint): string => prof.stringTable.strings[Number(i)]!;
    assert.deepEqual(
      prof.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`),
      ['samples/count', 'cpu/nanoseconds'],
    );
    assert.equal(`${str(prof.periodType!.type)}/${str(prof.periodType!.unit)}`, 'cpu/nanoseconds');
    // perf's cpu-clock at 997 Hz: a period of about a millisecond.
    assert.ok(Number(prof.period) > 500_000 && Number(prof.period) < 2_000_000, String(prof.period));
    const startMs = Number(prof.timeNanos) / 1e6;
    const durationMs = Number(prof.durationNanos) / 1e6;
    assert.ok(durationMs > 0);
    assert.ok(Math.abs(startMs + durationMs - statSync(rec.perfData).mtimeMs) < 1000, 'the recording ends when perf wrote it');
    const main = prof.mapping[0]!;
    assert.equal(str(main.filename), rec.binary, 'the first mapping is the program');
    const readelf = await runCmd('readelf', ['-n', rec.binary]);
    assert.equal(str(main.buildId), /Build ID: ([0-9a-f]+)/.exec(readelf.stdout)![1]);
    assert.ok(main.hasFunctions && main.hasFilenames && main.hasLineNumbers && main.hasInlineFrames);
    const byId = new Map(prof.mapping.map((m) => [Number(m.id), m]));
    for (const l of prof.location) {
      const m = byId.get(Number(l.mappingId));
      if (!m) continue;
      assert.ok(Number(l.address) >= Number(m.memoryStart) && Number(l.address) < Number(m.memoryLimit), `location ${l.id} lies in its mapping`);
    }
    assert.ok(prof.location.filter((l) => Number(l.mappingId) === Number(main.id)).length > 0);
    // System names are linkage names, never a demangled name pprof would take for one to demangle.
    const nm = new Set((await runCmd('nm', [rec.binary])).stdout.split('\n').map((l) => l.split(' ').pop()!));
    for (const f of prof.function) {
      const sys = str(f.systemName);
      if (sys === '' || sys === str(f.name)) continue;
      assert.match(sys, /^_ZN/, str(f.name));
    }
    const mainFn = prof.function.find((f) => str(f.name) === `${rec.name}::main`)!;
    assert.match(str(mainFn.systemName), new RegExp(`^_ZN${rec.name.length}${rec.name}4main17h[0-9a-f]{16}E$`));
    assert.ok(nm.has(str(mainFn.systemName)), 'the symbol the binary has');
  }
});

test('wordfreq: a function whose lines are in another file (a macro) is declared in its own file', async () => {
  const rec = recordings[1]!;
  const ours = await flameJson<FlameTop>(rec, ['top']);
  const next = ours.functions.find((f) => f.name === 'core::str::validations::next_code_point');
  assert.ok(next, 'wordfreq iterates chars');
  assert.match(next.file ?? '', /core\/src\/str\/validations\.rs$/);
});
