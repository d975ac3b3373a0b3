// `npm run build` step: build flame-native (the fast `flame fold` / `flame svg`) with cargo.
// Without cargo, or when the build fails, bin/flame runs the Node implementations and this says
// so; the install goes on (test/native.test.ts fails when the binary is missing or stale).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const manifest = path.join(path.dirname(fileURLToPath(import.meta.url)), 'Cargo.toml');
const probe = spawnSync('cargo', ['--version'], { stdio: 'ignore' });
if (probe.error !== undefined || probe.status !== 0) {
  console.warn('flame: cargo not found; `flame fold` and `flame svg` will run on Node (slower start). Install Rust (rustup) and run `npm run build` for the native ones.');
  process.exit(0);
}
const r = spawnSync('cargo', ['build', '--release', '--quiet', '--manifest-path', manifest], { stdio: 'inherit' });
if (r.status !== 0) {
  console.warn(`flame: building native/ failed (cargo exited with ${r.status ?? r.signal}, errors above); \`flame fold\` and \`flame svg\` will run on Node until \`npm run build\` succeeds.`);
}
