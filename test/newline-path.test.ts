// A line break in the program's path splits perf script's lines: every frame came out
// unsymbolized with exit 0. flame refuses such a path up front and says what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, runFlame, scratch } from './helpers.js';

test(
  'flame record in a workspace whose path has a newline, and flame exec of such a program, fail with a message naming the path',
  { timeout: 300_000 },
  async () => {
    const dir = path.join(scratch('flame-nl-'), 'a\nb');
    mkdirSync(dir);
    cpSync(path.join(FIXTURES, 'hotspots'), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
    const env = { ...process.env, FLAME_CACHE_DIR: path.join(dir, '..', 'cache'), FLAME_FIXTURE_SCALE: '0.1' };
    const r = await runFlame(['record', '-o', path.join(dir, '..', 'out.svg')], { cwd: dir, env });
    assert.notEqual(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /line break/);
    assert.ok(r.stderr.includes(JSON.stringify(dir)), r.stderr);

    const prog = path.join(dir, 'true');
    copyFileSync('/bin/true', prog);
    const e = await runFlame(['exec', '-o', path.join(dir, '..', 'exec.svg'), '--', prog], { cwd: path.join(dir, '..'), env });
    assert.notEqual(e.exitCode, 0, e.stderr);
    assert.match(e.stderr, /line break/);
  },
);
