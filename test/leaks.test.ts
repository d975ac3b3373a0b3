// What a real daemon leaves behind: an import of a FIFO, an import whose client left, and the
// cargo, build scripts, perf and programs of a daemon killed with SIGKILL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as P from '../protocol/methods.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';
import { FIXTURES, hotspotsCopy, perfRecordTo, scratch } from './helpers.js';
import { send } from '../clients/connect.js';

const daemons: TestDaemon[] = [];
after(async () => {
  for (const d of daemons) await d.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `pid`'s parent and command name from /proc, or undefined when it is gone. */
function procStat(pid: number): { ppid: number; comm: string; start: string } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const rest = s.slice(close + 2).split(' ');
    return { comm: s.slice(s.indexOf('(') + 1, close), ppid: Number(rest[1]), start: rest[19]! };
  } catch {
    return undefined;
  }
}

/** Every process descending from `root`, with its start time (a reused pid is another process). */
function descendants(root: number): Array<{ pid: number; comm: string; start: string }> {
  const all = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
  const stats = new Map(all.map((pid) => [pid, procStat(pid)] as const));
  const out: Array<{ pid: number; comm: string; start: string }> = [];
  const walk = (parent: number) => {
    for (const [pid, st] of stats) {
      if (st?.ppid === parent) {
        out.push({ pid, comm: st.comm, start: st.start });
        walk(pid);
      }
    }
  };
  walk(root);
  return out;
}

const alive = (p: { pid: number; start: string }) => procStat(p.pid)?.start === p.start;

async function until(what: string, cond: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** SIGKILL the daemon once `ready` holds of its descendants; then none of them may live on. */
async function killDuring(d: TestDaemon, what: string, ready: (ps: Array<{ comm: string }>) => boolean): Promise<void> {
  const pid = d.child.pid!;
  await until(what, () => ready(descendants(pid)));
  const before = descendants(pid);
  d.child.kill('SIGKILL');
  await new Promise((r) => d.child.once('exit', r));
  // A bounded wait: the watchdog needs a moment to see the pipe close and kill the groups.
  const deadline = Date.now() + 10_000;
  while (before.some(alive) && Date.now() < deadline) await sleep(100);
  const left = before.filter(alive);
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  assert.deepEqual(
    left.map((p) => p.comm),
    [],
    `processes of the daemon killed ${what} still running 10 s later (of ${before.map((p) => p.comm).join(', ')})`,
  );
}

test('children of a daemon killed with SIGKILL during a build end with it: cargo and its build script', { timeout: 180_000 }, async () => {
  const d = await startDaemon({ prefix: 'flame-leak-build', crate: path.join(FIXTURES, 'slowbuild') });
  daemons.push(d);
  const c = await d.client();
  void send(c.conn, P.ProfileOnce.type, {}).catch(() => {});
  // The build script sleeps for an hour: only an end brought from outside stops it.
  await killDuring(d, 'during a build', (ps) => ps.some((p) => p.comm.startsWith('build-script')));
  c.close();
});

test('children of a daemon killed with SIGKILL during a recording end with it: perf, perf script and the program', { timeout: 180_000 }, async () => {
  const d = await startDaemon({ prefix: 'flame-leak-record', crate: path.join(FIXTURES, 'graceful') });
  daemons.push(d);
  const c = await d.client();
  void send(c.conn, P.ProfileOnce.type, {}).catch(() => {});
  // The program works until a SIGINT that never comes.
  await killDuring(d, 'during a recording', (ps) => ps.some((p) => p.comm === 'graceful') && ps.some((p) => p.comm === 'perf'));
  c.close();
});

test('profile/import of a FIFO is refused at once, naming it; of a directory too', { timeout: 120_000 }, async () => {
  const d = await startDaemon({ prefix: 'flame-leak-fifo' });
  daemons.push(d);
  const fifo = path.join(scratch('flame-fifo-'), 'perf.data');
  execFileSync('mkfifo', [fifo]);
  const c = await d.client();
  try {
    for (const file of [fifo, path.dirname(fifo)]) {
      const answer = send(c.conn, P.ProfileImport.type, { perfData: file }).then(
        () => 'a profile',
        (e: Error) => e.message,
      );
      // Without the check perf script waits on the FIFO forever: no answer comes.
      const got = await Promise.race([answer, sleep(30_000).then(() => 'no answer within 30 s')]);
      assert.match(got, /not a regular file/, file);
      assert.ok(got.includes(file), got);
    }
    assert.ok(
      descendants(d.child.pid!).every((p) => p.comm !== 'perf'),
      'a perf script still runs',
    );
  } finally {
    c.close();
  }
});

test('an import whose client disconnects is cancelled: its perf script ends and no profile is stored', { timeout: 180_000 }, async () => {
  const d = await startDaemon({ prefix: 'flame-leak-import' });
  daemons.push(d);
  const dir = scratch('flame-import-');
  const data = path.join(dir, 'perf.data');
  await perfRecordTo(data, [hotspotsCopy(dir)], { FLAME_FIXTURE_SCALE: '0.2' });
  const watcher = await d.client('watcher');
  const before = (await send(watcher.conn, P.ProfileList.type, {})).profiles.length;
  const c = await d.client('importer');
  void send(c.conn, P.ProfileImport.type, { perfData: data }).catch(() => {});
  // Hold perf script still, so the import cannot finish before its client has gone.
  let script: { pid: number; start: string } | undefined;
  // The import's perf script, not a short-lived perf of the daemon's (its version check): stopped
  // as soon as found, and looked for again if it ended in between.
  const isScript = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('script');
    } catch {
      return false;
    }
  };
  await until('perf script of the import', () => {
    script = descendants(d.child.pid!).find((p) => p.comm === 'perf' && isScript(p.pid));
    if (script === undefined) return false;
    try {
      process.kill(script.pid, 'SIGSTOP');
      return true;
    } catch {
      return false;
    }
  });
  c.close();
  // A cancelled perf script has a signal waiting for it (SigPnd/ShdPnd); give the daemon 10 s.
  const pending = () => {
    const status = readFileSync(`/proc/${script!.pid}/status`, 'utf8');
    return [...status.matchAll(/^(?:SigPnd|ShdPnd):\s*([0-9a-f]+)$/gm)].some((m) => BigInt(`0x${m[1]}`) !== 0n);
  };
  await until('the daemon to end the import', pending, 10_000).catch(() => {});
  process.kill(script!.pid, 'SIGCONT');
  await until('perf script to end', () => !alive(script!), 60_000);
  // Long enough for an import that went on to be symbolized and stored (about a second here).
  await sleep(5000);
  const list = await send(watcher.conn, P.ProfileList.type, {});
  assert.equal(list.profiles.length, before, 'a profile was stored for a client that had left');
  watcher.close();
  assert.ok(existsSync(data));
});
