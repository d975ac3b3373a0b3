// Sustained editing against a real daemon: a script saves a crate's source again and again while
// the daemon builds and records it, each version naming its hot function after its number. Every
// profile delivered must carry the source hash of the version its binary ran (the function name
// tells which), and the last one must be of the final sources.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as P from '../protocol/methods.js';
import { sourceState } from '../engine/sources/source-state.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';
import { runCmd, scratch } from './helpers.js';
import { send } from '../clients/connect.js';

let d: TestDaemon | undefined;
after(async () => {
  await d?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Version `n` of the program: its hot function is `editing::iter_<n>`, kept out of line. */
function version(n: number): string {
  // Operators only, no library calls: those would be inlined frames taking the self time.
  return `#[inline(never)]
fn iter_${n}(rounds: u64) -> u64 {
    let mut x: u64 = ${n} + rounds;
    let mut i: u64 = 0;
    while i < rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        i += 1;
    }
    x
}

fn main() {
    let rounds = 40_000_000 + std::env::args().count() as u64;
    println!("version ${n}: {}", iter_${n}(rounds));
}
`;
}

test(
  'under sustained saves every delivered profile carries the hash of the sources its binary ran, and the last is of the final sources',
  { timeout: 300_000 },
  async () => {
    const work = scratch('flame-stale-ws-');
    mkdirSync(path.join(work, 'src'));
    writeFileSync(path.join(work, 'Cargo.toml'), '[package]\nname = "editing"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n');
    const main = path.join(work, 'src', 'main.rs');
    writeFileSync(main, version(0));
    // Before the daemon: a Cargo.lock appearing with the first build would be an edit of its own.
    const lock = await runCmd('cargo', ['generate-lockfile', '--offline'], { cwd: work });
    assert.equal(lock.exitCode, 0, lock.stderr);
    // A debounce far above the 100 ms between saves, so a run starts only where the script pauses
    // (or where the maximum wait lets a change out), however loaded the machine is.
    d = await startDaemon({ prefix: 'flame-stale', workspace: work, env: { FLAME_DEBOUNCE_MS: '400' } });
    const hashes = new Map<string, number>();
    const targetDir = path.join(work, 'target');
    const save = async (n: number) => {
      writeFileSync(main, version(n));
      hashes.set((await sourceState(work, [work], targetDir)).hash, n);
    };
    hashes.set((await sourceState(work, [work], targetDir)).hash, 0);

    const c = await d.client();
    const delivered: Array<{ version: number | undefined; hash: string | undefined; names: string[] }> = [];
    let builds = 0;
    let onBuild: (() => void) | undefined;
    let onProfile: ((v: number | undefined) => void) | undefined;
    c.conn.onNotification((method: string, params: unknown) => {
      if (method === P.BuildStarted.method) {
        builds++;
        onBuild?.();
      }
      if (method === P.ProfileReady.method) {
        const p = params as P.ProfileReady.Params;
        const names = p.top.map((f) => f.name);
        const found = names.map((n) => /\biter_(\d+)$/.exec(n)).find((m) => m !== null);
        const v = found ? Number(found[1]) : undefined;
        delivered.push({ version: v, hash: p.meta.source?.hash, names });
        onProfile?.(v);
      }
    });
    const profileOf = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no profile of version ${n} within 120 s; delivered: ${JSON.stringify(delivered)}`)), 120_000);
        onProfile = (v) => {
          if (v !== n) return;
          clearTimeout(t);
          resolve();
        };
      });
    const buildStarts = () =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 5000);
        onBuild = () => {
          clearTimeout(t);
          resolve();
        };
      });
    try {
      const first = profileOf(0);
      await send(c.conn, P.WatchStart.type, {});
      await first;

      // Three rounds: a save, then as soon as a build starts (its sources just hashed, not yet
      // read by rustc) a new version, and 32 more 100 ms apart, longer than a build and a run take.
      let n = 0;
      for (let round = 0; round < 3; round++) {
        const started = buildStarts();
        await save(++n);
        await started;
        for (let i = 0; i < 32; i++) {
          await save(++n);
          await sleep(100);
        }
        onBuild = undefined;
      }
      const last = profileOf(n);
      await last;
      await sleep(2000); // nothing may follow the final profile
      const wrong = delivered.filter((p) => p.version === undefined || p.hash === undefined || hashes.get(p.hash) !== p.version);
      assert.deepEqual(
        wrong.map((p) => ({ ran: p.version, recordedAs: p.hash === undefined ? undefined : hashes.get(p.hash) })),
        [],
        `profiles whose recorded source hash is not the sources they ran (of ${delivered.length} delivered, ${builds} builds started)`,
      );
      assert.equal(delivered.at(-1)!.version, n, 'the last profile is of the final sources');
      const status = await send(c.conn, P.Status.type, {});
      assert.equal(hashes.get(status.lastProfile!.source!.hash), n);
    } finally {
      c.close();
    }
  },
);
