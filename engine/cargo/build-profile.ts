// How flame builds without touching the user's own builds: a cargo profile of its own, defined
// only through the environment, that inherits the user's profile and adds debug info; with
// `--call-graph fp`, frame pointers in a target directory of its own.
import path from 'node:path';
import { flameProfile, profileEnvVar, rustflags } from './config.js';
import { hostTriple } from './debuginfo.js';

export interface FlameBuild {
  /** What to pass to `cargo --profile`. */
  profile: string;
  env: Record<string, string>;
  /** `--target-dir` for this build, when it needs one of its own. */
  targetDir?: string;
}

export interface FlameBuildOptions {
  /** The target directory cargo metadata reports. */
  targetDirectory: string;
  /** Where cargo runs: its config files are found from here. */
  cwd: string;
  /** `--target`, when cross-compiling. */
  triple?: string;
  /** Build with `-C force-frame-pointers=yes`, for `--call-graph fp`. */
  framePointers?: boolean;
}

/** The profile, environment and target directory of flame's build for the user's `profile`. */
export async function flameBuild(profile: string, opts: FlameBuildOptions): Promise<FlameBuild> {
  const own = flameProfile(profile);
  const env: Record<string, string> = {
    [profileEnvVar(own, 'INHERITS')]: profile,
    [profileEnvVar(own, 'DEBUG')]: 'true',
    // A stripped binary loses the debug info just asked for; profiling wants it back.
    [profileEnvVar(own, 'STRIP')]: 'none',
  };
  if (!opts.framePointers) return { profile: own, env };
  // The flags cargo would have used, plus frame pointers. The encoded form wins over RUSTFLAGS and
  // every config file, so the user's flags have to be carried over, not merely added to.
  const flags = await rustflags(opts.cwd, opts.triple ?? hostTriple());
  env.CARGO_ENCODED_RUSTFLAGS = [...flags.flags, '-C', 'force-frame-pointers=yes'].join('\x1f');
  // Other rustflags change every unit's fingerprint: in the usual target directory they would
  // throw away flame's normal build, and the next normal build would throw away this one.
  return { profile: own, env, targetDir: path.join(opts.targetDirectory, 'flame', 'fp') };
}
