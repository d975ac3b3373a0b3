// `flame doctor`: why a profile would come out empty or nameless, found before the user records.
// This file gathers the facts by running the tools; the checks that judge them are a table of
// pure functions (checks.ts), so every verdict and its fix can be tested with data.
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExeca } from '../../common/spawn.js';
import { hostTriple } from '../cargo/debuginfo.js';
import { findManifestDir, readMetadata } from '../cargo/target.js';
import { destinationOf, pushSetting, type Destination } from '../push/config.js';
import { probeServer } from '../push/push.js';
import { findTool, which } from '../symbols/tool.js';
import { profileSettings, readToml, rustflags } from '../cargo/config.js';
import type { DoctorFacts } from './checks.js';

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
    findTool({ prefer: 'llvm-symbolizer' }).then(
      (t) => t.path,
      () => undefined,
    ),
    findTool({ prefer: 'addr2line' }).then(
      (t) => t.path,
      () => undefined,
    ),
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
  // What bin/flame checks before it runs the native build: that it is executable.
  const native = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'native', 'target', 'release', 'flame-native');
  if (
    await access(native, constants.X_OK).then(
      () => true,
      () => false,
    )
  )
    facts.nativeBuild = native;
  if (addr2line !== undefined) facts.addr2line = addr2line;
  if (perfVersion !== undefined) {
    facts.perfVersion = perfVersion;
    const perfPath = await which('perf', (process.env.PATH ?? '').split(path.delimiter).filter(Boolean));
    const owner = perfPath === undefined ? undefined : await output('dpkg-query', ['-S', perfPath], cwd);
    const pkg = owner
      ?.split('\n')
      .find((l) => !l.startsWith('diversion'))
      ?.split(':')[0];
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
    const push = await pushFacts(cwd, env);
    if (push !== undefined) facts.push = push;
  }
  return facts;
}

/** The push setting's servers and their answers; undefined without a setting (or without cargo metadata). */
async function pushFacts(cwd: string, env: NodeJS.ProcessEnv): Promise<DoctorFacts['push']> {
  const md = await readMetadata({ cwd }).catch(() => undefined);
  if (md === undefined) return undefined;
  const dests = new Map<string, Destination>();
  try {
    for (const pkg of [undefined, ...md.packages.filter((p) => md.workspaceMembers.includes(p.id)).map((p) => p.name)]) {
      const s = pushSetting(md, pkg);
      if (s.url !== undefined) dests.set(s.url, destinationOf(s, s.url, 'url'));
    }
  } catch (err) {
    return { servers: [], problem: (err as Error).message };
  }
  if (dests.size === 0) return undefined;
  return { servers: await Promise.all([...dests.values()].map((d) => probeServer(d, env))) };
}

async function perfProbe(cwd: string): Promise<Pick<DoctorFacts, 'perfSample' | 'hardwareCounters' | 'lbr'>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flame-doctor-'));
  try {
    const execa = await loadExeca();
    const rec = await execa('perf', ['record', '-e', 'cpu-clock', '-F', '99', '-o', path.join(dir, 'perf.data'), '--', 'true'], { cwd, reject: false });
    const error =
      rec.stderr
        .split('\n')
        .find((l) => /error|not permitted|denied|failed/i.test(l))
        ?.trim() ?? rec.stderr.trim().split('\n')[0];
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
