// What `flame record` and `flame exec` share once their flags are parsed: run the pipeline with
// progress on stderr, write the SVG and folded file atomically, print the summary or the JSON.
import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { formatFolded, parseFolded, writeFolded } from '../../engine/render/folded.js';
import { ErrorCodes, FlameError } from '../../common/errors.js';
import { spawn } from '../../common/spawn.js';
import { writeFileAtomic } from '../../common/fsutil.js';
import { foldedOrigins, foldedStacks, topFunctions, type FoldedOptions } from '../../engine/query/query.js';
import { withFunctionNoise } from '../../engine/query/noise.js';
import { recordOnce, type RecordRequest, type RecordResult } from '../../engine/record/record.js';
import type { StackView, SvgOptions } from '../../protocol/types.js';
import { viewOf } from '../../engine/query/view.js';
import { renderGuarded } from '../../engine/render/svg-guard.js';
import { profileSvgStacks } from '../../engine/render/svg-input.js';
import { Renderer } from '../../engine/render/native.js';
import { HistoryContext, saveToHistory, type Saved } from './history.js';
import { functionTable, openInBrowser, Progress, qualityLine, runsNote, warn } from './render.js';

export interface OutputOptions {
  /** Default flamegraph.svg beside the recording: `<target dir>/flame/` in a workspace, else the cwd. */
  svg?: string;
  folded?: string;
  open?: boolean;
  json?: boolean;
  svgOptions: SvgOptions;
  /** How the stacks are folded for the graph and the folded file (`--no-inline`, `--skip-after`). */
  folding?: Pick<FoldedOptions, 'noInline' | 'skipAfter'>;
  /** A shell command the folded stacks go through before they are drawn and written (`--post-process`). */
  postProcess?: string;
  /** Which samples and frames the graph, the folded file and the table show (`--focus`, `--plumbing`...). */
  view?: StackView;
}

/** Run a recording end to end; returns the exit code. */
export async function runRecording(req: RecordRequest, out: OutputOptions): Promise<number> {
  const progress = new Progress();
  // Ctrl-C while recording: perf stops and writes its file, the program gets SIGINT (perfRecord
  // sees to it, also for a SIGINT sent to flame alone) and may shut down cleanly; flame stays
  // alive to analyse what was recorded. A second Ctrl-C sends the program SIGTERM, a third quits.
  // Before the recording starts (cargo runs in its own process group), Ctrl-C cancels the build.
  let interrupts = 0;
  let recording = false;
  const abort = new AbortController();
  const recordInterrupts = new EventEmitter();
  const onSigint = () => {
    interrupts++;
    if (!recording) {
      abort.abort();
      return;
    }
    if (interrupts > 2) process.exit(130);
    recordInterrupts.emit('interrupt');
    progress.clear();
    process.stderr.write(
      interrupts === 1
        ? 'flame: interrupted; finishing the profile of what was recorded (Ctrl-C again to stop the program with SIGTERM)\n'
        : 'flame: stopping the program with SIGTERM (Ctrl-C again to quit)\n',
    );
  };
  process.on('SIGINT', onSigint);
  let result: RecordResult;
  const history = new HistoryContext();
  // Started now, so that its start-up is not part of the wait after the program ends.
  const renderer = new Renderer();
  try {
    result = await recordOnce(req, {
      signal: abort.signal,
      onWorkspace: history.onWorkspace,
      onBuilt: history.onBuilt,
      interrupts: recordInterrupts,
      onRecordStarted: () => (recording = true),
      onProgress: (p) => {
        if (p.stage === 'record') {
          progress.update(p.message);
          progress.clear();
        } else {
          // A build's message already carries its count.
          progress.update(p.stage !== 'build' && 'done' in p && p.total ? `${p.message} (${p.done ?? 0}/${p.total})` : p.message);
        }
      },
      onDiagnostic: (d) => {
        if (d.level === 'error' || d.level === 'warning') {
          progress.clear();
          process.stderr.write(d.rendered.endsWith('\n') ? d.rendered : `${d.rendered}\n`);
        }
      },
    });
  } catch (err) {
    renderer.cancel();
    throw err;
  } finally {
    progress.clear();
    process.off('SIGINT', onSigint);
  }
  for (const w of result.warnings) warn(w);

  const profile = result.profile;
  // The graph, the folded file and the table show the stacks as the view sees them (plumbing left out by default).
  const shown = viewOf(profile, out.view);
  const folded = foldedStacks(shown, out.folding);
  let stacks = folded;
  if (out.postProcess) {
    try {
      stacks = await postProcess(folded, out.postProcess);
    } catch (err) {
      renderer.cancel();
      throw err;
    }
  }
  const title = out.svgOptions.title ?? (result.build ? `${result.build.target.package} (${result.build.target.kind} ${result.build.target.name})` : undefined);
  const svgOptions: SvgOptions = { countName: profile.unit, ...out.svgOptions };
  if (title !== undefined) svgOptions.title = title;
  const svgPath = out.svg === undefined ? path.join(result.outputDir, 'flamegraph.svg') : path.resolve(out.svg);
  // Stacks the user reshaped (--no-inline, --skip-after, --post-process) are drawn as they came
  // out, without the bands, which belong to the profile's own call paths.
  const reshaped = out.postProcess !== undefined || out.folding?.noInline || (out.folding?.skipAfter?.length ?? 0) > 0;
  const origins = svgOptions.palette === 'rust' ? foldedOrigins(shown, { root: result.workspace?.root }) : undefined;
  const drawn = await renderGuarded(reshaped ? stacks : profileSvgStacks(shown, svgOptions), svgOptions, { renderer, origins });
  if ('svg' in drawn) {
    await writeFileAtomic(svgPath, drawn.svg);
  } else {
    const w = `${drawn.tooBig}; no SVG was written`;
    warn(w);
    result.warnings.push(w);
  }
  const wroteSvg = 'svg' in drawn;
  let foldedPath: string | undefined;
  if (out.folded) {
    foldedPath = path.resolve(out.folded);
    const pieces: string[] = [];
    writeFolded(stacks, (piece) => pieces.push(piece));
    await writeFileAtomic(foldedPath, pieces);
  }
  // From the program's end to the graph on disk: what a person waits for after their program.
  const afterProgramMs = performance.now() - result.endedAt;
  let saved: Saved | undefined;
  try {
    saved = await saveToHistory(result, req, history);
  } catch (err) {
    // The graph is written; a history that cannot take the profile must not fail the record.
    warn(`the profile was not added to the workspace's history: ${(err as Error).message}`);
  }
  const big = await recordingSizeWarning(result.perfData);
  if (big) {
    warn(big);
    result.warnings.push(big);
  }
  const top = withFunctionNoise(shown, topFunctions(shown, { limit: 10 }));
  if (out.json) {
    const json: Record<string, unknown> = {
      perfData: result.perfData,
      svg: wroteSvg ? svgPath : null,
      folded: foldedPath ?? null,
      samples: profile.totalSamples,
      unit: profile.unit,
      durationMs: Math.round(result.durationMs),
      analysisMs: Math.round(result.analysisMs),
      afterProgramMs: Math.round(afterProgramMs),
      quality: profile.quality,
      top,
      warnings: result.warnings,
      profile: saved?.meta.id ?? null,
    };
    if (result.program) json.program = result.program;
    if (result.build) json.executable = result.build.executable;
    if (result.runs) {
      json.runs = result.runs.map((r) => ({ samples: r.samples, durationMs: Math.round(r.durationMs), analysisMs: Math.round(r.analysisMs) }));
      json.mergeMs = Math.round(result.mergeMs ?? 0);
    }
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } else {
    const secs = (result.durationMs / 1000).toFixed(2);
    process.stderr.write(
      `flame: ${profile.totalSamples} ${profile.unit} of ${profile.event}${runsNote(profile.runs)}${result.durationMs ? ` over ${secs} s` : ''}, analysed in ${(result.analysisMs / 1000).toFixed(2)} s; ${qualityLine(profile.quality)}\n` +
        (wroteSvg || foldedPath
          ? `flame: wrote ${[wroteSvg ? path.relative(process.cwd(), svgPath) || svgPath : undefined, foldedPath ? path.relative(process.cwd(), foldedPath) : undefined].filter(Boolean).join(' and ')} (recording: ${path.relative(process.cwd(), result.perfData)})\n`
          : `flame: recording: ${path.relative(process.cwd(), result.perfData)}\n`),
    );
    if (saved)
      process.stderr.write(
        `flame: profile ${saved.meta.id} added to the workspace's history${saved.daemon ? ' (the daemon has it)' : ''}: \`flame web\`, the editor, \`flame diff\` and \`flame export\` show it\n`,
      );
    process.stdout.write(functionTable(top, profile.totalSamples, profile.unit));
  }
  if (out.open && wroteSvg) openInBrowser(svgPath);
  if (result.program?.failed && !req.record?.ignoreStatus) {
    process.stderr.write(
      `error: the program ${result.program.signal ? `died of ${result.program.signal}` : `exited with status ${result.program.exitCode}`}; the flame graph of its run was still written (pass --ignore-status to exit 0)\n`,
    );
    return result.program.exitCode && result.program.exitCode > 0 ? result.program.exitCode : 1;
  }
  return 0;
}

/** cargo-flamegraph's `--post-process`: the folded stacks through `sh -c command`, its output read back as folded stacks. */
async function postProcess(stacks: Map<string, number>, command: string): Promise<Map<string, number>> {
  const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  // A command that does not read all of its input closes the pipe: that is its business.
  child.stdin.on('error', () => {});
  child.stdin.end(formatFolded(stacks));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const said = Buffer.concat(err).toString().trim();
  if (code !== 0)
    throw new FlameError(
      ErrorCodes.BadInput,
      `the --post-process command \`${command}\` exited with status ${code}${said ? `: ${said}` : ''}; nothing was drawn`,
    );
  try {
    return parseFolded(Buffer.concat(out).toString(), `the output of --post-process \`${command}\``);
  } catch (e) {
    throw new FlameError(ErrorCodes.BadInput, `${(e as Error).message}; it must print folded stacks ("a;b;c 12" lines)`);
  }
}

/** From this size on, the recording's disk use is worth a word (FLAME_RECORDING_WARN_BYTES). */
const RECORDING_WARN_BYTES = 1 << 30;

/**
 * A 30 s run at the defaults writes gigabytes of stack copies. flame keeps only the latest
 * recording (the next one replaces it) and the profile is in the history, so say so when it is big.
 */
async function recordingSizeWarning(perfData: string): Promise<string | undefined> {
  const limit = Number(process.env.FLAME_RECORDING_WARN_BYTES ?? RECORDING_WARN_BYTES);
  const size = (await stat(perfData).catch(() => undefined))?.size ?? 0;
  if (size < limit) return undefined;
  const shown = size >= 1e9 ? `${(size / 1e9).toFixed(1)} GB` : `${(size / 1e6).toFixed(1)} MB`;
  return `the recording ${path.relative(process.cwd(), perfData) || perfData} takes ${shown}: only the latest one is kept (the next record replaces it) and the profile is already in the history, so delete it if you need the space; --light (99 Hz) or a smaller --stack-size records less`;
}
