// A recording cut short (a killed perf record, a full disk, a partial copy) is refused with a
// message that says so, never analysed and stored as if it were whole. flame records in perf's
// pipe format, where perf script reads to a cut, says "unexpected end of event stream" and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hotspotsCopy, runCmd, runFlame, scratch } from './helpers.js';

/** Offsets where the events of a pipe-format perf.data start (after its 16-byte header). */
function eventStarts(data: Buffer): number[] {
  const starts: number[] = [];
  for (let off = 16; off + 8 <= data.length;) {
    const size = data.readUInt16LE(off + 6);
    if (size === 0) break;
    starts.push(off);
    off += size;
  }
  return starts;
}

test('a pipe-format recording cut inside an event is refused as cut short, at every cut point; the whole one is analysed', { timeout: 300_000 }, async () => {
  const dir = scratch('flame-cut-');
  const bin = hotspotsCopy(dir);
  const whole = path.join(dir, 'whole.data');
  const rec = await runCmd('sh', ['-c', `perf record -F 997 --call-graph dwarf,16000 -o - -- "$0" > "$1"`, bin, whole], {
    env: { ...process.env, FLAME_FIXTURE_SCALE: '0.1' },
  });
  assert.match(rec.stderr, /Captured and wrote/);
  const data = readFileSync(whole);
  const starts = eventStarts(data);
  assert.ok(starts.length > 50, `${starts.length} events`);
  const env = { ...process.env, FLAME_CACHE_DIR: path.join(dir, 'cache') };
  const ok = await runFlame(['record', '--perf-data', whole, '-o', path.join(dir, 'whole.svg')], { cwd: dir, env });
  assert.equal(ok.exitCode, 0, ok.stderr);
  // Eight cuts spread over the file, each a few bytes into an event: inside its header (where perf script stops without a word) or its body.
  for (let k = 1; k <= 8; k++) {
    const at = starts[Math.floor((starts.length * k) / 9)]! + (k % 2 === 0 ? 3 : 11);
    const cut = path.join(dir, `cut-${k}.data`);
    writeFileSync(cut, data.subarray(0, at));
    const r = await runFlame(['record', '--perf-data', cut, '-o', path.join(dir, `cut-${k}.svg`)], { cwd: dir, env });
    assert.notEqual(r.exitCode, 0, `cut at byte ${at} of ${data.length}: exit 0, stderr: ${r.stderr}`);
    assert.match(r.stderr, /cut short/, `cut at byte ${at}`);
    assert.ok(r.stderr.includes(cut), r.stderr);
  }
});
