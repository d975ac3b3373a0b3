// `flame doctor`: why a profile would come out empty or nameless, found before the user records.
// Facts are gathered by running the tools; the verdicts are a pure function over those facts,
// so every verdict and its fix can be tested with data.
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExeca } from '../../common/spawn.js';
import { hostTriple } from '../cargo/debuginfo.js';
import { findManifestDir } from '../cargo/target.js';
import { findTool, which } from '../symbols/tool.js';
import {
  codegenOption,
  codegenOptions,
  debugEnabled,
  debugInfoBlocker,
  profileSettings,
  readToml,
  rustflags,
  stripsDebugInfo,
  type ProfileSettings,
  type RustflagsSettings,
} from '../cargo/config.js';

export interface Check {
  name: string;
  ok: boolean;
  /** Essential checks decide the exit code; the others only warn. */
  essential: boolean;
  detail: string;
  /** What to run or change, when not ok. */
  fix?: string;
}

/** What the machine and the project look like; every field is observed, none is judged. */
export interface DoctorFacts {
  /** `cargo --version`, or undefined when cargo is missing. */
  cargoVersion?: string;
  /** From `rustc -vV`. */
  rustc?: { release: string; host: string };
  perfVersion?: string;
  /** The distribution package that installed perf (dpkg), when known. */
  perfPackage?: string;
  /** /etc/os-release ID and ID_LIKE, e.g. ['debian'] or ['ubuntu', 'debian']. */
  distro: string[];
  paranoid?: number;
  kptrRestrict?: number;
  root: boolean;
  /** CAP_PERFMON or CAP_SYS_ADMIN in the effective set. */
  capPerfmon: boolean;
  /** `perf record -e cpu-clock` on `true`: undefined when perf is missing. */
  perfSample?: { ok: boolean; error?: string };
  /** Whether the `cycles` hardware event counts (VMs often have none; cpu-clock is the fallback). */
  hardwareCounters?: boolean;
  /** Whether `perf record --call-graph lbr` works (the CPU's Last Branch Record; VMs rarely pass it on). */
  lbr?: boolean;
  llvmSymbolizer?: string;
  addr2line?: string;
  /** flame's own native build of `flame fold` / `flame svg` (native/), when present and executable. */
  nativeBuild?: string;
  /** FLAME_NO_NATIVE is set: bin/flame runs them on Node anyway. */
  nativeOff?: boolean;
  /** The cargo project in the current directory, if any. */
  project?: { manifestPath: string; release: ProfileSettings; rustflags: RustflagsSettings };
}

/** Judge the facts: one check per concern, each failing one with its fix. */
export function evaluate(f: DoctorFacts): Check[] {
  const checks: Check[] = [];
  const debian = f.distro.includes('debian') && !f.distro.includes('ubuntu');
  const ubuntu = f.distro.includes('ubuntu');
  const privileged = f.root || f.capPerfmon;

  checks.push(
    f.cargoVersion !== undefined
      ? { name: 'cargo', ok: true, essential: true, detail: f.cargoVersion }
      : { name: 'cargo', ok: false, essential: true, detail: 'cargo not found on PATH', fix: 'install Rust with rustup: https://rustup.rs' },
  );

  if (f.perfVersion !== undefined) {
    const from = f.perfPackage !== undefined ? ` (package ${f.perfPackage})` : '';
    checks.push({ name: 'perf', ok: true, essential: true, detail: `${f.perfVersion}${from}` });
  } else {
    const fix = debian
      ? 'sudo apt-get install linux-perf'
      : ubuntu
        ? 'sudo apt-get install linux-tools-common linux-tools-generic linux-tools-$(uname -r)'
        : f.distro.some((d) => d === 'fedora' || d === 'rhel')
          ? 'sudo dnf install perf'
          : 'install perf (Debian: linux-perf; Ubuntu: linux-tools-$(uname -r); Fedora: perf)';
    checks.push({ name: 'perf', ok: false, essential: true, detail: 'perf not found on PATH (or no perf for the running kernel)', fix });
  }

  if (f.paranoid === undefined) {
    checks.push({ name: 'perf_event_paranoid', ok: false, essential: false, detail: 'cannot read /proc/sys/kernel/perf_event_paranoid (not Linux?)' });
  } else {
    const p = f.paranoid;
    const meaning =
      p <= -1 ? 'no restrictions' : p === 0 ? 'user and kernel sampling, CPU-wide allowed' : p === 1 ? 'user and kernel sampling of your own processes'
        : p === 2 ? 'user-space sampling of your own processes only; kernel frames are left out'
          : 'all unprivileged sampling blocked';
    const blocked = p >= 3 && !privileged;
    const who = privileged ? (f.root ? '; running as root, so it does not apply' : '; CAP_PERFMON overrides it') : '';
    checks.push({
      name: 'perf_event_paranoid',
      ok: !blocked,
      essential: true,
      detail: `kernel.perf_event_paranoid = ${p}: ${meaning}${who}`,
      ...(blocked || (p === 2 && !privileged) ? { fix: 'sudo sysctl kernel.perf_event_paranoid=1 (add it to /etc/sysctl.d/ to keep it)' } : {}),
    });
  }

  if (f.kptrRestrict !== undefined) {
    const hidden = f.kptrRestrict >= 2 || (f.kptrRestrict === 1 && !privileged);
    checks.push({
      name: 'kptr_restrict',
      ok: !hidden,
      essential: false,
      detail: `kernel.kptr_restrict = ${f.kptrRestrict}: kernel symbol addresses are ${hidden ? 'hidden, so kernel frames show as [unknown]' : 'readable'}`,
      ...(hidden ? { fix: 'sudo sysctl kernel.kptr_restrict=0' } : {}),
    });
  }

  if (f.perfSample !== undefined) {
    checks.push(
      f.perfSample.ok
        ? { name: 'perf sampling', ok: true, essential: true, detail: 'perf record -e cpu-clock works' }
        : {
            name: 'perf sampling',
            ok: false,
            essential: true,
            detail: `perf record -e cpu-clock failed: ${f.perfSample.error ?? 'unknown error'}`,
            fix: f.paranoid !== undefined && f.paranoid > 1 && !privileged ? 'sudo sysctl kernel.perf_event_paranoid=1' : 'run `perf record -e cpu-clock -- true` to see why',
          },
    );
  }
  if (f.hardwareCounters !== undefined) {
    checks.push({
      name: 'hardware counters',
      ok: true,
      essential: false,
      detail: f.hardwareCounters ? 'the cycles event counts' : 'no hardware cycles counter (common in VMs); flame samples with cpu-clock instead',
    });
  }

  if (f.lbr !== undefined) {
    checks.push({
      name: 'lbr',
      ok: true,
      essential: false,
      detail: f.lbr ? '--call-graph lbr works' : 'no Last Branch Record on this CPU or VM: --call-graph lbr fails here; dwarf (the default) and fp work',
    });
  }

  const symbolizer = f.llvmSymbolizer ?? f.addr2line;
  checks.push(
    symbolizer !== undefined
      ? { name: 'symbolizer', ok: true, essential: true, detail: f.llvmSymbolizer !== undefined ? `llvm-symbolizer at ${f.llvmSymbolizer}` : `addr2line at ${f.addr2line} (llvm-symbolizer is faster and knows inlined Rust frames better)` }
      : { name: 'symbolizer', ok: false, essential: true, detail: 'neither llvm-symbolizer nor addr2line found', fix: debian || ubuntu ? 'sudo apt-get install llvm' : 'install llvm (for llvm-symbolizer) or binutils (for addr2line)' },
  );

  checks.push(
    f.nativeBuild !== undefined && f.nativeOff
      ? { name: 'native fold/svg', ok: false, essential: false, detail: 'FLAME_NO_NATIVE is set: flame fold and flame svg run on Node', fix: 'unset FLAME_NO_NATIVE' }
      : f.nativeBuild !== undefined
      ? { name: 'native fold/svg', ok: true, essential: false, detail: `flame fold and flame svg run natively (${f.nativeBuild})` }
      : {
          name: 'native fold/svg',
          ok: false,
          essential: false,
          detail: 'not built: flame fold and flame svg run on Node, 3–14× slower on a cold start',
          fix: f.cargoVersion !== undefined ? 'npm run build (in the flame checkout)' : 'install Rust (rustup), then npm run build in the flame checkout',
        },
  );

  if (f.project !== undefined) checks.push(debugInfoCheck(f.project), rustflagsCheck(f.project.rustflags), linkerCheck(f));
  return checks;
}

/** Whether every essential check passed: the exit status of `flame doctor`. */
export function allEssentialOk(checks: Check[]): boolean {
  return checks.every((c) => c.ok || !c.essential);
}

/** Observe the machine and the cargo project in `cwd`. */
export async function gatherFacts(opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<DoctorFacts> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const env = opts.env ?? process.env;
  const [cargoVersion, rustcVV, perfVersion, osRelease, paranoid, kptr, status, llvm, addr2line] = await Promise.all([
    firstLine('cargo', ['--version'], cwd),
    output('rustc', ['-vV'], cwd),
    firstLine('perf', ['--version'], cwd),
    readFile('/etc/os-release', 'utf8').catch(() => ''),
    readNumber('/proc/sys/kernel/perf_event_paranoid'),
    readNumber('/proc/sys/kernel/kptr_restrict'),
    readFile('/proc/self/status', 'utf8').catch(() => ''),
    // The lookup flame itself uses, so doctor reports the tool records will run.
    findTool('llvm-symbolizer').then((t) => t.path, () => undefined),
    findTool('addr2line').then((t) => t.path, () => undefined),
  ]);
  const facts: DoctorFacts = {
    distro: osIds(osRelease),
    root: process.getuid?.() === 0,
    capPerfmon: hasCap(status, 38) || hasCap(status, 21),
  };
  if (cargoVersion !== undefined) facts.cargoVersion = cargoVersion;
  const release = /^release: (\S+)/m.exec(rustcVV ?? '')?.[1];
  const host = /^host: (\S+)/m.exec(rustcVV ?? '')?.[1];
  if (release !== undefined && host !== undefined) facts.rustc = { release, host };
  if (paranoid !== undefined) facts.paranoid = paranoid;
  if (kptr !== undefined) facts.kptrRestrict = kptr;
  if (llvm !== undefined) facts.llvmSymbolizer = llvm;
  // What bin/flame checks before it runs the native build: executable, and not turned off.
  const native = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'target', 'release', 'flame-native');
  if (await access(native, constants.X_OK).then(() => true, () => false)) facts.nativeBuild = native;
  if (env.FLAME_NO_NATIVE) facts.nativeOff = true;
  if (addr2line !== undefined) facts.addr2line = addr2line;
  if (perfVersion !== undefined) {
    facts.perfVersion = perfVersion;
    const perfPath = await which('perf', (process.env.PATH ?? '').split(path.delimiter).filter(Boolean));
    const owner = perfPath === undefined ? undefined : await output('dpkg-query', ['-S', perfPath], cwd);
    const pkg = owner?.split('\n').find((l) => !l.startsWith('diversion'))?.split(':')[0];
    if (pkg) facts.perfPackage = pkg;
    Object.assign(facts, await perfProbe(cwd));
  }
  const manifestDir = findManifestDir(cwd);
  if (manifestDir !== undefined) {
    const root = (await workspaceRoot(cwd)) ?? manifestDir;
    const rootManifest = path.join(root, 'Cargo.toml');
    facts.project = {
      manifestPath: rootManifest,
      release: profileSettings(await readToml(rootManifest), 'release', rootManifest),
      rustflags: await rustflags(cwd, facts.rustc?.host ?? hostTriple(), env),
    };
  }
  return facts;
}

function debugInfoCheck(p: NonNullable<DoctorFacts['project']>): Check {
  const s = p.release;
  const debug = debugEnabled(s.debug);
  const stripped = stripsDebugInfo(s.strip);
  const where = s.source === 'default' ? 'cargo default' : s.source;
  const now = `release profile (${where}): debug = ${JSON.stringify(s.debug ?? false)}, strip = ${JSON.stringify(s.strip ?? 'none')}`;
  if (debug && !stripped) return { name: 'debug info', ok: true, essential: false, detail: `${now}; profiles get source lines` };
  // flame record builds in its own profile with debug info (flame-release), so this only warns.
  const why = stripped ? `strip = ${JSON.stringify(s.strip)} removes debug info` : 'no debug info';
  return {
    name: 'debug info',
    ok: true,
    essential: false,
    detail: `${now}: ${why}; flame record turns it on for its own builds, other tools (cargo flamegraph, perf on your builds) need it in ${path.basename(p.manifestPath)}`,
  };
}

/** rustflags override profiles, so flame's own debug-info settings cannot undo these. */
function rustflagsCheck(flags: RustflagsSettings): Check {
  const bad = debugInfoBlocker(flags.flags)?.flag;
  if (bad === undefined) {
    return { name: 'rustflags', ok: true, essential: false, detail: flags.source === 'none' ? 'none set' : `from ${flags.source}: nothing that removes debug info` };
  }
  return {
    name: 'rustflags',
    ok: false,
    essential: false,
    detail: `\`${bad}\` in ${flags.source} removes debug info, whatever the profile says: profiles will lack source lines`,
    fix: `remove \`${bad}\` from ${flags.source} (or override it while profiling: RUSTFLAGS="-C strip=none -C debuginfo=2")`,
  };
}

/**
 * Which linker the project's builds use, for the record. lld and mold lay out a read-only segment
 * before the code (no --no-rosegment), which was said to break perf's unwinding: measured with
 * perf 6.1 on Rust 1.95's default rust-lld, on lld and on mold chosen with -fuse-ld, stacks unwind
 * as well as with GNU ld (≤ 0.2% truncated; test/doctor.test.ts records one), so it is no reason
 * to change rustflags and rebuild everything.
 */
function linkerCheck(f: DoctorFacts): Check {
  const flags = f.project!.rustflags;
  const linkArgs = [...codegenOptions(flags.flags, 'link-arg'), ...codegenOptions(flags.flags, 'link-args')];
  const fuse = linkArgs.map((a) => /-fuse-ld=(\S+)/.exec(a)?.[1]).filter((x) => x !== undefined).pop();
  const linker = flags.linker ?? codegenOption(flags.flags, 'linker');
  const features = codegenOption(flags.flags, 'linker-features') ?? '';
  let detail = `system linker${linker ? ` (${linker})` : ''}`;
  if (fuse !== undefined && /lld|mold/.test(fuse)) {
    detail = `${fuse.includes('mold') ? 'mold' : 'lld'} (-fuse-ld=${fuse} in ${flags.source})`;
  } else if (linker !== undefined && /lld|mold/.test(path.basename(linker))) {
    detail = `${linker.includes('mold') ? 'mold' : 'lld'} (linker = ${linker}, ${flags.linkerSource ?? flags.source})`;
  } else if (fuse === undefined && !features.includes('-lld') && rustLldByDefault(f.rustc)) {
    detail = `lld (rust-lld, rustc ${f.rustc!.release}'s default on ${f.rustc!.host})`;
  }
  return { name: 'linker', ok: true, essential: false, detail: `${detail}; perf unwinds its output` };
}

/** Rust 1.90 made rust-lld the default linker on x86_64 Linux. */
function rustLldByDefault(rustc: DoctorFacts['rustc']): boolean {
  if (rustc === undefined || rustc.host !== 'x86_64-unknown-linux-gnu') return false;
  const [major = 0, minor = 0] = rustc.release.split('.').map((n) => Number.parseInt(n, 10));
  return major > 1 || (major === 1 && minor >= 90);
}

async function perfProbe(cwd: string): Promise<Pick<DoctorFacts, 'perfSample' | 'hardwareCounters' | 'lbr'>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flame-doctor-'));
  try {
    const execa = await loadExeca();
    const rec = await execa('perf', ['record', '-e', 'cpu-clock', '-F', '99', '-o', path.join(dir, 'perf.data'), '--', 'true'], { cwd, reject: false });
    const error = rec.stderr.split('\n').find((l) => /error|not permitted|denied|failed/i.test(l))?.trim() ?? rec.stderr.trim().split('\n')[0];
    const perfSample = rec.exitCode === 0 ? { ok: true } : { ok: false, error: error || `exit code ${rec.exitCode}` };
    // perf record falls back to cpu-clock silently; perf stat shows whether cycles really count.
    const stat = await execa('perf', ['stat', '-x', ',', '-e', 'cycles', '--', 'true'], { cwd, reject: false });
    const line = stat.stderr.split('\n').find((l) => l.includes('cycles')) ?? '';
    const lbr = await execa('perf', ['record', '--call-graph', 'lbr', '-o', path.join(dir, 'lbr.data'), '--', 'true'], { cwd, reject: false });
    return { perfSample, hardwareCounters: /^\d/.test(line), lbr: lbr.exitCode === 0 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function output(cmd: string, args: string[], cwd: string): Promise<string | undefined> {
  try {
    const r = await (await loadExeca())(cmd, args, { cwd, reject: false });
    return r.exitCode === 0 ? r.stdout : undefined;
  } catch {
    return undefined;
  }
}

async function firstLine(cmd: string, args: string[], cwd: string): Promise<string | undefined> {
  return (await output(cmd, args, cwd))?.split('\n')[0]?.trim() || undefined;
}


async function readNumber(file: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt((await readFile(file, 'utf8')).trim(), 10);
    return Number.isNaN(n) ? undefined : n;
  } catch {
    return undefined;
  }
}

function osIds(osRelease: string): string[] {
  const id = /^ID="?([^"\n]+)"?/m.exec(osRelease)?.[1];
  const like = /^ID_LIKE="?([^"\n]+)"?/m.exec(osRelease)?.[1];
  return [...(id ? [id] : []), ...(like ? like.split(/\s+/) : [])];
}

function hasCap(status: string, bit: number): boolean {
  const hex = /^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1];
  return hex !== undefined && (BigInt(`0x${hex}`) >> BigInt(bit)) % 2n === 1n;
}


async function workspaceRoot(cwd: string): Promise<string | undefined> {
  const out = await output('cargo', ['locate-project', '--workspace', '--message-format', 'plain'], cwd);
  return out === undefined ? undefined : path.dirname(out.trim());
}
