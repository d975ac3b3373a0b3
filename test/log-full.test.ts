// A full disk under the daemon's log: the daemon stays idle (no write retried in a loop), a stop
// and a SIGTERM end it, and once there is space again the log says how many lines were lost.
// Runs as root (as CI does): the full disk is a 64 KiB tmpfs mounted for the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as P from '../protocol/methods.js';
import { configureLogging, logger } from '../common/log.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';
import { runFlame, scratch } from './helpers.js';
import { send } from '../clients/connect.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let full: string;

/** Fill the file system of `dir` to the last byte. */
function fill(dir: string): void {
  const chunk = Buffer.alloc(4096, 1);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(path.join(dir, `fill-${i}`), chunk);
    } catch {
      break;
    }
  }
  // The last, partial block.
  try {
    writeFileSync(path.join(dir, 'fill-tail'), Buffer.alloc(512, 1));
  } catch {
    // full already
  }
}

/** CPU time (user + system) of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const exited = (d: TestDaemon) => new Promise<void>((r) => (d.child.exitCode !== null || d.child.signalCode !== null ? r() : d.child.once('exit', () => r())));

before(() => {
  full = scratch('flame-fulldisk-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', full]);
  fill(full);
});
after(() => {
  // Lazily: this process still holds the log file open.
  execFileSync('umount', ['-l', full]);
});

test('a full disk under the log: the daemon idles, and `flame daemon stop` and SIGTERM end it', { timeout: 120_000 }, async () => {
  const d = await startDaemon({ prefix: 'fulldisk', env: { FLAME_RUNTIME_DIR: full } });
  try {
    // Requests make log lines (a client connecting, its leaving).
    for (let i = 0; i < 3; i++) {
      const c = await d.client();
      await send(c.conn, P.Status.type, {});
      c.close();
    }
    await sleep(500);
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
    const t0 = cpuTicks(d.child.pid!);
    await sleep(2000);
    const used = (cpuTicks(d.child.pid!) - t0) / ticks / 2;
    assert.ok(used < 0.5, `the daemon used ${Math.round(used * 100)}% of a core while idle with a full disk`);

    const stop = await runFlame(['daemon', 'stop'], { cwd: d.work, env: d.env });
    assert.equal(stop.exitCode, 0, stop.stderr);
    await Promise.race([exited(d), sleep(20_000)]);
    assert.notEqual(d.child.exitCode ?? d.child.signalCode, null, '`flame daemon stop` did not end the daemon');

    await d.restart();
    d.child.kill('SIGTERM');
    await Promise.race([exited(d), sleep(20_000)]);
    assert.notEqual(d.child.exitCode ?? d.child.signalCode, null, 'SIGTERM did not end the daemon');
  } finally {
    await d.stop();
  }
});

test('once there is space again the log file is written again, with the count of lines lost', { timeout: 60_000 }, async () => {
  const file = path.join(full, 'again.log');
  configureLogging({ file, retryMs: 200 });
  const log = logger('test');
  for (let i = 0; i < 50; i++) log.info({ i }, 'a line for a full disk');
  await sleep(300);
  for (const f of readdirSync(full)) if (f.startsWith('fill-')) rmSync(path.join(full, f));
  await sleep(500);
  log.info('after the space came back');
  let text = '';
  for (let t = 0; t < 100 && !text.includes('after the space came back'); t++) {
    await sleep(50);
    text = readFileSync(file, 'utf8');
  }
  assert.match(text, /"dropped":\d+,"reason":"ENOSPC","msg":"\d+ log lines were dropped/);
  assert.match(text, /after the space came back/);
  for (const line of text.split('\n').filter(Boolean)) JSON.parse(line);
});
