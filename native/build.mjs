// `npm run build` step (and so `npm ci`): build flame-native, the only implementation of `flame
// fold`, `flame svg` and the SVGs that `flame record` and the daemon write. Without it flame
// cannot draw a graph, so a missing cargo or a failed build fails the install, saying what to run.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const manifest = path.join(path.dirname(fileURLToPath(import.meta.url)), 'Cargo.toml');
const command = `cargo build --release --manifest-path ${manifest}`;
const fail = (why) => {
  console.error(
    `flame: ${why}. flame draws its flame graphs with native/ (Rust), so it cannot work without it: install Rust (https://rustup.rs), then run \`${command}\` (or \`npm run build\`) and install again.`,
  );
  process.exit(1);
};
const probe = spawnSync('cargo', ['--version'], { stdio: 'ignore' });
if (probe.error !== undefined || probe.status !== 0) fail('cargo was not found on the PATH');
const cargo = (env) =>
  spawnSync('cargo', ['build', '--release', '--quiet', '--manifest-path', manifest], {
    stdio: ['ignore', 'inherit', 'pipe'],
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
// Linked statically, not position-independent: no dynamic loader and no relocations at start,
// which is a third of a small input's run (1.78 → 1.40 ms for ledger-inline's SVG). Where the
// C library has no static archive, the ordinary build.
let r =
  process.platform === 'linux'
    ? cargo({ RUSTFLAGS: `${process.env.RUSTFLAGS ?? ''} -C target-feature=+crt-static -C relocation-model=static`.trim() })
    : undefined;
if (r === undefined || r.status !== 0) r = cargo({});
if (r.status !== 0) {
  process.stderr.write(r.stderr ?? '');
  fail(`building native/ failed (cargo exited with ${r.status ?? r.signal}; its errors are above)`);
}
