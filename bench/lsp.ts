// The editor's latency: from the daemon's profile/ready to the language server answering inlay
// hints with the new numbers, on a 10,000-line Rust file the profile covers; and the steady-state
// cost of hints, lenses and an edit on that file. Real daemon, real `flame lsp`, real perf.
// Run directly: `node dist/bench/lsp.js [runs]`.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { InlayHint } from 'vscode-languageserver-protocol';
import * as P from '../protocol/methods.js';
import { daemonClient, LspClient, startWorkspace } from '../test/lsp-harness.js';
import { stat, type Stat } from './stats.js';
import { send, listen } from '../clients/connect.js';

const PAD = 5000;

const ms = (s: Stat) => [`${s.median.toFixed(1)} ms`, `${s.min.toFixed(1)}–${s.max.toFixed(1)} ms`];

export async function benchLsp(opts: { runs: number }): Promise<string[][]> {
  const ws = await startWorkspace('flame-bench-lsp', '0.1');
  const lib = path.join(ws.work, 'src', 'lib.rs');
  // 5,000 lines above the code and 5,000 below: the hot lines sit in the middle of a 10,000-line file.
  const pad = (from: number) => Array.from({ length: PAD }, (_, i) => `// padding ${from + i}: let x = compute(${i}) + other(${i * 7});`).join('\n');
  const text = `${pad(0)}\n${readFileSync(lib, 'utf8')}${pad(PAD)}\n`;
  writeFileSync(lib, text);
  const uri = pathToFileURL(lib).href;
  const daemon = await daemonClient(ws);
  const lsp = new LspClient(ws.env, ws.work);
  const range = { start: { line: 0, character: 0 }, end: { line: text.split('\n').length, character: 0 } };
  const hints = () => lsp.conn.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range }) as Promise<InlayHint[]>;
  try {
    await send(daemon.conn, P.ProfileOnce.type, {});
    await lsp.initialize(ws.work);
    await lsp.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'rust', version: 1, text } });
    for (let i = 0; i < 200 && (await hints()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));

    const ready: number[] = [];
    for (let run = 0; run < opts.runs; run++) {
      let readyAt = 0;
      let samples = -1;
      listen(daemon.conn, P.ProfileReady.type, (p) => {
        readyAt = performance.now();
        samples = p.samples;
      });
      const served = new Promise<number>((resolve) => {
        lsp.onInlayRefresh = () => {
          void hints().then((hs) => {
            // The refreshed answer carries the new profile's sample count in every tooltip.
            if (readyAt > 0 && hs.length > 0 && hs.every((h) => String(h.tooltip).endsWith(`of ${samples}`))) resolve(performance.now() - readyAt);
          });
        };
      });
      await send(daemon.conn, P.ProfileOnce.type, {});
      ready.push(
        await Promise.race([
          served,
          new Promise<number>((_, rej) => setTimeout(() => rej(new Error('no refreshed hints within 30 s of profile/ready')), 30000)),
        ]),
      );
      lsp.onInlayRefresh = undefined;
    }

    const timeIt = async (n: number, fn: () => Promise<unknown>) => {
      const xs: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await fn();
        xs.push(performance.now() - t);
      }
      return stat(xs);
    };
    const hintStat = await timeIt(20, hints);
    const lensStat = await timeIt(20, () => lsp.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }));
    let version = 1;
    const editStat = await timeIt(20, async () => {
      await lsp.conn.sendNotification('textDocument/didChange', {
        textDocument: { uri, version: ++version },
        contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '// x\n' }],
      });
      await hints();
    });
    const lines = text.split('\n').length;
    return [
      ['measure (10,000-line file, ' + String(lines) + ' lines)', 'median', 'range'],
      [`profile/ready → refreshed inlay hints served (${opts.runs} runs; goal < 50 ms)`, ...ms(stat(ready))],
      ['inlay hints, whole file', ...ms(hintStat)],
      ['code lenses, whole file', ...ms(lensStat)],
      ['edit (insert a line) + inlay hints', ...ms(editStat)],
    ];
  } finally {
    await lsp.close();
    daemon.close();
    ws.stop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 5);
  const rows = await benchLsp({ runs });
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
}
