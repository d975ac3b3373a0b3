// Shared test helpers: paths to the repo, fixtures and the corpus; running the real CLI.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');
/** The compatibility suites, in the repository (test/corpus; FLAME_CORPUS overrides). */
export const CORPUS = process.env.FLAME_CORPUS ?? path.join(REPO, 'test', 'corpus');
export const FLAME_BIN = path.join(REPO, 'bin', 'flame.js');
/** The `flame` launcher a user runs: it execs flame-native for fold and svg. */
export const FLAME_SH = path.join(REPO, 'bin', 'flame');

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run `flame ARGS` as a real process, optionally feeding stdin. */
export function runFlame(args: string[], opts: { cwd?: string; input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FLAME_BIN, ...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Run a command, collecting its output; rejects only when it cannot start. */
export function runCmd(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    // A child that exits before reading its stdin must not fail the test with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Build the hotspots fixture in release with debug info; returns the path of its binary. */
export async function buildHotspots(): Promise<string> {
  const dir = path.join(FIXTURES, 'hotspots');
  const r = await runCmd('cargo', ['build', '--release', '--quiet'], { cwd: dir, env: { CARGO_PROFILE_RELEASE_DEBUG: 'true' } });
  if (r.exitCode !== 0) throw new Error(`cargo build of the fixture failed:\n${r.stderr}`);
  return path.join(dir, 'target', 'release', 'hotspots');
}

/** `perf record` a command into `out` with flame's default settings, straight through perf. */
export async function perfRecordTo(out: string, command: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  const r = await runCmd('perf', ['record', '-F', '997', '--call-graph', 'dwarf,64000', '-o', out, '--', ...command], { env });
  if (!/Captured and wrote/.test(r.stderr)) throw new Error(`perf record failed:\n${r.stderr}`);
}

/**
 * Build the hotspots fixture with debug info and take a private copy of its binary in `dir`:
 * other tests rebuild the shared target dir with other settings at any moment.
 */
export function hotspotsCopy(dir: string): string {
  const hotspots = path.join(FIXTURES, 'hotspots');
  for (let attempt = 0; attempt < 3; attempt++) {
    execFileSync('cargo', ['build', '--release', '--quiet'], {
      cwd: hotspots,
      env: { ...process.env, CARGO_PROFILE_RELEASE_DEBUG: 'true' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const copy = path.join(dir, 'hotspots');
    copyFileSync(path.join(hotspots, 'target', 'release', 'hotspots'), copy);
    if (/\.debug_line/.test(execFileSync('readelf', ['-SW', copy], { encoding: 'utf8', maxBuffer: 64 << 20 }))) return copy;
  }
  throw new Error('could not get a build of the hotspots fixture with debug info');
}

const scratchDirs: string[] = [];
process.on('exit', () => {
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
});

/** A temporary directory removed when the test file's process exits (recordings are large). */
export function scratch(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratchDirs.push(d);
  return d;
}

/** A small seeded PRNG (mulberry32): generated test and benchmark data is the same every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Run a real editor that writes what it saw as JSON to `outFile`, killed after `timeoutMs` (a
 * hung editor fails the test on its missing output); the parsed result.
 */
export async function runEditor<T>(
  bin: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; outFile: string; timeoutMs: number; stdin?: string },
): Promise<T & { stderr: string }> {
  const child = spawn(bin, args, { cwd: opts.cwd, env: opts.env, stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
  if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('close', (c) => {
      clearTimeout(t);
      resolve(c);
    });
  });
  if (!existsSync(opts.outFile)) throw new Error(`${path.basename(bin)} wrote no result (exit ${code}): ${stderr}`);
  return { ...(JSON.parse(readFileSync(opts.outFile, 'utf8')) as T), stderr };
}
