// A real Grafana Pyroscope server for test/integration/pyroscope.test.ts: the binary that
// build-pyroscope.sh builds (FLAME_PYROSCOPE_BIN), run as one process (-target=all) with every
// listener and every ring's instance address on 127.0.0.1 (without those, ingest dials a
// non-loopback address and fails), its data in a temporary directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { scratch } from '../helpers.js';

export interface Pyroscope {
  url: string;
  /** Its log, for a failing test's message. */
  logFile: string;
  stop(): Promise<void>;
}

/** The server's binary, or an error that says how to build it. */
export function pyroscopeBinary(): string {
  const bin = process.env.FLAME_PYROSCOPE_BIN;
  const how = 'build it with test/integration/build-pyroscope.sh (about 10 minutes) and set FLAME_PYROSCOPE_BIN to the path it prints';
  if (!bin) throw new Error(`FLAME_PYROSCOPE_BIN is not set: ${how}`);
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new Error(`FLAME_PYROSCOPE_BIN=${bin} is not an executable: ${how}`);
  }
  return bin;
}

/** A loopback port free now (nothing listens on it until someone binds it). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Start the server with its HTTP API on `httpPort` and wait until GET /ready answers 200. */
export async function startPyroscope(httpPort: number): Promise<Pyroscope> {
  const bin = pyroscopeBinary();
  const dir = scratch('flame-pyroscope-');
  const [grpc, gossip] = [await freePort(), await freePort()];
  const lo = '127.0.0.1';
  const args = [
    '-target=all',
    `-server.http-listen-address=${lo}`,
    `-server.http-listen-port=${httpPort}`,
    `-server.grpc-listen-address=${lo}`,
    `-server.grpc-listen-port=${grpc}`,
    `-memberlist.bind-addr=${lo}`,
    `-memberlist.bind-port=${gossip}`,
    `-memberlist.advertise-addr=${lo}`,
    `-memberlist.advertise-port=${gossip}`,
    `-memberlist.join=${lo}:${gossip}`,
    `-ingester.lifecycler.addr=${lo}`,
    `-distributor.ring.instance-addr=${lo}`,
    `-compactor.ring.instance-addr=${lo}`,
    `-overrides-exporter.ring.instance-addr=${lo}`,
    `-query-frontend.instance-addr=${lo}`,
    `-query-scheduler.ring.instance-addr=${lo}`,
    `-store-gateway.sharding-ring.instance-addr=${lo}`,
    `-pyroscopedb.data-path=${path.join(dir, 'db')}`,
    '-storage.backend=filesystem',
    `-storage.filesystem.dir=${path.join(dir, 'bucket')}`,
    `-compactor.data-dir=${path.join(dir, 'compactor')}`,
    `-blocks-storage.bucket-store.sync-dir=${path.join(dir, 'sync')}`,
    '-self-profiling.disable-push=true',
    '-usage-stats.enabled=false',
  ];
  const logFile = path.join(dir, 'pyroscope.log');
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const url = `http://${lo}:${httpPort}`;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    }
  };
  // Ready is a condition, not a time: poll it (its ingester waits 15 s after it first says so).
  for (const end = Date.now() + 180_000; ;) {
    if (child.exitCode !== null) throw new Error(`pyroscope exited with ${child.exitCode} before it was ready; its log: ${logFile}`);
    const ok = await fetch(`${url}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > end) {
      await stop();
      throw new Error(`pyroscope was not ready after 180 s; its log: ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, logFile, stop };
}
