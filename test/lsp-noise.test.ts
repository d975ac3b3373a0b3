// The editor's bands and "(was …)" against real profiles of several runs: a real daemon on a
// copy of the hotspots fixture, a real `flame lsp`. Two profiles of one unchanged build, three
// runs each, give bands from the runs and changes "within noise", never a "(was …)" call-out;
// after a real change of the work the rows the daemon calls significant, and only those, get
// their previous share called out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Hover } from 'vscode-languageserver-protocol';
import { type Connection, send } from '../clients/connect.js';
import { pct, plusMinus } from '../clients/lsp/convert.js';
import * as P from '../protocol/methods.js';
import { daemonClient, labelOf, LspClient, startWorkspace, type Workspace } from './lsp-harness.js';

const RUNS = 3;
let ws: Workspace;
let daemon: Connection;
let lsp: LspClient;
let lib: string;
let uri: string;

const hints = () => lsp.hints(uri);
const lenses = () => lsp.lenses(uri);

before(async () => {
  ws = await startWorkspace('flame-lsp-noise');
  lib = path.join(ws.work, 'src', 'lib.rs');
  uri = pathToFileURL(lib).href;
  daemon = await daemonClient(ws);
  for (let i = 0; i < 2; i++) await send(daemon.conn, P.ProfileOnce.type, { record: { runs: RUNS } });
  lsp = new LspClient(ws.env, ws.work);
  await lsp.initialize(ws.work);
  await lsp.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'rust', version: 1, text: readFileSync(lib, 'utf8') } });
});

after(async () => {
  await lsp?.close();
  daemon?.close();
  ws?.stop();
});

/**
 * Every hint of lib.rs against the daemon's own answers: the line's band from its runs, and the
 * change called out ("(was …)") exactly when the diff says that share's change is significant,
 * shown "within noise" otherwise. Returns how many hints called a change out.
 */
async function checkHints(): Promise<{ calledOut: number; withinNoise: number; labels: string[] }> {
  const [lines, diff] = await Promise.all([send(daemon.conn, P.Lines.type, { file: lib, limit: 1000 }), send(daemon.conn, P.Diff.type, { limit: 2000 })]);
  const got = await hints();
  assert.ok(got.length > 0, 'lib.rs has hot lines');
  let calledOut = 0;
  let withinNoise = 0;
  for (const h of got) {
    const label = labelOf(h);
    const row = lines.lines.find((l) => l.file === lib && l.line === h.position.line + 1);
    assert.ok(row?.noise, `hint ${label} is on a line of the profile, with its band`);
    assert.equal(row.noise.basis, 'runs');
    assert.ok(label.startsWith(`🔥 ${pct(row.self / lines.samples)} ${plusMinus(row.noise.self)}`), label);
    assert.ok(!label.includes('(sampling)'), label);
    assert.match(String(h.tooltip), new RegExp(`± at 95%, from ${RUNS} runs`));
    const d = diff.lines.find((l) => l.file === lib && l.line === row.line);
    assert.ok(d, `line ${row.line} is in the diff`);
    // A line whose cost is all in its calls compares totals, any other its self share.
    const k = row.self === 0 && / total/.test(label) ? 'total' : 'self';
    if (d.change[k].significant) {
      calledOut++;
      assert.ok(label.endsWith(`(was ${pct(k === 'self' ? d.base.selfShare : d.base.totalShare)})`), `${label}: ${JSON.stringify(d)}`);
    } else {
      withinNoise++;
      assert.match(label, /\(Δ [+−]\d+\.\d pt, within noise\)$/, `${label}: ${JSON.stringify(d)}`);
      assert.ok(!label.includes('(was'), label);
    }
  }
  return { calledOut, withinNoise, labels: got.map(labelOf) };
}

test('an unchanged build, three runs a profile: bands from the runs, every change within noise, no "(was …)"', async () => {
  const r = await checkHints();
  assert.equal(r.calledOut, 0, `no hint calls a change of an unchanged build out: ${r.labels.join(' | ')}`);
  assert.ok(r.withinNoise > 0);

  const top = await send(daemon.conn, P.Top.type, { limit: 1000 });
  const mix = top.functions.find((f) => f.name === 'hotspots::mix')!;
  const lens = (await lenses()).find((l) => l.command?.title.includes('hotspots::mix'));
  assert.ok(lens, 'mix has its lens');
  const title = lens.command!.title;
  assert.ok(
    title.includes(`${pct(mix.self / top.samples)} ${plusMinus(mix.noise!.self)} self, ${pct(mix.total / top.samples)} ${plusMinus(mix.noise!.total)} total`),
    title,
  );
  assert.ok(title.includes(`; ± at 95%, from ${RUNS} runs; self Δ `) && title.endsWith(', within noise)'), title);
  assert.ok(!title.includes('was'), title);

  // The hover: the same band and basis, and the change marked within noise.
  const h = (await lsp.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: mix.line! - 1, character: 8 } })) as Hover;
  const text = (h.contents as { value: string }).value;
  assert.match(text, new RegExp(`± at 95%, from ${RUNS} runs`));
  assert.match(text, /previous profile: \d+\.\d+% self, Δ [+−]\d+\.\d pt within noise/);
});

test('a real change of the work: the significant rows, and only those, get "(was …)"', async () => {
  // Less hashing, more prime counting: count_primes' lines get much hotter, mix's much cooler.
  const main = path.join(ws.work, 'src', 'main.rs');
  writeFileSync(main, readFileSync(main, 'utf8').replace('150_000_000.0 * s', '10_000_000.0 * s').replace('400_000.0 * s', '1_500_000.0 * s'));
  const from = lsp.received.length;
  const meta = await send(daemon.conn, P.ProfileOnce.type, { record: { runs: RUNS } });
  const end = await lsp.next(
    (m) => m.method === '$/progress' && (m.params as { value: { kind: string; message?: string } }).value.message?.includes(meta.id) === true,
    60000,
    from,
  );
  await lsp.next((m) => m.method === 'workspace/inlayHint/refresh', 60000, lsp.received.indexOf(end) + 1);
  const r = await checkHints();
  assert.ok(r.calledOut > 0, `the change is called out: ${r.labels.join(' | ')}`);

  const diff = await send(daemon.conn, P.Diff.type, { limit: 2000 });
  const primes = diff.functions.find((f) => f.name === 'hotspots::count_primes')!;
  assert.ok(primes.change.self.significant && primes.deltaSelfShare > 0, JSON.stringify(primes));
  const lens = (await lenses()).find((l) => l.command?.title.includes('hotspots::count_primes'));
  assert.ok(lens?.command!.title.endsWith(`; was ${pct(primes.base.selfShare)} self)`), lens?.command?.title);
});
