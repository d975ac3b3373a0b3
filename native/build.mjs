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
const cargo = (env) => spawnSync('cargo', ['build', '--release', '--quiet', '--manifest-path', manifest], { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, ...env }, encoding: 'utf8' });
// Linked statically, not position-independent: no dynamic loader and no relocations at start,
// which is a third of a small input's run (1.78 → 1.40 ms for ledger-inline's SVG). Where the
// C library has no static archive, the ordinary build.
let r = process.platform === 'linux' ? cargo({ RUSTFLAGS: `${process.env.RUSTFLAGS ?? ''} -C target-feature=+crt-static -C relocation-model=static`.trim() }) : undefined;
if (r === undefined || r.status !== 0) r = cargo({});
if (r.status !== 0) {
  process.stderr.write(r.stderr ?? '');
  console.warn(`flame: building native/ failed (cargo exited with ${r.status ?? r.signal}, errors above); \`flame fold\` and \`flame svg\` will run on Node until \`npm run build\` succeeds.`);
}
