// `flame compare`: the working tree against a base (a git revision built beside it, or a stored
// profile), recorded in turns, with what changed per function and line, the wall time per run,
// and a regression gate for CI. Runs in the CLI's own process, as `flame record` does.
import path from 'node:path';
import { gateConfig, gateSettings } from '../../../engine/compare/gate.js';
import { compareReport, type SideInput } from '../../../engine/compare/report.js';
import { DEFAULT_COMPARE_RUNS, recordCompare } from '../../../engine/compare/compare.js';
import { loadBaseProfile } from '../../../engine/compare/base-profile.js';
import { readMetadata, selectTarget, workspaceOf } from '../../../engine/cargo/target.js';
import { openHistory } from '../../../engine/store/history.js';
import { sourceState } from '../../../engine/sources/source-state.js';
import { appendText, cacheDir } from '../../../common/fsutil.js';
import {
  fillOptionalValues,
  limitArg,
  parse,
  RECORD_FLAGS,
  RECORD_HELP,
  recordOptions,
  splitDashDash,
  TARGET_FLAGS,
  TARGET_HELP,
  targetOptions,
} from '../args.js';
import { markdownReport } from '../compare-render.js';
import { HistoryContext, saveToHistory } from '../history.js';
import { UsageError } from '../main.js';
import { Progress, warn } from '../render.js';

/** The exit code of a failed gate: apart from flame's own errors (1), usage (2) and bugs (70). */
export const REGRESSION_EXIT = 3;

const HELP = `Usage: flame compare (--base REV | --base-profile ID|FILE) [target] [recording] [gate] [-- PROGRAM_ARGS]

Build the working tree and the base, record them in turns (A B A B …, --runs times each, default
${DEFAULT_COMPARE_RUNS}) so that the machine's drift falls on both, store each side in the history as one
profile of several runs, and report per function (and line) the change of its share with its 95%
interval and whether it is significant (\`flame diff\`'s rule: a discovery at a 5% false
discovery rate, beyond both sides' run-to-run variation), and the wall time per run of each side
(the program's first sample to its last) with the change of its mean.

Base:
  --base REV             a git revision (branch, tag, commit): checked out in a worktree under
                         <target dir>/flame/compare/base and built there with the same flags
  --base-profile ID|FILE a stored profile (an id, latest, -1, …) or a file (a .profile.gz of the
                         history, or a perf.data): only the working tree is recorded

${TARGET_HELP}

${RECORD_HELP.replace(/ *--pid PID[^\n]*\n *--duration SECONDS[^\n]*\n/, '').replace('(default 1)', `(default ${DEFAULT_COMPARE_RUNS} per side)`)}

Gate (exit ${REGRESSION_EXIT} when it fails):
  --fail-on REGEX        gate the functions whose name matches (linear-time regex, as --filter)
  --threshold PCT        how far a gated function's total share may grow, in percentage points
                         of the whole run (default 2%: 30.0% → 32.0% passes, → 32.1% fails when
                         significant)
  --time-threshold PCT   how far the mean wall time per run may grow, relative to the base's
                         (default 5% once a gate is set; off to gate no time)
  Without flags, [package.metadata.flame.gate] (or [workspace.metadata.flame.gate]) in Cargo.toml
  gives them: fail-on = "…", threshold = "2%", time-threshold = "5%", runs = 5.

Output (Markdown on stdout, also appended to $GITHUB_STEP_SUMMARY when that is set):
  --lines                also the lines whose shares changed most
  --limit N              rows per table (default 20, 0 for all; gate failures are always shown)
  --json                 the report as JSON on stdout instead: {base, current, time, functions,
                         lines, gate}

Exit status: 0 when the gate passes (or none is set), ${REGRESSION_EXIT} when it fails, 1 for an error
(a build that fails, a bad revision), 2 for a bad command line.
`;

export async function run(argv: string[]): Promise<number> {
  const [flags, programArgs] = splitDashDash(argv);
  const { values } = parse(
    fillOptionalValues(flags, ['--unit-test', '--unit-bench']),
    {
      ...TARGET_FLAGS,
      ...RECORD_FLAGS,
      base: { type: 'string' },
      'base-profile': { type: 'string' },
      'fail-on': { type: 'string' },
      threshold: { type: 'string' },
      'time-threshold': { type: 'string' },
      lines: { type: 'boolean' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    { positionals: false },
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if ((values.base === undefined) === (values['base-profile'] === undefined)) {
    throw new UsageError('flame compare takes one base: --base REV (a git revision) or --base-profile ID|FILE');
  }
  if (values.pid !== undefined || values.duration !== undefined)
    throw new UsageError('flame compare starts the program itself; --pid and --duration do not apply');
  const target = targetOptions(values);
  const record = recordOptions(values);
  const limit = limitArg(values.limit, 20);

  // The workspace and the gate first: a mistake there must not cost a build and a dozen runs.
  const metadata = await readMetadata({ ...target, cwd: process.cwd() });
  const workspace = workspaceOf(metadata);
  const pkg = selectTarget(metadata, target).package;
  const config = gateConfig(metadata, pkg);
  const gate = gateSettings({ 'fail-on': values['fail-on'], threshold: values.threshold, 'time-threshold': values['time-threshold'] }, config.input);
  record.runs ??= config.input.runs ?? DEFAULT_COMPARE_RUNS;
  const store = await openHistory(workspace.targetDir, { cacheSize: 2 });
  const baseProfile =
    values['base-profile'] === undefined ? undefined : await loadBaseProfile(values['base-profile'], store, { cacheDir: cacheDir('symbols') });

  const progress = new Progress();
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.on('SIGINT', onSigint);
  const history = new HistoryContext();
  const req = { target, record, programArgs: programArgs ?? [], ...(values.base === undefined ? {} : { baseRev: values.base }) };
  let sides;
  try {
    sides = await recordCompare(req, {
      signal: abort.signal,
      onWorkspace: history.onWorkspace,
      onBuilt: history.onBuilt,
      onProgress: (p) => {
        progress.update(p.stage !== 'build' && 'done' in p && p.total ? `${p.message} (${p.done ?? 0}/${p.total})` : p.message);
        if (p.stage === 'record') progress.clear();
      },
      onDiagnostic: (d) => {
        if (d.level === 'error') {
          progress.clear();
          process.stderr.write(d.rendered.endsWith('\n') ? d.rendered : `${d.rendered}\n`);
        }
      },
    });
  } finally {
    progress.clear();
    process.off('SIGINT', onSigint);
  }
  const wallOf = (r: { runs?: Array<{ sampledMs: number }>; sampledMs: number }) =>
    (r.runs ?? [{ sampledMs: r.sampledMs }]).map((x) => Math.round(x.sampledMs * 10) / 10);
  for (const w of [...new Set([...(sides.base?.warnings ?? []), ...sides.current.warnings])]) warn(w);

  // Both sides join the working tree's history, so `flame diff`, the page and the editor see them.
  const rev = values.base;
  const currentWall = wallOf(sides.current);
  const savedCurrent = await saveToHistory(sides.current, req, history, {
    workspace,
    tool: 'flame compare',
    options: { compare: { side: 'current', ...(rev === undefined ? {} : { base: rev }) }, wallMs: currentWall },
  }).catch((err: unknown) => warn(`the working tree's profile was not added to the history: ${(err as Error).message}`));
  let base: SideInput;
  if (sides.base) {
    const co = sides.base.checkout;
    const baseWall = wallOf(sides.base);
    const baseWs = sides.base.workspace;
    const source = baseWs ? await sourceState(baseWs.root, baseWs.memberDirs, baseWs.targetDir).catch(() => undefined) : undefined;
    const saved = await saveToHistory(sides.base, { ...req, target: { ...target, cwd: co.dir } }, new HistoryContext(), {
      workspace,
      tool: 'flame compare',
      ...(source ? { source } : {}),
      options: { compare: { side: 'base', base: rev, commit: co.commit }, wallMs: baseWall },
    }).catch((err: unknown) => warn(`the base's profile was not added to the history: ${(err as Error).message}`));
    base = { profile: sides.base.profile, id: saved ? saved.meta.id : null, label: `${rev} (${co.commit.slice(0, 10)})`, wallMs: baseWall };
  } else {
    base = baseProfile!;
  }
  const current: SideInput = { profile: sides.current.profile, id: savedCurrent ? savedCurrent.meta.id : null, label: 'working tree', wallMs: currentWall };
  const report = compareReport(base, current, gate, limit ?? Number.MAX_SAFE_INTEGER);
  const markdown = markdownReport(report, { lines: values.lines });
  const summary = process.env.GITHUB_STEP_SUMMARY;
  if (summary) await appendText(path.resolve(summary), `${markdown}\n`);
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : markdown);
  if (report.base.profile !== null || report.current.profile !== null) {
    process.stderr.write(
      `flame: stored ${[report.base.profile && `the base as ${report.base.profile}`, report.current.profile && `the working tree as ${report.current.profile}`].filter(Boolean).join(' and ')}: \`flame diff\`, \`flame web\` and the editor show them\n`,
    );
  }
  return report.gate.pass ? 0 : REGRESSION_EXIT;
}
