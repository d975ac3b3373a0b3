// The push setting at work in the daemon: every profile that joins the history (the daemon's
// own, and those other processes store, which the store's watch takes in) is pushed to the
// configured Grafana Pyroscope server, one push at a time; what could not be pushed stays in the
// durable queue, drained when the daemon starts and after each push that succeeds.
import type { Logger } from 'pino';
import type { ProfileMeta } from '../../protocol/types.js';
import type { CargoMetadata } from '../../engine/cargo/target.js';
import { destinationOf, settingForProfile } from '../../engine/push/config.js';
import { drainQueue, pushProfile, sendOptionsFromEnv } from '../../engine/push/pusher.js';
import { PushQueue, queueDir } from '../../engine/push/queue.js';
import type { ProfileStore } from '../../engine/store/store.js';

export interface AutoPushOptions {
  store: ProfileStore;
  targetDir: string;
  /** `cargo metadata` of the workspace, read again after a Cargo.toml changes. */
  readMetadata: () => Promise<CargoMetadata>;
  log: Logger;
}

export class AutoPush {
  private readonly queue: PushQueue;
  private metadata: Promise<CargoMetadata> | undefined;
  /** One push at a time, in the order profiles joined. */
  private chain: Promise<void> = Promise.resolve();
  /** The last setting error logged, so that a broken setting is logged once, not per profile. */
  private lastProblem = '';
  private closed = false;
  private readonly stop = new AbortController();

  constructor(private readonly opts: AutoPushOptions) {
    this.queue = new PushQueue(queueDir(opts.targetDir));
  }

  /** Retry what an earlier daemon or `flame push` left queued. */
  start(): void {
    this.then(() => this.drain());
  }

  /** A profile joined the history: push it if its package's setting says so. */
  profileJoined(meta: ProfileMeta): void {
    this.then(() => this.push(meta));
  }

  /** A Cargo.toml changed: the setting is read again before the next push. */
  manifestChanged(): void {
    this.metadata = undefined;
  }

  /** End the push under way (its entry stays queued) and start no other; resolves when it has ended. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort();
    await this.chain;
  }

  private then(step: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      try {
        await step();
      } catch (err) {
        this.opts.log.warn({ err }, 'push failed');
      }
    });
  }

  private async push(meta: ProfileMeta): Promise<void> {
    const md = await (this.metadata ??= this.opts.readMetadata().catch((err) => {
      this.metadata = undefined;
      throw err;
    }));
    let setting;
    try {
      setting = settingForProfile(md, meta);
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastProblem) this.opts.log.warn({ err }, 'the push setting cannot be used; profiles are not pushed until it is fixed');
      this.lastProblem = message;
      return;
    }
    this.lastProblem = '';
    if (!setting.enabled || setting.url === undefined) return;
    const dest = destinationOf(setting, setting.url, 'the push setting url');
    const send = { ...sendOptionsFromEnv(), signal: this.stop.signal };
    const o = await pushProfile(this.opts.store, this.queue, meta, dest, { app: setting.app, labels: setting.labels, send });
    this.opts.log.info({ id: o.id, url: o.url, state: o.state, app: o.app, pieces: o.pieces, error: o.error }, `push ${o.state}`);
    if (o.state === 'pushed') await this.drain();
  }

  private async drain(): Promise<void> {
    const send = { ...sendOptionsFromEnv(), signal: this.stop.signal };
    for (const o of await drainQueue(this.opts.store, this.queue, { send, stopOnTransient: true })) {
      this.opts.log.info({ id: o.id, url: o.url, state: o.state, error: o.error }, `queued push ${o.state}`);
    }
  }
}
