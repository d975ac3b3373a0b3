// The checks of `flame doctor` as one table: each entry names the facts it reads, judges them and
// says what fixes a failure. Verdicts are pure functions over the gathered facts (doctor.ts), so
// every verdict and its fix can be tested with data; adding a check is adding an entry.
import path from 'node:path';
import {
  codegenOption,
  codegenOptions,
  debugEnabled,
  debugInfoBlocker,
  stripsDebugInfo,
  type ProfileSettings,
  type RustflagsSettings,
} from '../cargo/config.js';

/** One check's outcome, as `flame doctor` prints it and `--json` gives it. */
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
  /** flame-native (native/), when present and executable: `flame fold`, `flame svg` and every flame graph flame draws. */
  nativeBuild?: string;
  /**
   * The push setting's servers (the workspace's and its packages') and how each answered a
   * GET of its /ready, or why the setting cannot be used; absent without a setting.
   */
  push?: { servers: Array<{ url: string; ok: boolean; detail: string }>; problem?: string };
  /** The cargo project in the current directory, if any. */
  project?: { manifestPath: string; release: ProfileSettings; rustflags: RustflagsSettings };
}

export interface Verdict {
  ok: boolean;
  detail: string;
  /** Overrides the entry's `essential` (a fact that could not be read only warns). */
  essential?: boolean;
}

export interface CheckEntry {
  name: string;
  /** Whether a failure decides the exit code. */
  essential: boolean;
  /** The facts the verdict and the fix read (test/doctor.test.ts holds them to it). */
  gathers: readonly (keyof DoctorFacts)[];
  /** undefined when the check does not apply: its facts were not gathered (no perf, no project). */
  verdict(f: DoctorFacts): Verdict | undefined;
  /** What to run or change; undefined when there is nothing to do. */
  fix?(f: DoctorFacts, v: Verdict): string | undefined;
}

const debian = (f: DoctorFacts): boolean => f.distro.includes('debian') && !f.distro.includes('ubuntu');
const ubuntu = (f: DoctorFacts): boolean => f.distro.includes('ubuntu');
const privileged = (f: DoctorFacts): boolean => f.root || f.capPerfmon;
const PRIVILEGE = ['root', 'capPerfmon'] as const;

/** Every check, in the order `flame doctor` prints them. */
export const CHECKS: readonly CheckEntry[] = [
  {
    name: 'cargo',
    essential: true,
    gathers: ['cargoVersion'],
    verdict: (f) => (f.cargoVersion !== undefined ? { ok: true, detail: f.cargoVersion } : { ok: false, detail: 'cargo not found on PATH' }),
    fix: (_f, v) => (v.ok ? undefined : 'install Rust with rustup: https://rustup.rs'),
  },
  {
    name: 'perf',
    essential: true,
    gathers: ['perfVersion', 'perfPackage', 'distro'],
    verdict: (f) =>
      f.perfVersion !== undefined
        ? { ok: true, detail: `${f.perfVersion}${f.perfPackage !== undefined ? ` (package ${f.perfPackage})` : ''}` }
        : { ok: false, detail: 'perf not found on PATH (or no perf for the running kernel)' },
    fix: (f, v) =>
      v.ok
        ? undefined
        : debian(f)
          ? 'sudo apt-get install linux-perf'
          : ubuntu(f)
            ? 'sudo apt-get install linux-tools-common linux-tools-generic linux-tools-$(uname -r)'
            : f.distro.some((d) => d === 'fedora' || d === 'rhel')
              ? 'sudo dnf install perf'
              : 'install perf (Debian: linux-perf; Ubuntu: linux-tools-$(uname -r); Fedora: perf)',
  },
  {
    name: 'perf_event_paranoid',
    essential: true,
    gathers: ['paranoid', ...PRIVILEGE],
    verdict: (f) => {
      const p = f.paranoid;
      if (p === undefined) return { ok: false, essential: false, detail: 'cannot read /proc/sys/kernel/perf_event_paranoid (not Linux?)' };
      const meaning =
        p <= -1
          ? 'no restrictions'
          : p === 0
            ? 'user and kernel sampling, CPU-wide allowed'
            : p === 1
              ? 'user and kernel sampling of your own processes'
              : p === 2
                ? 'user-space sampling of your own processes only; kernel frames are left out'
                : 'all unprivileged sampling blocked';
      const who = privileged(f) ? (f.root ? '; running as root, so it does not apply' : '; CAP_PERFMON overrides it') : '';
      return { ok: !(p >= 3 && !privileged(f)), detail: `kernel.perf_event_paranoid = ${p}: ${meaning}${who}` };
    },
    // At 2 sampling works but kernel frames are missing: the fix is given, for the JSON, though the check passes.
    fix: (f) =>
      f.paranoid !== undefined && f.paranoid >= 2 && !privileged(f)
        ? 'sudo sysctl kernel.perf_event_paranoid=1 (add it to /etc/sysctl.d/ to keep it)'
        : undefined,
  },
  {
    name: 'kptr_restrict',
    essential: false,
    gathers: ['kptrRestrict', ...PRIVILEGE],
    verdict: (f) => {
      if (f.kptrRestrict === undefined) return undefined;
      const hidden = f.kptrRestrict >= 2 || (f.kptrRestrict === 1 && !privileged(f));
      return {
        ok: !hidden,
        detail: `kernel.kptr_restrict = ${f.kptrRestrict}: kernel symbol addresses are ${hidden ? 'hidden, so kernel frames show as [unknown]' : 'readable'}`,
      };
    },
    fix: (_f, v) => (v.ok ? undefined : 'sudo sysctl kernel.kptr_restrict=0'),
  },
  {
    name: 'perf sampling',
    essential: true,
    gathers: ['perfSample', 'paranoid', ...PRIVILEGE],
    verdict: (f) =>
      f.perfSample === undefined
        ? undefined
        : f.perfSample.ok
          ? { ok: true, detail: 'perf record -e cpu-clock works' }
          : { ok: false, detail: `perf record -e cpu-clock failed: ${f.perfSample.error ?? 'unknown error'}` },
    fix: (f, v) =>
      v.ok
        ? undefined
        : f.paranoid !== undefined && f.paranoid > 1 && !privileged(f)
          ? 'sudo sysctl kernel.perf_event_paranoid=1'
          : 'run `perf record -e cpu-clock -- true` to see why',
  },
  {
    name: 'hardware counters',
    essential: false,
    gathers: ['hardwareCounters'],
    verdict: (f) =>
      f.hardwareCounters === undefined
        ? undefined
        : {
            ok: true,
            detail: f.hardwareCounters ? 'the cycles event counts' : 'no hardware cycles counter (common in VMs); flame samples with cpu-clock instead',
          },
  },
  {
    name: 'lbr',
    essential: false,
    gathers: ['lbr'],
    verdict: (f) =>
      f.lbr === undefined
        ? undefined
        : {
            ok: true,
            detail: f.lbr ? '--call-graph lbr works' : 'no Last Branch Record on this CPU or VM: --call-graph lbr fails here; dwarf (the default) and fp work',
          },
  },
  {
    name: 'symbolizer',
    essential: true,
    gathers: ['llvmSymbolizer', 'addr2line', 'distro'],
    verdict: (f) =>
      f.llvmSymbolizer !== undefined
        ? { ok: true, detail: `llvm-symbolizer at ${f.llvmSymbolizer}` }
        : f.addr2line !== undefined
          ? { ok: true, detail: `addr2line at ${f.addr2line} (llvm-symbolizer is faster and knows inlined Rust frames better)` }
          : { ok: false, detail: 'neither llvm-symbolizer nor addr2line found' },
    fix: (f, v) => (v.ok ? undefined : debian(f) || ubuntu(f) ? 'sudo apt-get install llvm' : 'install llvm (for llvm-symbolizer) or binutils (for addr2line)'),
  },
  {
    name: 'native fold/svg',
    essential: true,
    gathers: ['nativeBuild', 'cargoVersion'],
    verdict: (f) =>
      f.nativeBuild !== undefined
        ? { ok: true, detail: `flame-native draws the flame graphs and runs flame fold and flame svg (${f.nativeBuild})` }
        : { ok: false, detail: 'flame-native is not built: no flame graph can be drawn, and flame fold and flame svg do not run' },
    fix: (f, v) =>
      v.ok
        ? undefined
        : f.cargoVersion !== undefined
          ? 'npm run build (in the flame checkout)'
          : 'install Rust (rustup), then npm run build in the flame checkout',
  },
  {
    name: 'debug info',
    essential: false,
    gathers: ['project'],
    verdict: (f) => (f.project === undefined ? undefined : debugInfoVerdict(f.project)),
  },
  {
    // rustflags override profiles, so flame's own debug-info settings cannot undo these.
    name: 'rustflags',
    essential: false,
    gathers: ['project'],
    verdict: (f) => {
      if (f.project === undefined) return undefined;
      const { flags, source } = f.project.rustflags;
      const bad = debugInfoBlocker(flags)?.flag;
      if (bad === undefined) return { ok: true, detail: source === 'none' ? 'none set' : `from ${source}: nothing that removes debug info` };
      return { ok: false, detail: `\`${bad}\` in ${source} removes debug info, whatever the profile says: profiles will lack source lines` };
    },
    fix: (f, v) => {
      const bad = v.ok ? undefined : debugInfoBlocker(f.project!.rustflags.flags)?.flag;
      return bad === undefined
        ? undefined
        : `remove \`${bad}\` from ${f.project!.rustflags.source} (or override it while profiling: RUSTFLAGS="-C strip=none -C debuginfo=2")`;
    },
  },
  {
    name: 'linker',
    essential: false,
    gathers: ['project', 'rustc'],
    verdict: (f) => (f.project === undefined ? undefined : { ok: true, detail: `${linkerOf(f.project.rustflags, f.rustc)}; perf unwinds its output` }),
  },
  {
    name: 'push server',
    essential: false,
    gathers: ['push'],
    verdict: (f) => {
      if (f.push === undefined) return undefined;
      if (f.push.problem !== undefined) return { ok: false, detail: f.push.problem };
      return { ok: f.push.servers.every((s) => s.ok), detail: f.push.servers.map((s) => `${s.url}: ${s.detail}`).join('; ') };
    },
    fix: (f, v) =>
      v.ok
        ? undefined
        : f.push?.problem !== undefined
          ? 'correct [workspace.metadata.flame.push] / [package.metadata.flame.push] in Cargo.toml (README: flame push)'
          : 'start the server, or correct the url of the push setting ([workspace.metadata.flame.push] or [package.metadata.flame.push] in Cargo.toml); until it answers, profiles stay queued in target/flame/push/ and `flame push` retries them',
  },
];

/** Judge the facts: one Check per entry that applies, each failing one with its fix. */
export function evaluate(f: DoctorFacts): Check[] {
  const checks: Check[] = [];
  for (const entry of CHECKS) {
    const v = entry.verdict(f);
    if (v === undefined) continue;
    const fix = entry.fix?.(f, v);
    checks.push({ name: entry.name, ok: v.ok, essential: v.essential ?? entry.essential, detail: v.detail, ...(fix === undefined ? {} : { fix }) });
  }
  return checks;
}

/** Whether every essential check passed: the exit status of `flame doctor`. */
export function allEssentialOk(checks: Check[]): boolean {
  return checks.every((c) => c.ok || !c.essential);
}

/** flame record builds in its own profile with debug info (flame-release), so this only informs. */
function debugInfoVerdict(p: NonNullable<DoctorFacts['project']>): Verdict {
  const s = p.release;
  const stripped = stripsDebugInfo(s.strip);
  const where = s.source === 'default' ? 'cargo default' : s.source;
  const now = `release profile (${where}): debug = ${JSON.stringify(s.debug ?? false)}, strip = ${JSON.stringify(s.strip ?? 'none')}`;
  if (debugEnabled(s.debug) && !stripped) return { ok: true, detail: `${now}; profiles get source lines` };
  const why = stripped ? `strip = ${JSON.stringify(s.strip)} removes debug info` : 'no debug info';
  return {
    ok: true,
    detail: `${now}: ${why}; flame record turns it on for its own builds, other tools (cargo flamegraph, perf on your builds) need it in ${path.basename(p.manifestPath)}`,
  };
}

/**
 * Which linker the project's builds use, for the record. lld and mold lay out a read-only segment
 * before the code (no --no-rosegment), which was said to break perf's unwinding: measured with
 * perf 6.1 on Rust 1.95's default rust-lld, on lld and on mold chosen with -fuse-ld, stacks unwind
 * as well as with GNU ld (≤ 0.2% truncated; test/doctor.test.ts records one), so it is no reason
 * to change rustflags and rebuild everything.
 */
function linkerOf(flags: RustflagsSettings, rustc: DoctorFacts['rustc']): string {
  const linkArgs = [...codegenOptions(flags.flags, 'link-arg'), ...codegenOptions(flags.flags, 'link-args')];
  const fuse = linkArgs
    .map((a) => /-fuse-ld=(\S+)/.exec(a)?.[1])
    .filter((x) => x !== undefined)
    .pop();
  const linker = flags.linker ?? codegenOption(flags.flags, 'linker');
  const features = codegenOption(flags.flags, 'linker-features') ?? '';
  if (fuse !== undefined && /lld|mold/.test(fuse)) return `${fuse.includes('mold') ? 'mold' : 'lld'} (-fuse-ld=${fuse} in ${flags.source})`;
  if (linker !== undefined && /lld|mold/.test(path.basename(linker)))
    return `${linker.includes('mold') ? 'mold' : 'lld'} (linker = ${linker}, ${flags.linkerSource ?? flags.source})`;
  if (fuse === undefined && !features.includes('-lld') && rustLldByDefault(rustc)) return `lld (rust-lld, rustc ${rustc!.release}'s default on ${rustc!.host})`;
  return `system linker${linker ? ` (${linker})` : ''}`;
}

/** Rust 1.90 made rust-lld the default linker on x86_64 Linux. */
function rustLldByDefault(rustc: DoctorFacts['rustc']): boolean {
  if (rustc === undefined || rustc.host !== 'x86_64-unknown-linux-gnu') return false;
  const [major = 0, minor = 0] = rustc.release.split('.').map((n) => Number.parseInt(n, 10));
  return major > 1 || (major === 1 && minor >= 90);
}
