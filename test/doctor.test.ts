// engine/doctor: the table of checks (checks.ts) judged over facts, the TOML/rustflags reading
// they rest on, the facts gathered (doctor.ts), and `flame doctor` run for real on this machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { codegenOption, parseTomlSubset, profileSettings } from '../engine/cargo/config.js';
import { allEssentialOk, CHECKS, evaluate, type Check, type DoctorFacts } from '../engine/doctor/checks.js';
import { gatherFacts } from '../engine/doctor/doctor.js';
import { FIXTURES, runCmd, runFlame, scratch } from './helpers.js';

/** A healthy, unprivileged Debian machine; cases change one thing. */
const HEALTHY: DoctorFacts = {
  cargoVersion: 'cargo 1.95.0',
  rustc: { release: '1.95.0', host: 'x86_64-unknown-linux-gnu' },
  perfVersion: 'perf version 6.1',
  distro: ['debian'],
  paranoid: 1,
  kptrRestrict: 0,
  root: false,
  capPerfmon: false,
  perfSample: { ok: true },
  hardwareCounters: true,
  llvmSymbolizer: '/usr/bin/llvm-symbolizer',
  nativeBuild: '/opt/flame/native/target/release/flame-native',
};

function check(facts: Partial<DoctorFacts>, name: string): Check {
  const c = evaluate({ ...HEALTHY, ...facts }).find((x) => x.name === name);
  assert.ok(c, `no check named ${name}`);
  return c;
}

test('a healthy machine passes every check', () => {
  const checks = evaluate(HEALTHY);
  assert.deepEqual(
    checks.filter((c) => !c.ok),
    [],
  );
  assert.ok(allEssentialOk(checks));
});

/** Facts of every kind (a project, a privileged Ubuntu, failures), so each branch reads its facts. */
const VARIANTS: DoctorFacts[] = [
  HEALTHY,
  {
    ...HEALTHY,
    perfVersion: undefined,
    perfSample: { ok: false, error: 'x' },
    llvmSymbolizer: undefined,
    cargoVersion: undefined,
    paranoid: 3,
    kptrRestrict: 1,
    distro: ['ubuntu', 'debian'],
    nativeBuild: undefined,
  },
  { ...HEALTHY, root: true, paranoid: 2, kptrRestrict: 2, addr2line: '/usr/bin/addr2line', llvmSymbolizer: undefined, distro: ['fedora'] },
  { ...HEALTHY, paranoid: undefined, kptrRestrict: undefined, perfSample: undefined, hardwareCounters: undefined, lbr: false, project: undefined },
  { ...HEALTHY, push: { servers: [{ url: 'http://p:4040', ok: false, detail: 'cannot reach it: ECONNREFUSED' }] } },
  { ...HEALTHY, push: { servers: [], problem: 'unknown key' } },
];

test('each entry of the table reads only the facts it says it gathers', () => {
  const names = CHECKS.map((c) => c.name);
  assert.equal(new Set(names).size, names.length, 'check names are unique');
  for (const variant of VARIANTS) {
    for (const f of [
      variant,
      {
        ...variant,
        project: {
          manifestPath: '/p/Cargo.toml',
          release: profileSettings(undefined, 'release'),
          rustflags: { flags: ['-C', 'strip=symbols', '-C', 'link-arg=-fuse-ld=mold'], source: 'RUSTFLAGS' },
        },
      },
    ]) {
      for (const entry of CHECKS) {
        const read = new Set<string>();
        const watched = new Proxy(f, { get: (t, k) => (read.add(String(k)), Reflect.get(t, k)), has: (t, k) => (read.add(String(k)), Reflect.has(t, k)) });
        const v = entry.verdict(watched);
        if (v !== undefined) entry.fix?.(watched, v);
        const extra = [...read].filter((k) => !(entry.gathers as readonly string[]).includes(k));
        assert.deepEqual(extra, [], `${entry.name} reads facts it does not list in gathers`);
      }
    }
  }
});

test('a check whose facts were not gathered is left out; one that could not be read only warns', () => {
  const without = evaluate({ ...HEALTHY, kptrRestrict: undefined, perfSample: undefined, hardwareCounters: undefined, lbr: undefined });
  for (const name of ['kptr_restrict', 'perf sampling', 'hardware counters', 'lbr', 'debug info', 'rustflags', 'linker', 'push server'])
    assert.ok(!without.some((c) => c.name === name), name);
  const paranoid = check({ paranoid: undefined }, 'perf_event_paranoid');
  assert.deepEqual([paranoid.ok, paranoid.essential], [false, false]);
  // The order of the table is the order printed.
  assert.deepEqual(
    evaluate(HEALTHY).map((c) => c.name),
    CHECKS.map((c) => c.name).filter((n) => !['debug info', 'rustflags', 'linker', 'lbr', 'push server'].includes(n)),
  );
});

test('perf_event_paranoid=3 without root fails with the sysctl fix; root or CAP_PERFMON passes', () => {
  const c = check({ paranoid: 3 }, 'perf_event_paranoid');
  assert.equal(c.ok, false);
  assert.equal(c.essential, true);
  assert.match(c.detail, /= 3: all unprivileged sampling blocked/);
  assert.match(c.fix!, /^sudo sysctl kernel\.perf_event_paranoid=1/);
  assert.equal(allEssentialOk(evaluate({ ...HEALTHY, paranoid: 3 })), false);
  assert.equal(check({ paranoid: 3, root: true }, 'perf_event_paranoid').ok, true);
  assert.equal(check({ paranoid: 3, capPerfmon: true }, 'perf_event_paranoid').ok, true);
  // 2 still samples user space: it passes, and says kernel frames are missing.
  const two = check({ paranoid: 2 }, 'perf_event_paranoid');
  assert.equal(two.ok, true);
  assert.match(two.detail, /kernel frames are left out/);
});

test('missing tools fail with the Debian package to install', () => {
  const perf = check({ perfVersion: undefined, perfSample: undefined }, 'perf');
  assert.deepEqual([perf.ok, perf.fix], [false, 'sudo apt-get install linux-perf']);
  assert.match(check({ perfVersion: undefined, distro: ['ubuntu', 'debian'] }, 'perf').fix!, /linux-tools-\$\(uname -r\)/);
  const cargo = check({ cargoVersion: undefined }, 'cargo');
  assert.equal(cargo.ok, false);
  assert.match(cargo.fix!, /rustup/);
  const sym = check({ llvmSymbolizer: undefined, addr2line: undefined }, 'symbolizer');
  assert.deepEqual([sym.ok, sym.fix], [false, 'sudo apt-get install llvm']);
  assert.equal(check({ llvmSymbolizer: undefined, addr2line: '/usr/bin/addr2line' }, 'symbolizer').ok, true);
});

test('kptr_restrict hides kernel symbols: a warning with its fix, not a failure', () => {
  const c = check({ kptrRestrict: 2 }, 'kptr_restrict');
  assert.deepEqual([c.ok, c.essential, c.fix], [false, false, 'sudo sysctl kernel.kptr_restrict=0']);
  assert.ok(allEssentialOk(evaluate({ ...HEALTHY, kptrRestrict: 2 })));
  assert.equal(check({ kptrRestrict: 1, root: true }, 'kptr_restrict').ok, true);
});

test('a perf that cannot sample fails, with the error perf gave', () => {
  const c = check({ perfSample: { ok: false, error: 'Permission denied' }, paranoid: 4 }, 'perf sampling');
  assert.equal(c.ok, false);
  assert.match(c.detail, /Permission denied/);
  assert.match(c.fix!, /perf_event_paranoid=1/);
  assert.match(check({ hardwareCounters: false }, 'hardware counters').detail, /cpu-clock/);
});

const project = (text: string, flags: string[] = [], source = 'none'): DoctorFacts['project'] => ({
  manifestPath: '/p/Cargo.toml',
  release: profileSettings(parseTomlSubset(text), 'release', '/p/Cargo.toml'),
  rustflags: { flags, source },
});

test('the linker check names the linker and never asks for --no-rosegment', () => {
  const lld = check({ project: project('') }, 'linker');
  assert.equal(lld.ok, true);
  assert.equal(lld.fix, undefined);
  assert.match(lld.detail, /rust-lld, rustc 1\.95\.0's default/);
  const mold = check({ project: project('', ['-C', 'link-arg=-fuse-ld=mold'], 'RUSTFLAGS') }, 'linker');
  assert.equal(mold.ok, true);
  assert.match(mold.detail, /^mold \(-fuse-ld=mold in RUSTFLAGS\)/);
  assert.match(check({ project: project('', ['-C', 'link-arg=-fuse-ld=bfd'], 'RUSTFLAGS') }, 'linker').detail, /^system linker/);
});

test('an lld-linked binary unwinds: the claim doctor no longer makes, measured', async () => {
  // lld chosen explicitly (not only as rustc's default, which may change), through the rust-lld
  // that rustup ships, without --no-rosegment.
  const crate = path.join(scratch('flame-lld-'), 'hotspots');
  cpSync(path.join(FIXTURES, 'hotspots'), crate, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  const sysroot = (await runCmd('rustc', ['--print', 'sysroot'])).stdout.trim();
  const host = /^host: (\S+)/m.exec((await runCmd('rustc', ['-vV'])).stdout)![1]!;
  const gccLd = path.join(sysroot, 'lib', 'rustlib', host, 'bin', 'gcc-ld');
  mkdirSync(path.join(crate, '.cargo'));
  writeFileSync(path.join(crate, '.cargo', 'config.toml'), `[target.${host}]\nrustflags = ["-C", "link-arg=-fuse-ld=lld", "-C", "link-arg=-B${gccLd}"]\n`);
  const doctor = await runFlame(['doctor', '--json'], { cwd: crate });
  const linker = (JSON.parse(doctor.stdout) as { checks: Check[] }).checks.find((c) => c.name === 'linker')!;
  assert.match(linker.detail, /^lld \(-fuse-ld=lld/);
  assert.equal(linker.ok, true, linker.detail);
  const r = await runFlame(['record', '--manifest-path', path.join(crate, 'Cargo.toml'), '-o', path.join(crate, 'l.svg'), '--json'], {
    cwd: crate,
    env: { FLAME_CACHE_DIR: path.join(crate, 'cache') },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const bin = (JSON.parse(r.stdout) as { executable: string }).executable;
  assert.match((await runCmd('readelf', ['-p', '.comment', bin])).stdout, /Linker: LLD/);
  const q = (JSON.parse(r.stdout) as { quality: { unknownShare: number; truncatedShare: number } }).quality;
  assert.ok(q.truncatedShare < 0.01 && q.unknownShare < 0.01, JSON.stringify(q));
});

test('LBR: doctor says whether --call-graph lbr works, and a record that needs it fails in one clear line', async () => {
  assert.match(check({ lbr: false }, 'lbr').detail, /--call-graph lbr fails here; dwarf \(the default\) and fp work/);
  const d = scratch('flame-lbr-');
  const works = (await runCmd('perf', ['record', '--call-graph', 'lbr', '-o', path.join(d, 'p.data'), '--', 'true'])).exitCode === 0;
  const doctor = await runFlame(['doctor', '--json'], { cwd: d });
  const lbr = (JSON.parse(doctor.stdout) as { checks: Check[] }).checks.find((c) => c.name === 'lbr')!;
  assert.equal(/works/.test(lbr.detail), works, lbr.detail);
  const r = await runFlame(['exec', '--call-graph', 'lbr', '-o', path.join(d, 'x.svg'), '--', 'sleep', '0.2'], { cwd: d });
  if (works) {
    assert.equal(r.exitCode, 0, r.stderr);
  } else {
    assert.equal(r.exitCode, 1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0]!, /^error: --call-graph lbr needs the CPU's Last Branch Record, .*use --call-graph dwarf \(the default\) or fp$/);
    assert.doesNotMatch(r.stderr, /PMU Hardware|flame doctor/);
  }
});

test('debug info and rustflags checks read the release profile and strip flags', () => {
  const off = check({ project: project('[profile.release]\nopt-level = 3\n') }, 'debug info');
  assert.match(off.detail, /debug = false.*flame record turns it on/);
  const on = check({ project: project('[profile.release]\ndebug = true # for flame\n') }, 'debug info');
  assert.match(on.detail, /Cargo\.toml \[profile\.release\]\): debug = true/);
  const stripped = check({ project: project('[profile.release]\ndebug = "line-tables-only"\nstrip = true\n') }, 'debug info');
  assert.match(stripped.detail, /strip = true removes debug info/);
  const flags = check({ project: project('', ['-C', 'strip=symbols'], '/p/.cargo/config.toml build.rustflags') }, 'rustflags');
  assert.equal(flags.ok, false);
  assert.match(flags.fix!, /remove `-C strip=symbols` from \/p\/\.cargo\/config\.toml/);
});

test('the TOML subset: tables, comments, multi-line arrays, inherits', () => {
  const keys = parseTomlSubset(`
[profile.profiling] # a custom profile
inherits = "release"
[target.x86_64-unknown-linux-gnu]
rustflags = [
  "-C", "link-arg=-Wl,--no-rosegment", # unwinding
  'force-frame-pointers=yes',
]
[profile.release]
debug = 1
`);
  assert.deepEqual(keys.get('target.x86_64-unknown-linux-gnu.rustflags'), ['-C', 'link-arg=-Wl,--no-rosegment', 'force-frame-pointers=yes']);
  assert.deepEqual(profileSettings(keys, 'profiling'), { profile: 'profiling', debug: 1, strip: 'none', source: 'Cargo.toml [profile.release]' });
  assert.equal(codegenOption(['-C', 'strip=debuginfo', '-Cstrip=none'], 'strip'), 'none');
});

test('without the native build flame draws no graph: an essential failure with the build to run', () => {
  const { nativeBuild: _, ...without } = HEALTHY;
  const c = evaluate(without).find((x) => x.name === 'native fold/svg')!;
  assert.equal(c.ok, false);
  assert.equal(c.essential, true);
  assert.match(c.detail, /no flame graph can be drawn/);
  assert.match(c.fix!, /npm run build/);
  assert.ok(!allEssentialOk(evaluate(without)));
  assert.equal(check({}, 'native fold/svg').ok, true);
});

test('facts gathered on this machine: cargo, perf and a project found from a fixture directory', async () => {
  const facts = await gatherFacts({ cwd: path.join(FIXTURES, 'stripped') });
  assert.match(facts.cargoVersion ?? '', /^cargo \d/);
  assert.match(facts.perfVersion ?? '', /^perf version/);
  assert.equal(facts.project?.manifestPath, path.join(FIXTURES, 'stripped', 'Cargo.toml'));
  assert.deepEqual(facts.project?.rustflags.flags, ['-C', 'strip=debuginfo']);
  assert.ok(facts.nativeBuild?.endsWith(path.join('native', 'target', 'release', 'flame-native')), 'npm run build built it');
});

test('flame doctor runs for real and reports perf present, as a table', async () => {
  const r = await runFlame(['doctor']);
  assert.match(r.stdout, /^✓ perf +perf version/m);
  assert.match(r.stdout, /^✓ cargo +cargo \d/m);
  // A header, then one row per check with the result column aligned under it.
  const rows = r.stdout.split('\n');
  assert.match(rows[0]!, /^  check +result$/);
  const column = rows[0]!.indexOf('result');
  const checkRows = rows.filter((l) => /^[✓✗!] /.test(l));
  assert.ok(checkRows.length >= 5, r.stdout);
  for (const row of checkRows) assert.ok(row.slice(column - 2, column) === '  ' && row[column] !== ' ', `not aligned under result: ${row}`);
  for (const row of rows.filter((l) => l.includes('fix: '))) assert.equal(row.indexOf('fix: '), column, row);
  // The exit code follows the essential checks, whatever this machine's settings are.
  const json = await runFlame(['doctor', '--json']);
  const { checks } = JSON.parse(json.stdout) as { checks: Check[] };
  assert.equal(json.exitCode, allEssentialOk(checks) ? 0 : 1);
  assert.equal(r.exitCode, json.exitCode);
  assert.ok(checks.some((c) => c.name === 'perf sampling'));
});

test('flame doctor --help and a bad flag', async () => {
  const help = await runFlame(['doctor', '--help']);
  assert.equal(help.exitCode, 0);
  assert.match(help.stdout, /Usage: flame doctor/);
  const bad = await runFlame(['doctor', '--bogus']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /Unknown option '--bogus'/);
});
