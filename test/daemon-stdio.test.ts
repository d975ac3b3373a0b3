// `flame daemon run --stdio`: the same handlers over stdin/stdout for embedding; the daemon ends
// when its stdio client closes the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import * as P from '../protocol/methods.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';
import { FIXTURES, FLAME_BIN, scratch } from './helpers.js';
import { send } from '../clients/connect.js';

test('a stdio daemon answers the protocol and exits when its client hangs up', async () => {
  const work = scratch('flame-stdio-ws-');
  const runtime = scratch('flame-stdio-rt-');
  cpSync(path.join(FIXTURES, 'hotspots'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}target`) });
  const child = spawn(process.execPath, [FLAME_BIN, 'daemon', 'run', '--workspace', work, '--stdio'], {
    env: { ...process.env, FLAME_RUNTIME_DIR: runtime, FLAME_CACHE_DIR: path.join(runtime, 'cache') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  conn.listen();
  try {
    const info = await send(conn, P.Initialize.type, { clientName: 'stdio-test', clientVersion: '0', protocolVersion: PROTOCOL_VERSION });
    assert.equal(info.workspaceRoot, work);
    assert.equal(info.pid, child.pid);
    const status = await send(conn, P.Status.type, {});
    assert.equal(status.socket, 'stdio');
    assert.deepEqual((await send(conn, P.ProfileList.type, {})).profiles, []);
    await assert.rejects(send(conn, P.Top.type, {}), /no profile|flame profiles/);
  } finally {
    conn.dispose();
    child.stdin.end();
  }
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
  assert.notEqual(code, 'still running', 'the daemon exits when stdin closes');
  if (code === 'still running') child.kill('SIGKILL');
});
