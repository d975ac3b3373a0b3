// daemon/perfscript.ts on the side-band lines perf 6.1 prints between samples
// (--show-lost-events, --show-mmap-events): lost samples summed, build-ids kept per file, and
// neither mistaken for a line flame cannot read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerfScriptParser, type RawSample } from '../engine/perf/script.js';

// As perf 6.1 prints them for a recording made with --buildid-mmap (comm padded as perf pads it).
const LINES = [
  'swapper     0/0         0.000000: PERF_RECORD_MMAP2 -1/0: [0xffffffff81000000(0x1276988) @ 0xffffffff81000000 <a3e4cd60a8ec14f02aa41b41d5b5846d3d9f1dd8>]: ---p [kernel.kallsyms]_text',
  'hotspots 12493/12493   481.252789: PERF_RECORD_MMAP2 12493/12493: [0x7ffeba700000(0x21000) @ 0x7ffffffde000 00:00 0 0]: rw-p [stack]',
  'hotspots 12493/12493   481.252805: PERF_RECORD_MMAP2 12493/12493: [0x55992d3a1000(0x45000) @ 0x18000 <78f06da90403c57d8d38eac7ab3344aa47927bc4>]: r-xp /tmp/my crate/target/release/hotspots',
  'hotspots 12493/12493   481.253792:    1003009 cpu-clock:pppH: ',
  '\t           1b3a3 hotspots::mix+0x13 (/tmp/my crate/target/release/hotspots)',
  '',
  'hotspots 11477/11477   445.572163: PERF_RECORD_LOST lost 1',
  '          primes 11477/11478   445.628370: PERF_RECORD_LOST lost 55',
  'hotspots 12493/12493   481.254792:    1003009 cpu-clock:pppH: ',
  '\t           1b39c hotspots::mix+0xc (/tmp/my crate/target/release/hotspots)',
  '',
];

test('lost samples are summed, build-ids kept by file, and no line is malformed', () => {
  const samples: RawSample[] = [];
  const p = new PerfScriptParser((s) => samples.push(s));
  for (const l of LINES) p.line(l);
  const stats = p.end();
  assert.equal(stats.malformedLines, 0, JSON.stringify(stats.firstMalformed));
  assert.equal(stats.lostEvents, 56);
  assert.equal(stats.samples, 2);
  assert.deepEqual(
    [...stats.buildIds],
    [
      ['[kernel.kallsyms]_text', 'a3e4cd60a8ec14f02aa41b41d5b5846d3d9f1dd8'],
      ['/tmp/my crate/target/release/hotspots', '78f06da90403c57d8d38eac7ab3344aa47927bc4'],
    ],
  );
  assert.equal(samples[1]!.frames[0]!.sym, 'hotspots::mix');
});
