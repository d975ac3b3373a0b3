// Example: speak the flame protocol directly. Connects to the workspace daemon's socket
// (starting the daemon if needed), shakes hands, profiles once if nothing is stored yet, and
// prints the five hottest functions. Run: node dist/clients/scripts/hot-functions.js [DIR]
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node.js';
import { openSocket, spawnDaemon, workspaceRootOf } from '../connect.js';
import { daemonPaths } from '../../common/paths.js';
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
await conn.sendRequest('initialize', { clientName: 'hot-functions.ts', clientVersion: FLAME_VERSION, protocolVersion: PROTOCOL_VERSION });
const { profiles } = (await conn.sendRequest('profile/list', {})) as { profiles: unknown[] };
if (profiles.length === 0) {
  console.error('no stored profile yet; profiling the default target once…');
  await conn.sendRequest('profile/once', {});
}
const top = (await conn.sendRequest('profile/top', { limit: 5 })) as { samples: number; functions: Array<{ name: string; self: number }> };
for (const f of top.functions) console.log(`${((100 * f.self) / top.samples).toFixed(1).padStart(5)}%  ${f.name}`);
conn.dispose();
sock.end();
