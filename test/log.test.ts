// The daemon's log file is bounded: past its size it moves to <file>.1 and starts anew, one old
// file kept, no line lost or split at the move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configureLogging, logger } from '../common/log.js';
import { scratch } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the log rotates past its size, keeping one old file and every line whole', async () => {
  const dir = scratch('flame-log-');
  const file = path.join(dir, 'd.log');
  const maxBytes = 20_000;
  configureLogging({ file, maxBytes });
  const log = logger('test');
  const n = 2000;
  for (let i = 0; i < n; i++) {
    log.info({ i }, 'a line of about a hundred bytes, to fill the file');
    if (i % 100 === 99) await sleep(5); // let the asynchronous writes and reopens happen between bursts
  }
  // Wait for the last line to reach the file (writes are asynchronous).
  for (let t = 0; t < 200 && !readFileSync(file, 'utf8').includes(`"i":${n - 1},`); t++) await sleep(25);
  const current = readFileSync(file, 'utf8');
  assert.match(current, new RegExp(`"i":${n - 1},`));
  assert.ok(existsSync(`${file}.1`), 'no rotated file');
  assert.ok(!existsSync(`${file}.2`));
  // Each file stays near the limit: a write can pass it by the lines still buffered, not by megabytes.
  assert.ok(statSync(file).size < 3 * maxBytes, `${statSync(file).size} bytes`);
  assert.ok(statSync(`${file}.1`).size < 3 * maxBytes, `${statSync(`${file}.1`).size} bytes`);
  // Every line in both files is a whole JSON record, and the newest ones are in order.
  const lines = [...readFileSync(`${file}.1`, 'utf8').split('\n'), ...current.split('\n')].filter(Boolean);
  const seen = lines.map((l) => (JSON.parse(l) as { i: number }).i);
  assert.equal(seen.at(-1), n - 1);
  for (let k = 1; k < seen.length; k++) assert.equal(seen[k], seen[k - 1]! + 1, `line ${k}: ${seen[k - 1]} then ${seen[k]}`);
  // Older files were replaced: far fewer lines are left than were written.
  assert.ok(seen.length < n, `${seen.length} lines kept`);
});

test('the log, its rotated file and the daemon stderr file beside it are private (0600), even when an older flame made them 0644', async () => {
  const dir = scratch('flame-log-mode-');
  const file = path.join(dir, 'd.log');
  writeFileSync(`${file}.stderr`, 'old output\n', { mode: 0o644 });
  chmodSync(`${file}.stderr`, 0o644);
  configureLogging({ file, maxBytes: 2000 });
  const log = logger('test');
  // Lines logged together go out in one write, and rotation comes before the next write: keep writing.
  for (let t = 0; t < 200 && !existsSync(`${file}.1`); t++) {
    for (let i = 0; i < 20; i++) log.info({ i }, 'a line of about a hundred bytes, to fill the file');
    await sleep(25);
  }
  await sleep(200);
  for (const f of [file, `${file}.1`, `${file}.stderr`]) assert.equal((statSync(f).mode & 0o777).toString(8), '600', f);

  const old = path.join(dir, 'old.log');
  writeFileSync(old, '', { mode: 0o644 });
  chmodSync(old, 0o644);
  configureLogging({ file: old });
  logger('test').info('again');
  assert.equal((statSync(old).mode & 0o777).toString(8), '600');
});
