// Which flame the extension runs: the `flame.path` setting, else `flame` on the extension
// host's PATH (often not the login shell's), else the workspace's node_modules/.bin. Apart from
// the vscode API, so that a test runs it against real directories; a miss is data that says
// where it looked, so that the user is told what to set instead of "spawn flame ENOENT".
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export interface FlameLookup {
  /** The `flame.path` setting as written ('' or 'flame': not set). */
  setting: string;
  /** The workspace folders' paths; a relative setting and node_modules/.bin are taken from them. */
  folders: readonly string[];
  /** The PATH to search (the extension host's). */
  envPath: string;
}

export type FlameExe =
  { found: true; command: string; args: string[]; via: 'setting' | 'PATH' | 'node_modules' } | { found: false; setting: boolean; message: string };

/** The command that runs `flame <args>`, or where it was looked for in vain. */
export function findFlame(l: FlameLookup, args: string[]): FlameExe {
  const setting = l.setting.trim();
  const run = (file: string, via: 'setting' | 'PATH' | 'node_modules'): FlameExe =>
    // bin/flame.js (a checkout's) is a Node script that need not be executable.
    file.endsWith('.js') ? { found: true, command: 'node', args: [file, ...args], via } : { found: true, command: file, args, via };
  if (setting && setting !== 'flame') {
    if (!setting.includes('/')) {
      const onPath = searchPath(setting, l.envPath);
      return onPath
        ? run(onPath, 'setting')
        : {
            found: false,
            setting: true,
            message: `flame.path is "${setting}", which is not on the PATH (${l.envPath || 'empty'}); set it to the full path of flame`,
          };
    }
    const candidates = path.isAbsolute(setting) ? [setting] : l.folders.map((f) => path.resolve(f, setting));
    const hit = candidates.find((c) => (c.endsWith('.js') ? isFile(c) : isExecutable(c)));
    if (hit) return run(hit, 'setting');
    const tried = candidates.length ? candidates.join(', ') : `${setting} (no workspace folder to resolve it from)`;
    return {
      found: false,
      setting: true,
      message: `flame.path is "${setting}", but no executable flame is there (${tried}); set it to the full path of flame`,
    };
  }
  const onPath = searchPath('flame', l.envPath);
  if (onPath) return run(onPath, 'PATH');
  const local = l.folders.map((f) => path.join(f, 'node_modules', '.bin', 'flame')).find(isExecutable);
  if (local) return run(local, 'node_modules');
  const where = [`PATH (${l.envPath || 'empty'})`, ...l.folders.map((f) => path.join(f, 'node_modules', '.bin'))].join(', ');
  return {
    found: false,
    setting: false,
    message: `the flame executable was not found in ${where}; install flame (npm install -g, see the install instructions) or set flame.path to its full path`,
  };
}

function searchPath(name: string, envPath: string): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isExecutable(file: string): boolean {
  if (!isFile(file)) return false;
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
