// Mode `flame exec -- CMD`: run a command as it is, in the cwd, under perf.
import path from 'node:path';
import type { RecordResult } from './record.js';
import { recordRuns, refuseNewline, workspaceAround, type RecordContext } from './steps.js';

export async function recordCommand(ctx: RecordContext, given: string[]): Promise<RecordResult> {
  const command = [...given, ...(ctx.req.programArgs ?? [])];
  refuseNewline(path.resolve(ctx.cwd, command[0]!), 'the program');
  const workspace = await workspaceAround(ctx);
  return recordRuns(ctx, { command, label: `recording ${path.basename(command[0]!)}`, workspace, warnings: [] });
}
