// Query verbs' shared path to the daemon: connect (starting it if needed), send one request,
// close. Keeps each command file about its own flags and rendering.
import { connect, request } from '../connect.js';

/** Send one request to the workspace's daemon and return its result; `spawn: false` never starts one. */
export async function ask<R>(method: string, params: unknown, opts: { manifestPath?: string; spawn?: boolean } = {}): Promise<R> {
  const c = await connect({ manifestPath: opts.manifestPath, spawn: opts.spawn, clientName: 'flame-cli' });
  try {
    return await request<R>(c, method, params);
  } finally {
    c.close();
  }
}
