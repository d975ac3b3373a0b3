// The CLI's dispatcher: help, version, unknown verbs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFlame } from './helpers.js';

test('flame --help lists the commands', async () => {
  const r = await runFlame(['--help']);
  assert.equal(r.exitCode, 0);
  assert.match(r.stdout, /record/);
  assert.match(r.stdout, /doctor/);
});

test('an unknown verb exits 2 with a hint', async () => {
  const r = await runFlame(['frobnicate']);
  assert.equal(r.exitCode, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'.*flame --help/);
});
