// What `npm run fuzz` found, kept as tests: a store file whose header names no function is
// refused when read (not left to crash the first query), and a request target that cannot be
// parsed is the client's mistake (400), not the web server's (500).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { decodeProfile, encodeProfile } from '../engine/store/format.js';
import { WebServer } from '../daemon/web/web.js';
import { scratch } from './helpers.js';
import { syntheticProfile } from './store-writer.js';

test('decodeProfile refuses a header whose location names no function', () => {
  const p = syntheticProfile({ seed: 5, stacks: 10, samples: 30, functions: 4, minDepth: 2, maxDepth: 4 });
  p.locations[0] = { ...p.locations[0]!, fn: p.functions.length + 7 };
  const bytes = Buffer.concat(encodeProfile(p));
  assert.throws(() => decodeProfile(bytes), /a location refers to no function/);
});

test('the web server answers a request target that is not a path with 400, never a 500', async () => {
  const web = new WebServer({ workspaceRoot: scratch('flame-fuzzfind-'), attach: () => {} });
  const { port } = await web.url();
  try {
    // `///` and `//` are paths (outside the page's base: 404); these are not paths at all.
    for (const target of ['*', 'http://[', 'x']) {
      const reply = await new Promise<string>((resolve) => {
        const sock = net.connect(port, '127.0.0.1');
        let got = '';
        sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
        sock.on('close', () => resolve(got));
        sock.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
      });
      assert.match(reply, /^HTTP\/1\.1 400 /, `${target}: ${reply.split('\r\n')[0]}`);
    }
  } finally {
    await web.close();
  }
});
