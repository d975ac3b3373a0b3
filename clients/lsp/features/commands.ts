// The commands behind the lenses and the editor's own command palette, run through
// workspace/executeCommand: profile a target once, start or stop watching it, show a
// function's callers, export the flame graph as an SVG file or open the daemon's live page.
import { writeFileAtomic } from '../../../common/fsutil.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageType, ShowDocumentRequest, ShowMessageNotification, type Connection as LspConnection } from 'vscode-languageserver/node.js';
import * as P from '../../../protocol/methods.js';
import type { SessionSpec } from '../../../protocol/types.js';
import type { DaemonLink } from '../daemon-link.js';
import { isObj, type Settings } from '../settings.js';
import { callersText } from './hover.js';

export const Commands = {
  profileOnce: 'flame.profileOnce',
  watch: 'flame.watch',
  stopWatch: 'flame.stopWatch',
  showFunction: 'flame.showFunction',
  exportSvg: 'flame.exportSvg',
  openFlameGraph: 'flame.openFlameGraph',
} as const;

export const COMMAND_IDS = Object.values(Commands);

export class CommandRunner {
  /** Watch sessions this editor started, left on stopWatch and on shutdown. */
  readonly sessions = new Set<string>();

  constructor(
    private readonly lsp: LspConnection,
    private readonly link: DaemonLink,
    private readonly settings: () => Settings,
    private readonly changed: () => void,
    /** The client opens URLs for the server (window/showDocument, LSP 3.16). */
    private readonly canShowDocument: () => boolean,
  ) {}

  /** The spec a command runs: its argument (from a lens) or the settings' target. */
  private spec(arg: unknown): SessionSpec {
    const s = this.settings();
    const given = isObj(arg) ? (arg as SessionSpec) : {};
    return {
      target: { ...s.target, ...(isObj(given.target) ? given.target : {}) },
      record: { ...s.record, ...(isObj(given.record) ? given.record : {}) },
      programArgs: Array.isArray(given.programArgs) ? given.programArgs : s.programArgs,
    };
  }

  async run(command: string, args: unknown[]): Promise<unknown> {
    try {
      switch (command) {
        case Commands.profileOnce: {
          const meta = await this.link.request(P.ProfileOnce.type, this.spec(args[0]));
          return meta;
        }
        case Commands.watch: {
          const r = await this.link.request(P.WatchStart.type, this.spec(args[0]));
          this.sessions.add(r.sessionId);
          this.changed();
          return r;
        }
        case Commands.stopWatch: {
          await this.stopAll();
          this.changed();
          return { stopped: true };
        }
        case Commands.showFunction: {
          if (typeof args[0] !== 'string') throw new Error('flame.showFunction takes a function name');
          const r = await this.link.request(P.Callers.type, { function: args[0] });
          this.show(MessageType.Info, callersText(r).replace(/\n+/g, ' · '));
          return r;
        }
        case Commands.exportSvg:
          return await this.exportSvg();
        case Commands.openFlameGraph: {
          // The daemon's live page when it serves one, else the latest profile as an SVG file.
          // The page's path-token address, which a proxy in between (code-server, VS Code
          // Remote; the editor maps it) does not break; an older daemon has only `url`.
          const c = await this.link.connection();
          const target = c.info.capabilities.methods.includes(P.WebUrl.method)
            ? await this.link.request(P.WebUrl.type, {}).then((r) => ({ url: r.forwardUrl ?? r.url }))
            : { url: pathToFileURL((await this.exportSvg()).path).href };
          if (this.canShowDocument()) await this.lsp.sendRequest(ShowDocumentRequest.type, { uri: target.url, external: true });
          else this.show(MessageType.Info, `flame graph: ${target.url}`);
          return target;
        }
        default:
          throw new Error(`unknown command ${command}; flame's commands are ${COMMAND_IDS.join(', ')}`);
      }
    } catch (err) {
      const msg = `flame: ${(err as Error).message}`;
      this.show(MessageType.Error, msg);
      return { error: msg };
    }
  }

  private async exportSvg(): Promise<{ path: string; profile: string }> {
    const r = await this.link.request(P.Export.type, { format: 'svg' });
    const c = await this.link.connection();
    // Where the daemon says cargo's target directory is (CARGO_TARGET_DIR counts), as `flame record` writes it.
    const targetDir = c.info.targetDir ?? path.join(this.link.workspaceRoot ?? this.link.cwd, 'target');
    const out = path.join(targetDir, 'flame', 'flamegraph.svg');
    await writeFileAtomic(out, r.data);
    return { path: out, profile: r.profile };
  }

  /** A message the editor shows; a notification, so that nothing waits for the user. */
  private show(type: MessageType, message: string): void {
    void this.lsp.sendNotification(ShowMessageNotification.type, { type, message }).catch(() => {});
  }

  async stopAll(): Promise<void> {
    for (const id of [...this.sessions]) {
      await this.link.request(P.WatchStop.type, { sessionId: id }).catch(() => {});
      this.sessions.delete(id);
    }
  }
}
