// The code map's invariants (docs/architecture.md), read off every source file: what it imports
// (static, type-only, re-exported or dynamic), whether it writes to stdout, and which node:fs
// writers it uses. Rules are by folder, so new files fall under them without a list to keep;
// a break names the file, the import and the rule. The map itself must name every folder that
// exists, and only those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { REPO } from './helpers.js';

/** One import of a file, its target resolved: `engine/x.ts` (a file of ours), `node:fs`, `pkg:execa`. */
interface Import {
  spec: string;
  target: string;
  kind: 'static' | 'type' | 'dynamic';
}

interface Facts {
  imports: Import[];
  /** `console.x` calls and `process.stdout` uses, as "line N: text". */
  stdout: string[];
  /** node:fs writers used (writeFile, createWriteStream...), as "line N: name". */
  writers: string[];
  /** Dynamic imports whose specifier is computed and leaves the file's folder. */
  unchecked: string[];
}

interface Rule {
  id: string;
  /** The invariant, as the map words it. */
  says: string;
  applies: (file: string) => boolean;
  /** Whether `imp`, an import of `file`, breaks the rule. */
  refuses: (imp: Import, file: string) => boolean;
}

const under = (file: string, ...dirs: string[]): boolean => dirs.some((d) => file.startsWith(d));
const isFile = (t: string): boolean => !t.startsWith('node:') && !t.startsWith('pkg:');

/** The pure modules the map lists, and what of Node they may use. */
const PURE_NODE = new Set(['node:path', 'node:string_decoder', 'node:stream', 'node:v8']);
const LSP_PACKAGES = /^pkg:(vscode|vscode-languageserver(-[a-z]+)?|vscode-languageclient)$/;
const SPAWN_EXEMPT = ['test/', 'bench/', 'native/build.mjs', 'clients/web/build.mjs'];
const WRITERS = new Set(['writeFile', 'writeFileSync', 'createWriteStream', 'appendFile', 'appendFileSync']);
const WRITER_HOMES = ['common/', 'engine/store/', 'engine/symbols/', 'engine/record/'];

/** clients/<x>/ for a file in it; a file directly in clients/ (connect.ts) has only itself. */
function clientFolder(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? `clients/${parts[1]}/` : file;
}

function rules(pure: ReadonlySet<string>): Rule[] {
  return [
    {
      id: 'protocol',
      says: 'protocol/ imports nothing of common/, engine/, daemon/ or clients/ and no Node module; its one package is vscode-jsonrpc, and package.json its version',
      applies: (f) => under(f, 'protocol/'),
      refuses: (i) => !(isFile(i.target) && under(i.target, 'protocol/')) && i.target !== 'pkg:vscode-jsonrpc' && i.target !== 'package.json',
    },
    {
      id: 'common',
      says: "common/ imports, of flame's folders, only protocol/",
      applies: (f) => under(f, 'common/'),
      refuses: (i) => isFile(i.target) && !under(i.target, 'common/', 'protocol/'),
    },
    {
      id: 'engine',
      says: 'engine/ never imports daemon/ or clients/ (only engine/, common/ and protocol/)',
      applies: (f) => under(f, 'engine/'),
      refuses: (i) => isFile(i.target) && !under(i.target, 'engine/', 'common/', 'protocol/'),
    },
    {
      id: 'daemon',
      says: 'daemon/ never imports clients/ (only daemon/, engine/, common/ and protocol/)',
      applies: (f) => under(f, 'daemon/'),
      refuses: (i) => isFile(i.target) && !under(i.target, 'daemon/', 'engine/', 'common/', 'protocol/'),
    },
    {
      id: 'thin-clients',
      says: 'a client other than the CLI imports nothing of engine/ or daemon/: only protocol/, common/, clients/connect.ts and its own folder',
      applies: (f) => under(f, 'clients/') && !under(f, 'clients/cli/'),
      refuses: (i, f) => isFile(i.target) && !under(i.target, 'protocol/', 'common/', clientFolder(f)) && i.target !== 'clients/connect.ts',
    },
    {
      id: 'cli',
      says: 'the CLI imports protocol/, common/, engine/, clients/connect.ts and clients/lsp/server.ts, and of daemon/ only daemon/main.ts by a dynamic import',
      applies: (f) => under(f, 'clients/cli/'),
      refuses: (i) => {
        if (!isFile(i.target)) return false;
        if (i.target === 'daemon/main.ts') return i.kind !== 'dynamic';
        return !under(i.target, 'protocol/', 'common/', 'engine/', 'clients/cli/') && i.target !== 'clients/connect.ts' && i.target !== 'clients/lsp/server.ts';
      },
    },
    {
      id: 'web-page',
      says: "the page's sources import only protocol/ and each other",
      applies: (f) => under(f, 'clients/web/src/'),
      refuses: (i) => !(isFile(i.target) && under(i.target, 'protocol/', 'clients/web/src/')),
    },
    {
      id: 'vscode',
      says: "the VS Code extension imports nothing of the repository's other folders",
      applies: (f) => under(f, 'clients/vscode/'),
      refuses: (i) => isFile(i.target) && !under(i.target, 'clients/vscode/'),
    },
    {
      id: 'lsp-types',
      says: 'only clients/lsp/ and clients/vscode/ know LSP types (the tests and the bench, which play the editor, aside)',
      applies: (f) => !under(f, 'clients/lsp/', 'clients/vscode/', 'test/', 'bench/'),
      refuses: (i) => LSP_PACKAGES.test(i.target),
    },
    {
      id: 'spawn',
      says: 'only common/spawn.ts imports node:child_process or execa (tests, bench and the two build scripts exempt)',
      applies: (f) => f !== 'common/spawn.ts' && !under(f, ...SPAWN_EXEMPT),
      refuses: (i) => i.target === 'node:child_process' || i.target === 'pkg:execa',
    },
    {
      id: 'bin',
      says: "bin/'s scripts import only the compiled CLI, dist/clients/cli/main.js",
      applies: (f) => under(f, 'bin/'),
      refuses: (i) => i.target !== 'dist/clients/cli/main.js',
    },
    {
      id: 'pure',
      says: 'a pure module imports only pure modules, protocol/, and node:path, node:string_decoder, node:stream, node:v8',
      applies: (f) => pure.has(f),
      refuses: (i) => (isFile(i.target) ? !pure.has(i.target) && !under(i.target, 'protocol/') : !PURE_NODE.has(i.target)),
    },
  ];
}

/** Every break of the map's rules in `files` (path → source text). */
export function violations(files: ReadonlyMap<string, string>, pure: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const all = rules(pure);
  for (const [file, text] of files) {
    const facts = factsOf(file, text, files);
    for (const imp of facts.imports) {
      for (const r of all)
        if (r.applies(file) && r.refuses(imp, file))
          out.push(`${file} imports '${imp.spec}'${imp.kind === 'static' ? '' : ` (${imp.kind})`}: [${r.id}] ${r.says}`);
    }
    for (const u of facts.unchecked) out.push(`${file} ${u}: [computed-import] a computed import may only reach the file's own folder ('./…')`);
    if (under(file, 'protocol/', 'common/', 'engine/', 'daemon/')) {
      for (const s of facts.stdout) {
        if (file === 'daemon/main.ts' && s.includes('process.stdout') && !s.includes('console')) continue;
        out.push(`${file} ${s}: [stdout] nothing in protocol/, common/, engine/ or daemon/ writes to stdout (daemon/main.ts's --stdio writer aside)`);
      }
    }
    if (!under(file, 'test/', 'bench/', ...WRITER_HOMES)) {
      for (const w of facts.writers)
        out.push(`${file} ${w}: [writers] files others read are written to a temporary name and renamed: use common/fsutil.ts's writeFileAtomic`);
    }
  }
  return out;
}

function factsOf(file: string, text: string, files: ReadonlyMap<string, string>): Facts {
  const kind = /\.(ts|mts|cts)$/.test(file) ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const facts: Facts = { imports: [], stdout: [], writers: [], unchecked: [] };
  const fsLocals = new Set<string>();
  const line = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const add = (spec: string, k: Import['kind']): void => {
    facts.imports.push({ spec, target: resolve(file, spec, files), kind: k });
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const spec = n.moduleSpecifier.text;
      add(spec, n.importClause?.isTypeOnly ? 'type' : 'static');
      if (/^(node:)?fs(\/promises)?$/.test(spec) && n.importClause) {
        if (n.importClause.name) fsLocals.add(n.importClause.name.text);
        const b = n.importClause.namedBindings;
        if (b && ts.isNamespaceImport(b)) fsLocals.add(b.name.text);
        if (b && ts.isNamedImports(b))
          for (const e of b.elements)
            if (WRITERS.has((e.propertyName ?? e.name).text)) facts.writers.push(`line ${line(e)}: ${(e.propertyName ?? e.name).text}`);
      }
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      add(n.moduleSpecifier.text, n.isTypeOnly ? 'type' : 'static');
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      add(n.argument.literal.text, 'type');
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteral(n.moduleReference.expression)) {
      add(n.moduleReference.expression.text, 'static');
    } else if (ts.isCallExpression(n)) {
      const callee = n.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const arg = n.arguments[0];
      if ((isImport || isRequire) && arg !== undefined) {
        if (ts.isStringLiteralLike(arg)) add(arg.text, isImport ? 'dynamic' : 'static');
        else if (!(ts.isTemplateExpression(arg) && /^\.\/[^.]/.test(arg.head.text))) facts.unchecked.push(`line ${line(n)}: ${n.getText(sf).slice(0, 80)}`);
      }
    } else if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression)) {
      const obj = n.expression.text;
      if (obj === 'console' || (obj === 'process' && n.name.text === 'stdout')) facts.stdout.push(`line ${line(n)}: ${obj}.${n.name.text}`);
      if (fsLocals.has(obj) && WRITERS.has(n.name.text)) facts.writers.push(`line ${line(n)}: ${obj}.${n.name.text}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return facts;
}

const BUILTINS = new Set(builtinModules);

function resolve(from: string, spec: string, files: ReadonlyMap<string, string>): string {
  if (spec.startsWith('.')) {
    const p = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
    // Sources import each other by their compiled names (x.js for x.ts); bin/ imports dist/ itself.
    return p.endsWith('.js') && !files.has(p) && !p.startsWith('dist/') ? p.replace(/\.js$/, '.ts') : p;
  }
  const bare = spec.replace(/^node:/, '');
  if (spec.startsWith('node:') || BUILTINS.has(bare) || BUILTINS.has(bare.split('/')[0]!)) return `node:${bare.split('/')[0]}`;
  const parts = spec.split('/');
  return `pkg:${spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]}`;
}

// ---- the repository ----

/** Data, not code: crates the tests build, the corpora, the quick start's crate. */
const OPAQUE = [/^test\/fixtures\//, /^test\/corpus\//, /^bench\/corpus\//, /^examples\/[^/]+\//];

/** The repository's files as git sees them: tracked, or new and not ignored. */
function repoFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\0').filter((f) => f !== '' && !f.startsWith('node_modules'));
}

function sourceFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of repoFiles()) {
    if (!/\.(ts|mts|cts|js|mjs|cjs)$/.test(f) || f.endsWith('.d.ts') || OPAQUE.some((o) => o.test(f))) continue;
    try {
      files.set(f, readFileSync(path.join(REPO, f), 'utf8'));
    } catch {
      // Deleted in the work tree but still in the index: not part of the tree being checked.
    }
  }
  return files;
}

/** Every folder of the repository, down to the opaque ones (whose insides are data). */
function repoFolders(): Set<string> {
  const dirs = new Set<string>();
  for (const f of repoFiles()) {
    const parts = f.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const d = `${parts.slice(0, i).join('/')}/`;
      dirs.add(d);
      if (OPAQUE.some((o) => o.test(d))) break;
    }
  }
  for (const d of [...dirs]) if (OPAQUE.some((o) => o.test(d)) && d.split('/').length > 3) dirs.delete(d);
  return dirs;
}

const MAP = path.join(REPO, 'docs', 'architecture.md');

/** The folders the map names: `dir/` in backticks, the first part one of the repository's top folders. */
function namedFolders(map: string, tops: ReadonlySet<string>): Set<string> {
  const named = new Set<string>();
  for (const m of map.matchAll(/`(\.?[\w-]+(?:\/[\w.-]+)*\/)`/g)) if (tops.has(`${m[1]!.split('/')[0]}/`)) named.add(m[1]!);
  return named;
}

/** The map's list of pure modules. */
function pureModules(map: string): Set<string> {
  const start = map.indexOf('**Invariant: pure modules.**');
  assert.ok(start >= 0, 'docs/architecture.md has its list of pure modules');
  const end = map.indexOf('**Invariant', start + 1);
  return new Set([...map.slice(start, end).matchAll(/`([\w./-]+\.(?:ts|mjs|js))`/g)].map((m) => m[1]!));
}

test("every source file's imports keep the code map's rules", () => {
  const files = sourceFiles();
  assert.ok(files.has('common/spawn.ts') && files.size > 150, `the source files were found (${files.size})`);
  const found = violations(files, pureModules(readFileSync(MAP, 'utf8')));
  assert.deepEqual(found, [], `the code map (docs/architecture.md) is broken:\n  ${found.join('\n  ')}`);
});

test('the map names every folder that exists, and every folder it names exists', () => {
  const map = readFileSync(MAP, 'utf8');
  const folders = repoFolders();
  const tops = new Set([...folders].filter((d) => d.split('/').length === 2));
  const named = namedFolders(map, tops);
  assert.deepEqual([...folders].filter((d) => !named.has(d)).sort(), [], 'folders docs/architecture.md does not name');
  assert.deepEqual([...named].filter((d) => !folders.has(d)).sort(), [], 'folders docs/architecture.md names that do not exist');
  const files = new Set(repoFiles());
  assert.deepEqual(
    [...pureModules(map)].filter((f) => !files.has(f)),
    [],
    'pure modules the map lists that do not exist',
  );
});

test('only the web page is compiled with the DOM', () => {
  const configs = repoFiles().filter((f) => /(^|\/)tsconfig[^/]*\.json$/.test(f) && !OPAQUE.some((o) => o.test(f)));
  assert.ok(configs.includes('tsconfig.json') && configs.includes('clients/web/tsconfig.json'));
  for (const c of configs) {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      path.join(REPO, c),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)) },
    );
    const dom = (parsed?.options.lib ?? []).some((l) => /dom/i.test(l));
    assert.equal(dom, c === 'clients/web/tsconfig.json', `${c} ${dom ? 'adds' : 'lacks'} the DOM library`);
    if (c === 'tsconfig.json') {
      const compiled = parsed!.fileNames.map((f) => path.relative(REPO, f));
      assert.ok(
        compiled.some((f) => f.startsWith('engine/')),
        'the main tsconfig compiles the engine',
      );
      assert.deepEqual(
        compiled.filter((f) => f.startsWith('clients/web/src/')),
        [],
        'the main tsconfig leaves the page to its own',
      );
    }
  }
});

// Each rule fires on what it exists to refuse, so that a rule that can never fail is seen.
test('each rule refuses the import it exists to refuse', () => {
  const cases: [file: string, source: string, rule: string][] = [
    ['protocol/x.ts', "import { readFileSync } from 'node:fs';", 'protocol'],
    ['protocol/y.ts', "import type { FlameError } from '../common/errors.js';", 'protocol'],
    ['common/x.ts', "import { ProfileData } from '../engine/profile/profile.js';", 'common'],
    ['engine/query/x.ts', "export { Clients } from '../../daemon/server/server.js';", 'engine'],
    ['daemon/x.ts', "const m = await import('../clients/connect.js');", 'daemon'],
    ['clients/lsp/x.ts', "import type { Row } from '../../engine/query/query.js';", 'thin-clients'],
    ['clients/cli/x.ts', "import { runDaemon } from '../../daemon/main.js';", 'cli'],
    ['clients/cli/y.ts', "import { serve } from '../../daemon/server/server.js';", 'cli'],
    ['clients/web/src/x.ts', "import path from 'node:path';", 'web-page'],
    ['clients/vscode/src/x.ts', "import { ErrorCodes } from '../../../protocol/errors.js';", 'vscode'],
    ['clients/cli/z.ts', "import { createConnection } from 'vscode-languageserver/node.js';", 'lsp-types'],
    ['engine/perf/x.ts', "type E = typeof import('execa').execa;", 'spawn'],
    ['clients/connect-x.ts', "const { spawn } = require('child_process');", 'spawn'],
    ['bin/x.js', "import { run } from '../dist/engine/record/record.js';", 'bin'],
    ['engine/perf/script.ts', "import { readFile } from 'node:fs/promises';", 'pure'],
    ['clients/cli/w.ts', 'const m = await import(`../../engine/${name}.js`);', 'computed-import'],
    ['engine/query/y.ts', "console.log('hot');", 'stdout'],
    ['daemon/server/x.ts', "process.stdout.write('x');", 'stdout'],
    ['clients/lsp/y.ts', "import fs from 'node:fs';\nfs.writeFileSync('target/flame/flamegraph.svg', svg);", 'writers'],
    ['clients/cli/v.ts', "import { createWriteStream } from 'node:fs';", 'writers'],
  ];
  const pure = new Set(['engine/perf/script.ts']);
  for (const [file, source, rule] of cases) {
    const found = violations(new Map([[file, source]]), pure);
    assert.ok(
      found.some((v) => v.startsWith(`${file} `) && v.includes(`[${rule}]`)),
      `${rule} should refuse ${file}: ${source}\n  found: ${found.join('\n  ') || 'nothing'}`,
    );
  }
  // And what the map allows passes: the CLI's lazy daemon, the page's protocol, a client's common/.
  const allowed = new Map([
    ['clients/cli/commands/daemon.ts', "const { runDaemon } = await import('../../../daemon/main.js');"],
    ['clients/web/src/rpc.ts', "import type * as P from '../../../protocol/methods.js';"],
    ['clients/lsp/features/commands.ts', "import { writeFileAtomic } from '../../../common/fsutil.js';"],
    ['clients/cli/main.ts', 'const cmd = await import(`./commands/${verb}.js`);'],
    ['daemon/main.ts', 'new StreamMessageWriter(process.stdout);'],
  ]);
  assert.deepEqual(violations(allowed, pure), []);
});
