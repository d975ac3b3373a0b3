// The daemon notices profiles that other processes add to its history (`flame record` writes
// the store itself) by watching the store directory and refreshing the store, which announces
// what it takes in (ProfileStore.onTakenIn), so every client hears of them even when the writer
// never told the daemon.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { logger } from '../../common/log.js';
import type { ProfileStore } from '../../engine/store/store.js';

/** Refresh `store` whenever another process commits a profile to it, until close(). */
export function watchStore(store: ProfileStore): { close(): void } {
  const log = logger('store-watch');
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const scan = () => {
    timer = undefined;
    store.refresh().catch((err) => log.warn({ err }, 'reading the store directory failed'));
  };
  // A burst of renames (data, then meta) is one add: scan once it settles.
  const soon = () => {
    if (!timer && !closed) timer = setTimeout(scan, 25);
  };
  const arm = () => {
    if (closed || watcher) return;
    try {
      watcher = watch(store.dir, { persistent: false }, (_event, name) => {
        if (name === null || String(name).endsWith('.meta.json')) soon();
      });
      watcher.on('error', () => {
        // The directory went (`cargo clean`): look again later, and take in whatever is there.
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined;
    }
  };
  arm();
  // Re-arm after the directory was removed and made again; a cheap readdir of a few dozen names.
  const poll = setInterval(() => {
    if (watcher && !existsSync(store.dir)) {
      // inotify watches die with their directory, quietly.
      watcher.close();
      watcher = undefined;
    }
    if (!watcher && existsSync(store.dir)) {
      arm();
      soon();
    }
  }, 2000);
  poll.unref();
  return {
    close() {
      closed = true;
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}
