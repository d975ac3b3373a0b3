// Versions that coexist, against real daemons answering as another flame would
// (FLAME_TEST_DAEMON_VERSION, FLAME_TEST_DAEMON_WITHOUT): a client uses another version's daemon
// when it has the methods the client needs, refuses it with the fix when not, and never stops it
// unasked; `flame daemon stop` stops any version and says which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { request, send } from '../clients/connect.js';
import { isFlameError } from '../common/errors.js';
import * as P from '../protocol/methods.js';
import { FLAME_VERSION, PROTOCOL_VERSION } from '../protocol/version.js';
import { historyDir } from '../engine/store/history.js';
import { ProfileStore } from '../engine/store/store.js';
import { startDaemon, type TestDaemon } from './daemon-fixture.js';
import { runFlame } from './helpers.js';
import { syntheticProfile } from './store-writer.js';

/** A daemon that says it is flame `version`, without `without`, with two stored profiles. */
async function otherDaemon(prefix: string, version: string, without: string[] = []): Promise<TestDaemon> {
  const d = await startDaemon({ prefix, env: { FLAME_TEST_DAEMON_VERSION: version, FLAME_TEST_DAEMON_WITHOUT: without.join(',') } });
  const store = await ProfileStore.open(historyDir(path.join(d.work, 'target')));
  await store.add({}, syntheticProfile({ seed: 1, stacks: 40, samples: 200 }));
  await store.add({}, syntheticProfile({ seed: 2, stacks: 40, samples: 200 }));
  return d;
}

/** The client's environment without the daemon-side overrides (the client is this flame). */
function clientEnv(d: TestDaemon): Record<string, string> {
  const { FLAME_TEST_DAEMON_VERSION: _v, FLAME_TEST_DAEMON_WITHOUT: _w, ...env } = d.env;
  return env;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a newer daemon with the methods a client needs serves it, and keeps running', { timeout: 120_000 }, async () => {
  const d = await otherDaemon('versions-newer', '9.9.9');
  try {
    const pid = d.child.pid!;
    const env = clientEnv(d);
    const top = await runFlame(['top', '--profile', 'latest', '--json'], { cwd: d.work, env });
    assert.equal(top.exitCode, 0, top.stderr);
    assert.ok((JSON.parse(top.stdout) as P.Top.Result).functions.length > 0);
    assert.doesNotMatch(top.stderr, /stop/);
    const status = await runFlame(['daemon', 'status', '--json'], { cwd: d.work, env });
    const s = JSON.parse(status.stdout) as P.Status.Result;
    assert.equal(s.version, '9.9.9');
    assert.equal(s.pid, pid, 'the same daemon answered');
    assert.ok(alive(pid));
  } finally {
    await d.stop();
  }
});

test('a daemon lacking a required method is refused with the fix, left running, and still serves what it has', { timeout: 120_000 }, async () => {
  const d = await otherDaemon('versions-older', '0.0.9', [P.Diff.method]);
  try {
    const pid = d.child.pid!;
    const env = clientEnv(d);
    const diff = await runFlame(['diff'], { cwd: d.work, env });
    assert.notEqual(diff.exitCode, 0);
    assert.match(
      diff.stderr,
      /flame daemon \(flame 0\.0\.9\) lacks profile\/diff, which flame-cli \(flame \d+\.\d+\.\d+\S*\) needs: stop it with `flame daemon stop`/,
    );
    assert.ok(alive(pid), 'the other version’s daemon was not stopped');

    const list = await runFlame(['profiles', '--json'], { cwd: d.work, env });
    assert.equal(list.exitCode, 0, list.stderr);
    assert.equal((JSON.parse(list.stdout) as P.ProfileList.Result).profiles.length, 2);

    // A client that did not require it at handshake is refused before sending, with the same words.
    const c = await d.client('versions-test');
    try {
      assert.equal(c.info.daemonVersion, '0.0.9');
      assert.ok(!c.info.capabilities.methods.includes(P.Diff.method), 'capabilities are the registered handlers');
      await assert.rejects(request(c, P.Diff.type, {}), (e: unknown) => isFlameError(e, -32910) && /lacks profile\/diff/.test(e.message));
      // Optional capabilities are answered, not refused.
      const raw = await send(c.conn, P.Initialize.type, {
        clientName: 'opt',
        clientVersion: FLAME_VERSION,
        protocolVersion: PROTOCOL_VERSION,
        capabilities: { optional: [P.Diff.method, P.Top.method, P.ProfileReady.method] },
      });
      assert.deepEqual(raw.capabilities.asked, { [P.Diff.method]: false, [P.Top.method]: true, [P.ProfileReady.method]: true });
    } finally {
      c.close();
    }

    const stop = await runFlame(['daemon', 'stop'], { cwd: d.work, env });
    assert.equal(stop.exitCode, 0, stop.stderr);
    assert.match(stop.stderr, new RegExp(`stopped the daemon of .* \\(flame 0\\.0\\.9, pid ${pid}\\)`));
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!alive(pid), 'flame daemon stop stops a daemon of any version');
  } finally {
    await d.stop();
  }
});

test(
  'handshakes: an old client without capabilities is served; another protocol, or a missing required one, is -32910 and the daemon lives on',
  { timeout: 120_000 },
  async () => {
    const d = await otherDaemon('versions-handshake', '0.0.9', [P.Lines.method]);
    try {
      const c = await d.client('versions-handshake');
      try {
        // What flame 0.1.0's clients sent.
        const old = await send(c.conn, P.Initialize.type, { clientName: 'old', clientVersion: '0.1.0', protocolVersion: PROTOCOL_VERSION });
        assert.ok(old.capabilities.methods.includes(P.Top.method));
        const refusal = (params: P.Initialize.Params) =>
          send(c.conn, P.Initialize.type, params).then(
            () => assert.fail('accepted'),
            (e: { code: number; message: string }) => e,
          );
        const proto = await refusal({ clientName: 'future', clientVersion: '7.0.0', protocolVersion: PROTOCOL_VERSION + 1 });
        assert.equal(proto.code, -32910);
        assert.match(proto.message, /speaks protocol 1 and future \(flame 7\.0\.0\) speaks 2: stop it with `flame daemon stop`/);
        const missing = await refusal({
          clientName: 'needy',
          clientVersion: '1.0.0',
          protocolVersion: PROTOCOL_VERSION,
          capabilities: { required: [P.Top.method, P.Lines.method, 'profile/flamechart'] },
        });
        assert.equal(missing.code, -32910);
        assert.match(missing.message, /lacks profile\/lines, profile\/flamechart, which needy \(flame 1\.0\.0\) needs/);
        const bad = await refusal({
          clientName: 'x',
          clientVersion: '1',
          protocolVersion: PROTOCOL_VERSION,
          capabilities: { required: 'profile/top' } as never,
        });
        assert.equal(bad.code, -32602);
        assert.match(bad.message, /^'capabilities\.required' must be an array of method names/);
        assert.ok((await send(c.conn, P.Status.type, {})).pid === d.child.pid);
      } finally {
        c.close();
      }
    } finally {
      await d.stop();
    }
  },
);
