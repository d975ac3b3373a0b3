// Mode `--pid PID`: attach to a running process; it is not ours, so there is no command to run
// (perf record -p stops on Ctrl-C, --duration or the process's exit).
import type { RecordResult } from './record.js';
import { recordAndAnalyse, workspaceAround, type RecordContext } from './steps.js';

export async function attachToPid(ctx: RecordContext, pid: number): Promise<RecordResult> {
  const workspace = await workspaceAround(ctx);
  return recordAndAnalyse(ctx, { command: [], label: `recording pid ${pid}`, workspace, warnings: [] });
}
