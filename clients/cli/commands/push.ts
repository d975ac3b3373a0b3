// `flame push`: a stored profile to a Grafana Pyroscope server, then every push still queued.
import { ErrorCodes, FlameError } from '../../../common/errors.js';
import type { PushOutcome } from '../../../engine/push/pusher.js';
import { parse } from '../args.js';
import { UsageError } from '../main.js';
import { warn } from '../render.js';

const HELP = `Usage: flame push [PROFILE] [--to URL] [--label KEY=VALUE]... [--app NAME] [--force]
                  [--manifest-path PATH] [--json]

Push a profile of the workspace's history (default: the latest; PROFILE is an id, a unique id
prefix, latest, previous or -N, see \`flame profiles\`) to a Grafana Pyroscope server, as CPU time
(process_cpu:cpu:nanoseconds) with labels: target, git commit, branch and dirty flag, host, flame
version, event. Then every push still queued (the server was down) is tried again. A push that
cannot reach the server after its retries stays queued in <target dir>/flame/push/; nothing is
lost. The server and labels default to the workspace's setting:

  [workspace.metadata.flame.push]      (or [package.metadata.flame.push])
  url = "http://localhost:4040"
  labels = { team = "perf" }

Options:
  --to URL               the server (overrides the setting's url)
  --label KEY=VALUE      one more label (repeatable; overrides the setting's)
  --app NAME             Pyroscope's application (service_name; default the package)
  --force                push again a profile already pushed there (counted twice)
  --json                 print {pushed: [{id, url, state, app, labels, profileType, sampleRate,
                         nanosPerSample, pieces, error?}]}

Environment: FLAME_PUSH_ATTEMPTS (tries per push, default 4), FLAME_PUSH_BACKOFF_MS (the first
retry's wait, doubling, default 500).
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    to: { type: 'string' },
    label: { type: 'string', multiple: true },
    app: { type: 'string' },
    force: { type: 'boolean' },
    'manifest-path': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('flame push takes at most one PROFILE');
  const labels: Record<string, string> = {};
  for (const l of values.label ?? []) {
    const eq = l.indexOf('=');
    if (eq <= 0) throw new UsageError(`--label takes KEY=VALUE, not '${l}'`);
    labels[l.slice(0, eq)] = l.slice(eq + 1);
  }
  const [{ readMetadata }, { openHistory }, config, pusher, { PushQueue, queueDir }] = await Promise.all([
    import('../../../engine/cargo/target.js'),
    import('../../../engine/store/history.js'),
    import('../../../engine/push/config.js'),
    import('../../../engine/push/pusher.js'),
    import('../../../engine/push/queue.js'),
  ]);
  const send = pusher.sendOptionsFromEnv();
  const md = await readMetadata({ cwd: process.cwd(), manifestPath: values['manifest-path'] });
  const store = await openHistory(md.targetDirectory, { cacheSize: 2 });
  const meta = await store.resolveFresh(positionals[0] ?? 'latest');
  const setting = config.settingForProfile(md, meta);
  const url = values.to ?? setting.url;
  if (url === undefined)
    throw new FlameError(
      ErrorCodes.BadInput,
      "no server to push to: pass --to URL, or set url in [workspace.metadata.flame.push] of the workspace's Cargo.toml",
    );
  const dest = config.destinationOf(setting, url, values.to !== undefined ? '--to' : '[metadata.flame.push] url');
  const queue = new PushQueue(queueDir(md.targetDirectory));
  const already = (await queue.get(meta.id, dest))?.state === 'pushed' && !values.force;
  const mine = await pusher.pushProfile(store, queue, meta, dest, {
    app: values.app ?? setting.app,
    labels: { ...setting.labels, ...labels },
    send,
    force: values.force,
    // The daemon may be pushing it right now (it was told of the profile): its outcome is ours.
    waitMs: 120_000,
  });
  // The one just tried is not tried again at once.
  const others = await pusher.drainQueue(store, queue, {
    send,
    stopOnTransient: true,
    skip: (e) => e.id === mine.id && e.dest.url === dest.url && e.dest.tenant === dest.tenant,
  });
  const all = [mine, ...others];
  if (values.json) process.stdout.write(`${JSON.stringify({ pushed: all })}\n`);
  else {
    for (const o of all) process.stdout.write(`${line(o, o === mine && already)}\n`);
  }
  for (const o of others) if (o.state !== 'pushed') warn(`the queued push of ${o.id} to ${o.url} is still ${o.state}: ${o.error ?? ''}`);
  if (mine.state === 'pushed') return 0;
  throw new FlameError(ErrorCodes.PushFailed, mine.error ?? `${mine.id} was not pushed`);
}

function line(o: PushOutcome, already: boolean): string {
  const what =
    o.state === 'pushed'
      ? already
        ? `already pushed to ${o.url} (--force pushes it again)`
        : `pushed to ${o.url} as ${o.app} (${o.profileType.split(':').slice(0, 3).join(':')}${o.nanosPerSample ? `, ${o.nanosPerSample} ns a sample` : ''}${o.pieces > 1 ? `, ${o.pieces} pieces` : ''})`
      : `${o.state}: ${o.error ?? ''}`;
  return `${o.id}  ${what}`;
}
