// Example: speak the flame protocol directly. Connects to the workspace daemon's socket
// (starting the daemon if needed), shakes hands, profiles once if nothing is stored yet, and
// prints the five hottest functions. Run: node dist/clients/scripts/hot-functions.js [DIR]
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node.js';
import { openSocket, spawnDaemon, workspaceRootOf } from '../connect.js';
import { daemonPaths } from '../../common/paths.js';
import type { RequestType } from '../../protocol/declare.js';
import * as P from '../../protocol/methods.js';
import { FLAME_VERSION, PROTOCOL_VERSION } from '../../protocol/version.js';

const dir = process.argv[2] ?? process.cwd();
const root = await workspaceRootOf(dir);
const { socket, dir: runtime } = daemonPaths(root);

// openSocket, not net.connect: it refuses a socket another user could have put there.
const open = () => openSocket(socket, runtime);
let sock = await open();
if (!sock) {
  spawnDaemon(root);
  for (let i = 0; i < 200 && !sock; i++) {
    await new Promise((r) => setTimeout(r, 50));
    sock = await open();
  }
}
if (!sock) throw new Error(`no daemon at ${socket}`);

const conn = createMessageConnection(new SocketMessageReader(sock), new SocketMessageWriter(sock));
conn.listen();
// Every call through its declaration in protocol/methods.ts: params and result are typed.
const call = <Params, R>(type: RequestType<Params, R>, params: Params) => conn.sendRequest(type.method, params) as Promise<R>;
// Required capabilities: a daemon of another flame version without them refuses (-32910) and keeps running.
await call(P.Initialize.type, {
  clientName: 'hot-functions.ts',
  clientVersion: FLAME_VERSION,
  protocolVersion: PROTOCOL_VERSION,
  capabilities: { required: [P.ProfileList.method, P.ProfileOnce.method, P.Top.method] },
});
const { profiles } = await call(P.ProfileList.type, {});
if (profiles.length === 0) {
  console.error('no stored profile yet; profiling the default target once…');
  await call(P.ProfileOnce.type, {});
}
const top = await call(P.Top.type, { limit: 5 });
for (const f of top.functions) console.log(`${((100 * f.self) / top.samples).toFixed(1).padStart(5)}%  ${f.name}`);
conn.dispose();
sock.end();
