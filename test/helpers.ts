// Shared test helpers: paths to the repo, fixtures and the corpus; running the real CLI.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');
/** ../shared/corpus beside the checkout (FLAME_CORPUS overrides). */
export const CORPUS = process.env.FLAME_CORPUS ?? path.resolve(REPO, '..', 'shared', 'corpus');
export const FLAME_BIN = path.join(REPO, 'bin', 'flame.js');

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
    child.on('close', (code) =>
      resolve({ exitCode: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.end(opts.input ?? '');
  });
}
