// About how many units a build will report, before it runs: cargo's JSON messages carry no
// total, so the first build's progress would be a bare count. The estimate walks the resolve graph
// of `cargo metadata` from the target's package; it is "about" because the graph is resolved for
// the whole workspace and does not say which crates are built twice (host and target).
import path from 'node:path';
import type { SelectedTarget, TargetOptions } from './target.js';
import { hostTriple } from './debuginfo.js';
import { adopt, loadExeca, reapable } from '../../common/spawn.js';

/**
 * The number of compiler-artifact messages building `target` should produce, or undefined when
 * cargo cannot say (no lock file offline, a virtual workspace refusing feature flags...).
 */
export async function estimateUnits(target: SelectedTarget, opts: TargetOptions, signal?: AbortSignal): Promise<number | undefined> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const args = ['metadata', '--format-version', '1', '--filter-platform', opts.target ?? hostTriple()];
  if (opts.manifestPath !== undefined) args.push('--manifest-path', path.resolve(cwd, opts.manifestPath));
  if (opts.features !== undefined && opts.features.length > 0) args.push('--features', opts.features.join(','));
  if (opts.allFeatures) args.push('--all-features');
  if (opts.noDefaultFeatures) args.push('--no-default-features');
  const execa = await loadExeca();
  const run = execa('cargo', args, { cwd, reject: false, cancelSignal: signal, stdin: 'ignore', ...reapable() });
  adopt(run);
  const r = await run;
  if (r.failed) return undefined;
  try {
    return countUnits(JSON.parse(r.stdout) as FullMetadata, target);
  } catch {
    return undefined;
  }
}

/** The counting itself, over parsed metadata (pure). */
function countUnits(meta: FullMetadata, target: SelectedTarget): number | undefined {
  const root = meta.packages.find((p) => p.name === target.package && meta.workspace_members.includes(p.id));
  if (root === undefined || meta.resolve === null) return undefined;
  const nodes = new Map(meta.resolve.nodes.map((n) => [n.id, n]));
  const packages = new Map(meta.packages.map((p) => [p.id, p]));
  // Examples, tests and benches also link the package's dev-dependencies; dependencies never do.
  const dev = target.kind !== 'bin';
  const seen = new Set<string>([root.id]);
  const queue = [root.id];
  while (queue.length > 0) {
    const id = queue.pop()!;
    for (const d of nodes.get(id)?.deps ?? []) {
      const wanted = d.dep_kinds.some((k) => k.kind !== 'dev' || (dev && id === root.id));
      if (wanted && !seen.has(d.pkg)) {
        seen.add(d.pkg);
        queue.push(d.pkg);
      }
    }
  }
  let units = 0;
  for (const id of seen) {
    const p = packages.get(id);
    if (p === undefined) continue;
    // Building a build script is a unit of its own; running it reports no artifact.
    if (p.targets.some((t) => t.kind.includes('custom-build'))) units++;
    if (id !== root.id && p.targets.some((t) => t.kind.some((k) => LIB_KINDS.has(k)))) units++;
  }
  return units + rootUnits(root, target);
}

/** The root package's own units besides its build script. */
function rootUnits(root: FullPackage, target: SelectedTarget): number {
  const hasLib = root.targets.some((t) => t.kind.some((k) => LIB_KINDS.has(k)));
  const bins = root.targets.filter((t) => t.kind.includes('bin')).length;
  switch (target.kind) {
    case 'bin':
      return (hasLib ? 1 : 0) + 1;
    case 'example':
      return (hasLib ? 1 : 0) + 1;
    case 'test':
    case 'bench':
      // Integration tests and benches get the package's binaries built (CARGO_BIN_EXE_*).
      return (hasLib ? 1 : 0) + bins + 1;
    case 'unit-test':
    case 'unit-bench':
      // The harness build of a lib replaces the lib; a bin's harness still links the lib.
      return target.unitKind === 'lib' ? 1 : (hasLib ? 1 : 0) + 1;
  }
}

const LIB_KINDS = new Set(['lib', 'rlib', 'dylib', 'cdylib', 'staticlib', 'proc-macro']);

export interface FullMetadata {
  workspace_members: string[];
  packages: FullPackage[];
  resolve: { nodes: { id: string; deps: { pkg: string; dep_kinds: { kind: 'dev' | 'build' | null }[] }[] }[] } | null;
}

interface FullPackage {
  id: string;
  name: string;
  targets: { name: string; kind: string[] }[];
}
