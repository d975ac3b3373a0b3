// `flame lsp`: the language server's wiring. It keeps the open Rust buffers, the workspace's
// latest profile (through the daemon) and the settings, and hands each LSP request to its
// feature under features/. Nothing a client sends may bring it down: handlers catch and log.
import { readFileSync } from 'node:fs';
import {
  createConnection,
  CodeLensRefreshRequest,
  ProposedFeatures,
  MessageType,
  ShowMessageNotification,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node.js';
import { ErrorCodes, isFlameError } from '../../common/errors.js';
import * as P from '../../protocol/methods.js';
import { FLAME_VERSION } from '../../protocol/version.js';
import type { FileHeat } from './annotations.js';
import { isWorkspaceSource } from './convert.js';
import { DaemonLink } from './daemon-link.js';
import { Documents, uriToPath, type Doc } from './documents.js';
import { codeActions, FLAME_ACTION_KIND } from './features/code-actions.js';
import { codeLenses } from './features/code-lens.js';
import { CommandRunner, COMMAND_IDS } from './features/commands.js';
import { diagnostics } from './features/diagnostics.js';
import { hoverMarkdown, hoverTarget } from './features/hover.js';
import { inlayHints } from './features/inlay-hints.js';
import { ProgressReporter } from './features/progress.js';
import { ProfileState, type Loaded } from './profile-state.js';
import { DEFAULTS, parseSettings, type Settings } from './settings.js';
import { crateOf, runnables } from './targets.js';
import { applyChange, identity, lineChanges } from './track.js';

/** The server on this process's stdin/stdout, as `flame lsp` runs it for an editor. */
export function serveStdio(): void {
  // createConnection reads --stdio from process.argv; give it the streams explicitly instead.
  startServer(createConnection(ProposedFeatures.all, process.stdin, process.stdout));
}

export function startServer(lsp: Connection): void {
  const docs = new Documents();
  let settings: Settings = DEFAULTS;
  let root = process.cwd();
  let link: DaemonLink | undefined;
  let state: ProfileState | undefined;
  let commands: CommandRunner | undefined;
  let progress: ProgressReporter | undefined;
  let caps = { inlayRefresh: false, lensRefresh: false, progress: false, showDocument: false, configuration: false };
  const log = (msg: string) => lsp.console.log(msg);
  const fail = (what: string, err: unknown) => lsp.console.error(`flame: ${what} failed: ${(err as Error)?.message ?? String(err)}`);

  // A watched program runs inside the daemon, out of sight: its panic would go unseen.
  const programFailed = (end: P.ProgramOutput.End | undefined): void => {
    if (!end?.failed) return;
    const how = end.signal ? `died of ${end.signal}` : `exited with status ${end.exitCode}`;
    // A notification, not window/showMessageRequest: there is nothing to answer.
    void lsp.sendNotification(ShowMessageNotification.type, {
      type: MessageType.Warning,
      message: `flame: the profiled program ${how}${end.panic ? `: ${end.panic.replace(/\n/g, ' ')}` : ''}`,
    });
  };

  /** The buffer, when it is a Rust source of this workspace. */
  const annotatable = (uri: string): Doc | undefined => {
    const doc = docs.get(uri);
    const ws = link?.workspaceRoot ?? root;
    return doc?.path && doc.path.endsWith('.rs') && isWorkspaceSource(ws, doc.path) ? doc : undefined;
  };

  const heatFor = async (doc: Doc): Promise<FileHeat | undefined> => {
    if (!state || !doc.path) return undefined;
    try {
      return await state.heat(doc.path);
    } catch (err) {
      fail(`reading the profile for ${doc.path}`, err);
      return undefined;
    }
  };

  const publish = async (doc: Doc) => {
    try {
      const heat = await heatFor(doc);
      if (docs.get(doc.uri) !== doc) return;
      await lsp.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: heat ? diagnostics(doc, heat, settings) : [] });
    } catch (err) {
      fail(`publishing diagnostics for ${doc.uri}`, err);
    }
  };

  const refreshAll = () => {
    if (caps.inlayRefresh) void lsp.languages.inlayHint.refresh().catch(() => {});
    if (caps.lensRefresh) void lsp.sendRequest(CodeLensRefreshRequest.type).catch(() => {});
    for (const d of docs.all()) if (annotatable(d.uri)) void publish(d);
  };

  /** A new profile: fetch what the open buffers need, then switch to it in one step. */
  const showProfile = async (id: string) => {
    if (!state) return;
    const next = await state.prepare(id);
    if (!next) return;
    const open = docs.all().filter((d) => annotatable(d.uri));
    await Promise.all(open.map((d) => state!.heatIn(next, d.path!).catch(() => undefined)));
    if (!state.commit(next)) return;
    for (const d of open) retrack(d, next);
    refreshAll();
  };

  /** The new profile saw the file as it is on disk; unsaved edits since are tracked from there. */
  const retrack = (doc: Doc, l: Loaded) => {
    doc.map = identity();
    try {
      const disk = readFileSync(doc.path!, 'utf8').split(/\r\n|\n|\r/);
      for (const c of lineChanges(disk, doc.lines)) doc.map = applyChange(doc.map, c, (n) => disk[n]?.length ?? 0);
    } catch {
      // The file is gone from disk: the buffer is all there is.
    }
  };

  lsp.onInitialize((params: InitializeParams): InitializeResult => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    root = (folder && uriToPath(folder)) ?? params.rootPath ?? process.cwd();
    settings = parseSettings(params.initializationOptions);
    const c = params.capabilities;
    caps = {
      inlayRefresh: !!c.workspace?.inlayHint?.refreshSupport,
      lensRefresh: !!c.workspace?.codeLens?.refreshSupport,
      progress: !!c.window?.workDoneProgress,
      showDocument: !!c.window?.showDocument?.support,
      configuration: !!c.workspace?.configuration,
    };
    // After a reconnect (the daemon was restarted), profiles may have landed meanwhile.
    link = new DaemonLink(root, log, {
      onConnected: (_c, previous) => previous > 0 && void showProfile('latest').catch((err) => fail('reloading the profile', err)),
      // Shown, not only logged: nothing works until the user fixes the directory or socket.
      onUntrusted: (message) => void lsp.sendNotification(ShowMessageNotification.type, { type: MessageType.Error, message: `flame: ${message}` }),
    });
    state = new ProfileState(link);
    progress = new ProgressReporter(lsp, caps.progress);
    commands = new CommandRunner(
      lsp,
      link,
      () => settings,
      () => caps.lensRefresh && void lsp.sendRequest(CodeLensRefreshRequest.type).catch(() => {}),
      () => caps.showDocument,
    );
    link.onNotification((n) => {
      progress!.notify(n);
      if (n.method === P.ProfileReady.method) void showProfile(n.params.id).catch((err) => fail('loading the new profile', err));
      if (n.method === P.ProgramOutput.method) programFailed(n.params.end);
    });
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
        inlayHintProvider: true,
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [FLAME_ACTION_KIND], resolveProvider: false },
        hoverProvider: true,
        executeCommandProvider: { commands: [...COMMAND_IDS] },
      },
      serverInfo: { name: 'flame', version: FLAME_VERSION },
    };
  });

  lsp.onInitialized(() => {
    // Connect now so that the daemon's notifications flow, and show the latest profile.
    void state!
      .ensure()
      .then(() => refreshAll())
      .catch((err) => {
        fail(`connecting to the flame daemon for ${root}`, err);
        // Shown, not only logged: nothing works until the user acts (install cargo, read the
        // daemon's log). An untrusted socket was shown already; a folder that is no cargo
        // project (a loose .rs file) is not a problem to report.
        if (!isFlameError(err, ErrorCodes.Untrusted) && !isFlameError(err, ErrorCodes.NotCargoProject)) {
          const message = `flame: cannot reach the workspace's daemon: ${(err as Error)?.message ?? String(err)}`;
          void lsp.sendNotification(ShowMessageNotification.type, { type: MessageType.Error, message });
        }
      });
  });

  lsp.onDidChangeConfiguration(async (p) => {
    // Clients of the pull model send no settings here: ask for the section.
    const pushed = p.settings !== null && typeof p.settings === 'object' && Object.keys(p.settings as object).length > 0;
    if (!pushed && caps.configuration) {
      const [section] = await lsp.workspace.getConfiguration([{ section: 'flame' }]).catch(() => [undefined]);
      settings = parseSettings(section);
    } else settings = parseSettings(p.settings);
    refreshAll();
  });

  lsp.onDidOpenTextDocument((p) => {
    const doc = docs.open(p.textDocument.uri, p.textDocument.version, p.textDocument.text);
    if (annotatable(doc.uri)) void publish(doc);
  });

  lsp.onDidChangeTextDocument((p) => {
    try {
      const doc = docs.change(p.textDocument.uri, p.textDocument.version, p.contentChanges);
      if (doc && annotatable(doc.uri)) void publish(doc);
    } catch (err) {
      fail(`applying an edit to ${p.textDocument.uri}`, err);
    }
  });

  lsp.onDidCloseTextDocument((p) => {
    const had = annotatable(p.textDocument.uri);
    docs.close(p.textDocument.uri);
    if (had) lsp.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
  });

  lsp.languages.inlayHint.on(async (p) => {
    const doc = annotatable(p.textDocument.uri);
    if (!doc) return [];
    const heat = await heatFor(doc);
    return heat ? inlayHints(doc, heat, p.range, settings) : [];
  });

  const runnablesIn = (doc: Doc) => {
    const crate = crateOf(doc.path!, link?.workspaceRoot ?? root);
    return crate ? runnables(doc.path!, doc.lines, crate) : [];
  };

  lsp.onCodeLens(async (p) => {
    const doc = annotatable(p.textDocument.uri);
    if (!doc) return [];
    const heat = await heatFor(doc);
    const items = runnablesIn(doc);
    return codeLenses(doc, heat, items, settings, { hasProfile: !!state?.current, watching: (commands?.sessions.size ?? 0) > 0 });
  });

  lsp.onCodeAction((p) => {
    const doc = annotatable(p.textDocument.uri);
    if (!doc) return [];
    return codeActions(p, runnablesIn(doc), settings, { watching: (commands?.sessions.size ?? 0) > 0 });
  });

  lsp.onHover(async (p) => {
    const doc = annotatable(p.textDocument.uri);
    if (!doc || !settings.hover.enabled) return null;
    const heat = await heatFor(doc);
    if (!heat) return null;
    const t = hoverTarget(doc, heat, p.position.line);
    const callers = t.fn ? await link!.request(P.Callers.type, { profile: heat.profile, function: t.fn.name }).catch(() => undefined) : undefined;
    return hoverMarkdown(heat, t, callers) ?? null;
  });

  lsp.onExecuteCommand((p) => commands?.run(p.command, p.arguments ?? []) ?? null);

  lsp.onShutdown(async () => {
    await commands?.stopAll();
    link?.close();
  });

  lsp.onExit(() => process.exit(0));
  lsp.listen();
}
