// `flame fold` and `flame svg` when flame is started with node (bin/flame.js) rather than through
// bin/flame, which execs flame-native itself: the same binary, with the terminal handed over.
import { spawn } from '../../common/spawn.js';
import { constants } from 'node:os';
import { NATIVE_BINARY, notStarted } from '../../engine/render/native.js';

/** Run `flame-native <verb> <argv>` on this process's stdio; its exit code (128+n for a signal). */
export function runNativeVerb(verb: 'fold' | 'svg', argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(NATIVE_BINARY, [verb, ...argv], { stdio: 'inherit' });
    child.on('error', (e: NodeJS.ErrnoException) => reject(notStarted(e, `\`flame ${verb}\` is flame-native`)));
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}
