// Mode `--perf-data FILE`: a recording made earlier (by flame or by perf itself), analysed as it is.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzePerfData } from '../profile/analyze.js';
import type { RecordResult } from './record.js';
import { resultOf, workspaceAround, type RecordContext } from './steps.js';

export async function analyseFinished(ctx: RecordContext, file: string): Promise<RecordResult> {
  const perfData = path.resolve(ctx.cwd, file);
  const workspace = await workspaceAround(ctx);
  const startedAt = performance.now();
  const analysis = await analyzePerfData(perfData, ctx.analyzeOpts);
  return resultOf(ctx, { perfData, analysis, startedAt, workspace, warnings: [], durationMs: 0 });
}
