// `flame completions bash|zsh|fish`: a completion script for the verbs and each verb's flags.
// The flags are read from each verb's own --help text when the script is made, so a new flag
// completes without a second list to keep in step.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCommand, UsageError, VERB_LIST } from '../main.js';

const HELP = `Usage: flame completions SHELL

Print a completion script for SHELL (bash, zsh or fish) on stdout:
  bash: flame completions bash > ~/.local/share/bash-completion/completions/flame
  zsh:  flame completions zsh > ~/.zfunc/_flame   (with fpath+=~/.zfunc before compinit)
  fish: flame completions fish > ~/.config/fish/completions/flame.fish
`;

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  if (argv.length !== 1) throw new UsageError(`flame completions takes one shell: ${SHELLS.join(', ')}`);
  return printCompletions(argv[0]!);
}

/** Print the script for `shell` (also `flame record --completions SHELL`, as cargo-flamegraph's). */
export async function printCompletions(shell: string): Promise<number> {
  if (!(SHELLS as readonly string[]).includes(shell)) throw new UsageError(`completions are for ${SHELLS.join(', ')}, not '${shell}'`);
  const verbs: Verb[] = [];
  for (const [name, description] of VERB_LIST)
    verbs.push({ name, description, flags: name === 'help' || name === 'completions' ? [] : flagsIn(await helpOf(name)) });
  process.stdout.write(script(shell as Shell, verbs));
  return 0;
}

interface Verb {
  name: string;
  description: string;
  flags: string[];
}

const NATIVE_ASSETS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'native', 'assets');

/** A verb's --help text: flame-native's file for fold and svg, the command's own output for the rest. */
async function helpOf(verb: string): Promise<string> {
  if (verb === 'fold') return readFileSync(path.join(NATIVE_ASSETS, 'help-fold.txt'), 'utf8');
  if (verb === 'svg') return ['help-svg.txt', 'svg-options.txt'].map((f) => readFileSync(path.join(NATIVE_ASSETS, f), 'utf8')).join('\n');
  const cmd = await loadCommand(verb);
  const write = process.stdout.write;
  let text = '';
  process.stdout.write = ((chunk: string | Uint8Array) => ((text += chunk.toString()), true)) as typeof process.stdout.write;
  try {
    await cmd.run(['--help']);
  } finally {
    process.stdout.write = write;
  }
  return text;
}

/** The flags a help text lists: in its Usage lines and at the start of its option lines (`-F, --freq HZ`). */
export function flagsIn(help: string): string[] {
  const out = new Set<string>();
  const add = (text: string) => {
    for (const f of text.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*|-[A-Za-z0-9])(?![\w-])/g)) out.add(f[1]!);
  };
  let usage = false;
  for (const line of help.split('\n')) {
    // A usage line, and the indented lines that continue it.
    usage = line.startsWith('Usage:') || (usage && /^\s+\S/.test(line) && !/^\s{1,8}-/.test(line));
    if (usage) add(line.replace(/^Usage:\s*/, ''));
    const m = /^\s{1,8}((?:-[A-Za-z0-9]|--[a-z][a-z0-9-]*)(?:[ ,/]+(?:-[A-Za-z0-9]|--[a-z][a-z0-9-]*|[A-Z][A-Z_]*|\[[^\]]*\]))*)/.exec(line);
    if (m) add(m[1]!);
  }
  return [...out].sort();
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function script(shell: Shell, verbs: Verb[]): string {
  const names = verbs.map((v) => v.name).join(' ');
  if (shell === 'bash') {
    const cases = verbs.filter((v) => v.flags.length > 0).map((v) => `    ${v.name}) opts=${quote(v.flags.join(' '))} ;;`);
    return `# bash completion for flame (flame completions bash)
_flame() {
  local cur=\${COMP_WORDS[COMP_CWORD]} opts=''
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${quote(names)} -- "$cur"))
    return
  fi
  case \${COMP_WORDS[1]} in
${cases.join('\n')}
    help) COMPREPLY=($(compgen -W ${quote(names)} -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -o filenames -F _flame flame cargo-flame
`;
  }
  if (shell === 'zsh') {
    const described = verbs.map((v) => `    ${quote(`${v.name}:${v.description.replace(/:/g, '\\:')}`)}`);
    const cases = verbs.filter((v) => v.flags.length > 0).map((v) => `    ${v.name}) opts=(${v.flags.map(quote).join(' ')}) ;;`);
    return `#compdef flame cargo-flame
# zsh completion for flame (flame completions zsh)
_flame() {
  local -a verbs opts
  verbs=(
${described.join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' verbs
    return
  fi
  case $words[2] in
${cases.join('\n')}
    help) _describe 'command' verbs; return ;;
  esac
  if [[ $PREFIX == -* ]]; then compadd -- $opts; else _files; fi
}
_flame "$@"
`;
  }
  const lines = ['# fish completion for flame (flame completions fish)', 'complete -c flame -f'];
  for (const v of verbs) lines.push(`complete -c flame -n __fish_use_subcommand -a ${v.name} -d ${quote(v.description)}`);
  for (const v of verbs) {
    for (const f of v.flags) {
      const opt = f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`;
      lines.push(`complete -c flame -n ${quote(`__fish_seen_subcommand_from ${v.name}`)} ${opt} -F`);
    }
  }
  lines.push(`complete -c flame -n '__fish_seen_subcommand_from help' -a ${quote(names)}`);
  return `${lines.join('\n')}\n`;
}
