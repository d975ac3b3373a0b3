// The daemon's build/record/progress notifications as one LSP work-done progress per run
// (window/workDoneProgress/create, then $/progress begin, report, end).
import { WorkDoneProgress, WorkDoneProgressCreateRequest, type Connection } from 'vscode-languageserver/node.js';
import * as P from '../../../protocol/methods.js';

export class ProgressReporter {
  private token: string | undefined;
  private seq = 0;

  constructor(
    private readonly lsp: Connection,
    private readonly supported: boolean,
  ) {}

  /** Feed every daemon notification; the ones about a run move the progress along. */
  notify(n: P.DaemonNotification): void {
    if (!this.supported) return;
    switch (n.method) {
      case P.BuildStarted.method:
        this.begin(`building ${n.params.target ?? ''}`.trim());
        break;
      case P.RecordStarted.method:
        this.report('recording');
        break;
      case P.Progress.method: {
        const pr = n.params;
        const percentage = pr.total ? Math.min(100, Math.round(((pr.done ?? 0) / pr.total) * 100)) : undefined;
        this.report(`${pr.stage}: ${pr.message}`, percentage);
        break;
      }
      case P.BuildFinished.method:
        if (!n.params.ok) this.end('build failed');
        break;
      case P.ProfileReady.method:
        this.end(`profile ${n.params.id}: ${n.params.samples} samples`);
        break;
      case P.SessionError.method:
        this.end(n.params.message);
        break;
    }
  }

  /** Sends in order: a report never overtakes its begin, which waits for the create. */
  private chain: Promise<unknown> = Promise.resolve();

  private send(fn: () => Promise<unknown> | void): void {
    this.chain = this.chain.then(fn).catch(() => {});
  }

  private begin(message: string): void {
    if (this.token) this.end();
    const token = `flame-${process.pid}-${++this.seq}`;
    this.token = token;
    this.send(async () => {
      await this.lsp.sendRequest(WorkDoneProgressCreateRequest.type, { token });
      await this.lsp.sendProgress(WorkDoneProgress.type, token, { kind: 'begin', title: 'flame', message, cancellable: false });
    });
  }

  private report(message: string, percentage?: number): void {
    if (!this.token) return this.begin(message);
    const token = this.token;
    this.send(() => this.lsp.sendProgress(WorkDoneProgress.type, token, { kind: 'report', message, percentage }));
  }

  private end(message?: string): void {
    if (!this.token) return;
    const token = this.token;
    this.token = undefined;
    this.send(() => this.lsp.sendProgress(WorkDoneProgress.type, token, { kind: 'end', message }));
  }
}
