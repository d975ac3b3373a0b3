// `flame daemon start|stop|status|run`: manage the workspace's daemon by hand (clients start it
// on demand anyway).
import { stopDaemon, workspaceRootOf } from '../../connect.js';
import * as P from '../../../protocol/methods.js';
import { parse } from '../args.js';
import { UsageError } from '../main.js';
import { ask } from '../daemon-query.js';

const HELP = `Usage: flame daemon <start|stop|status|run> [--manifest-path PATH] [--json]

  start    start the workspace's daemon if it is not running, and print its status
  stop     ask it to stop
  status   pid, version, uptime, socket, log file, state, sessions and the last profile
  run      run the daemon in the foreground (what \`start\` spawns); --stdio serves one client
           on stdin/stdout; --idle-timeout SECONDS (default 1800; 0 never)
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    'manifest-path': { type: 'string' },
    workspace: { type: 'string' },
    json: { type: 'boolean' },
    stdio: { type: 'boolean' },
    foreground: { type: 'boolean' },
    'idle-timeout': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const sub = positionals[0];
  if (values.help || sub === undefined) {
    process.stdout.write(HELP);
    return sub === undefined && !values.help ? 2 : 0;
  }
  switch (sub) {
    case 'run': {
      const { runDaemon } = await import('../../../daemon/main.js');
      const idle = values['idle-timeout'] === undefined ? undefined : Number(values['idle-timeout']) * 1000;
      if (idle !== undefined && !(idle >= 0)) throw new UsageError('--idle-timeout takes a number of seconds');
      await runDaemon({ workspace: values.workspace ?? process.cwd(), manifestPath: values['manifest-path'], stdio: values.stdio, idleTimeoutMs: idle });
      return 0;
    }
    case 'start':
    case 'status': {
      printStatus(await ask(P.Status.type, {}, { manifestPath: values['manifest-path'], spawn: sub === 'start' }), values.json ?? false);
      return 0;
    }
    case 'stop': {
      // No handshake: this stops the daemon of any flame version, the fix when another
      // version's daemon lacks what this flame needs.
      const root = await workspaceRootOf(process.cwd(), values['manifest-path']);
      const stopped = await stopDaemon(root);
      process.stderr.write(
        stopped ? `flame: stopped the daemon of ${root} (flame ${stopped.version}, pid ${stopped.pid})\n` : `flame: no daemon runs for ${root}\n`,
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown daemon command '${sub}'; use start, stop, status or run`);
  }
}

function printStatus(s: P.Status.Result, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(s)}\n`);
    return;
  }
  const up = Math.round(s.uptimeMs / 1000);
  const lines = [
    `flame daemon ${s.version} (protocol ${s.protocolVersion}), pid ${s.pid}, up ${up} s`,
    `workspace: ${s.workspaceRoot}`,
    `socket:    ${s.socket}`,
    `log:       ${s.logFile}`,
    `state:     ${s.state}; ${s.clients} client(s); ${s.sessions.length} session(s)`,
  ];
  for (const x of s.sessions) lines.push(`  session ${x.id}: ${JSON.stringify(x.spec)} (${x.clients} client(s), ${x.state})`);
  lines.push(
    s.lastProfile
      ? `last profile: ${s.lastProfile.id}, ${s.lastProfile.samples} ${s.lastProfile.unit} at ${s.lastProfile.createdAt}`
      : 'last profile: none yet',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
