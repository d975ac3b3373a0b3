// The protocol's declarations hold: the documentation covers every method and notification,
// each method is classified as read or mutating and the web page gets exactly the reads, each
// checks its params, the daemon has a handler for each, one version, and every export format is
// implemented and documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes, isFlameError } from '../common/errors.js';
import { exportProfile } from '../engine/export/export.js';
import * as P from '../protocol/methods.js';
import { NOTIFICATIONS, REQUESTS, WEB_METHODS } from '../protocol/methods.js';
import { EXPORT_FORMAT_NAMES, EXPORT_FORMATS } from '../protocol/types.js';
import { FLAME_VERSION } from '../protocol/version.js';
import { startDaemon } from './daemon-fixture.js';
import { REPO, runFlame } from './helpers.js';
import { syntheticProfile } from './store-writer.js';

test('every protocol method has an entry in protocol/README.md', () => {
  const doc = readFileSync(path.join(REPO, 'protocol', 'README.md'), 'utf8');
  const headings = new Set([...doc.matchAll(/^### `([^`]+)`$/gm)].map((m) => m[1]));
  const missing = [...REQUESTS, ...NOTIFICATIONS].filter((m) => !headings.has(m));
  assert.deepEqual(missing, [], `undocumented methods: ${missing.join(', ')}`);
  const declared: string[] = [...REQUESTS, ...NOTIFICATIONS];
  const unknown = [...headings].filter((h) => !declared.includes(h!));
  assert.deepEqual(unknown, [], `documented methods that do not exist: ${unknown.join(', ')}`);
});

// What each method may do, decided here by review: a new method fails this test until it is
// classified, and the web page's whitelist (the declarations' readOnly flag) must agree.
const READS: string[] = [P.Initialize, P.Status, P.ProfileList, P.Top, P.Lines, P.Tree, P.Callers, P.Diff, P.Export].map((n) => n.method);
/** Builds, records, starts or stops something, takes a path, or hands out the page's credential. */
const MUTATING: string[] = [P.Shutdown, P.WatchStart, P.WatchStop, P.ProfileOnce, P.ProfileImport, P.ProfileAdded, P.WebUrl].map((n) => n.method);

test('every method is classified; the web whitelist is exactly the read-only ones', () => {
  assert.deepEqual([...REQUESTS].sort(), [...READS, ...MUTATING].sort(), 'classify each method as a read or mutating here');
  for (const t of P.REQUEST_TYPES) assert.equal(t.readOnly, READS.includes(t.method), `${t.method}'s readOnly flag`);
  assert.deepEqual([...WEB_METHODS].sort(), [...READS].sort());
  for (const m of MUTATING) assert.ok(!WEB_METHODS.has(m), `${m} must not reach the web page`);
});

test('every declaration checks its params: a non-object is InvalidParams', () => {
  for (const t of P.REQUEST_TYPES) {
    for (const bad of [5, 'x', [], null]) {
      assert.throws(
        () => t.check(bad),
        (e: unknown) => isFlameError(e, ErrorCodes.InvalidParams),
        `${t.method} ${JSON.stringify(bad)}`,
      );
    }
  }
  assert.throws(
    () => P.Export.type.check({ format: 'svg', svg: { palette: 'bogus' } }),
    (e: unknown) => isFlameError(e, ErrorCodes.InvalidParams) && /^'svg\.palette' must be one of hot, .*, not "bogus"$/.test(e.message),
  );
});

test('every declared method has a handler: initialize lists what the daemon registered', { timeout: 60_000 }, async () => {
  const d = await startDaemon({ prefix: 'protocol-caps' });
  try {
    const c = await d.client();
    try {
      assert.deepEqual([...c.info.capabilities.methods].sort(), [...REQUESTS].sort());
      assert.deepEqual([...(c.info.capabilities.notifications ?? [])].sort(), [...NOTIFICATIONS].sort());
    } finally {
      c.close();
    }
  } finally {
    await d.stop();
  }
});

test('one version: package.json, and everything that states one agrees with it', () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
  assert.equal(FLAME_VERSION, pkg.version, 'protocol/version.ts reads package.json');
  const json = (...p: string[]) =>
    JSON.parse(readFileSync(path.join(REPO, ...p), 'utf8')) as { version: string; packages: Record<string, { version?: string }> };
  assert.equal(json('clients', 'vscode', 'package.json').version, pkg.version, 'clients/vscode/package.json');
  for (const lock of [['package-lock.json'], ['clients', 'vscode', 'package-lock.json']]) {
    const l = json(...lock);
    assert.equal(l.version, pkg.version, lock.join('/'));
    assert.equal(l.packages['']?.version, pkg.version, lock.join('/'));
  }
  const cargo = /^\[package\][^[]*?^version\s*=\s*"([^"]+)"/m.exec(readFileSync(path.join(REPO, 'native', 'Cargo.toml'), 'utf8'));
  assert.equal(cargo?.[1], pkg.version, 'native/Cargo.toml');
});

test('every export format has a module (its exporter), a line in both READMEs and in `flame export --help`', async () => {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const protocolDoc = readFileSync(path.join(REPO, 'protocol', 'README.md'), 'utf8');
  const help = await runFlame(['export', '--help']);
  const profile = syntheticProfile({ seed: 4, stacks: 20, samples: 60 });
  for (const f of EXPORT_FORMAT_NAMES) {
    assert.match(readme, new RegExp(`\\b${f}\\b`), `README.md names ${f}`);
    assert.match(protocolDoc, new RegExp(`"${f}"`), `protocol/README.md names ${f}`);
    assert.match(help.stdout, new RegExp(`^  ${f} `, 'm'), `flame export --help lists ${f}`);
    const out = await exportProfile(profile, f, { title: 't' });
    assert.equal(out.mediaType, EXPORT_FORMATS[f].mediaType);
    assert.equal(out.encoding, EXPORT_FORMATS[f].encoding);
    assert.ok(out.data.length > 0, f);
  }
});
