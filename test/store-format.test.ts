// The on-disk profile format 2 against data: round trips of odd shapes, and every kind of damage
// that a gzip CRC cannot catch (a file written wrong, or by a buggy flame) rejected on read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProfileBuilder, type ProfileData } from '../engine/profile/profile.js';
import { decodeProfile, encodeProfile } from '../engine/store/format.js';
import { syntheticProfile } from './store-writer.js';

const bytes = (p: ProfileData): Buffer => Buffer.concat(encodeProfile(p));

test('round trip: empty, odd and even column counts, non-ASCII names, a misaligned buffer', () => {
  const empty = new ProfileBuilder().finish();
  assert.deepEqual(decodeProfile(bytes(empty)), empty);
  for (const stacks of [1, 2, 3, 17]) {
    const p = syntheticProfile({ seed: stacks, stacks, samples: stacks * 3, minDepth: 1, maxDepth: 5 });
    p.functions[0]!.name = 'crate::ünïcode::<Ж>';
    assert.deepEqual(decodeProfile(bytes(p)), p, `${stacks} stacks`);
    const shifted = Buffer.alloc(bytes(p).length + 3);
    bytes(p).copy(shifted, 3);
    assert.deepEqual(decodeProfile(shifted.subarray(3)), p, 'copied when not 8-byte aligned');
  }
});

test('damage is rejected with a reason, never returned as a profile', () => {
  const p = syntheticProfile({ seed: 3, stacks: 50, samples: 200, minDepth: 2, maxDepth: 6 });
  const good = bytes(p);
  const cases: Array<[string, (b: Buffer) => Buffer, RegExp]> = [
    ['magic', (b) => (b.write('XXXX', 0), b), /bad magic/],
    ['truncated', (b) => b.subarray(0, b.length - 8), /size .* expected/],
    ['header length', (b) => (b.writeUInt32LE(b.length, 8), b), /bad header length/],
    [
      'location out of range',
      (b) => {
        const hlen = b.readUInt32LE(8);
        const off = 16 + hlen + (p.stacks.start.length + 1) * 4; // the second frame
        b.writeUInt32LE(p.locations.length + 5, off);
        return b;
      },
      /names location/,
    ],
    [
      'thread out of range',
      (b) => {
        const hlen = b.readUInt32LE(8);
        b.writeUInt32LE(99, 16 + hlen + (p.stacks.start.length + p.stacks.locs.length) * 4);
        return b;
      },
      /names thread/,
    ],
  ];
  for (const [what, damage, re] of cases) {
    assert.throws(() => decodeProfile(damage(Buffer.from(good))), re, what);
  }
});

test("round trip of instruction addresses, mappings and the recording's time; a location naming no mapping is refused", () => {
  const b = new ProfileBuilder();
  b.event = 'cpu-clock:pppH';
  b.time = { startMs: 1_796_232_820_004, durationNs: 436_035_000 };
  const m = b.mapping({ file: '/bin/app', buildId: 'ab12', start: 0x19000, limit: 0x5d6a0, offset: 0x18000 });
  const fn = b.fn({ name: 'app::main', file: '/src/main.rs', line: 3, systemName: '_ZN3app4main17h0123456789abcdefE' });
  const t = b.thread({ comm: 'app', pid: 1, tid: 1 });
  b.add([b.location(fn, { file: '/src/main.rs', line: 4, address: 0x1c5f3, mapping: m })], t, 2, 2_000_000, { unknown: false, truncated: false });
  const p = b.finish();
  assert.deepEqual(decodeProfile(bytes(p)), p);
  const bad = { ...p, locations: [{ ...p.locations[0]!, mapping: 1 }] };
  assert.throws(() => decodeProfile(bytes(bad)), /refers to no mapping/);
  // A profile stored before mappings were kept has none, and its locations name none.
  const { mappings: _m, ...old } = p;
  const oldLocs = { ...old, locations: [{ fn: 0, file: '/src/main.rs', line: 4, inlined: false }] } as ProfileData;
  assert.equal(decodeProfile(bytes(oldLocs)).mappings, undefined);
});
