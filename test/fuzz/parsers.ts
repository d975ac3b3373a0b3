// Fuzz targets over flame's parsers: perf script text (engine/perf/script.ts, and flame-native's
// folder), folded stacks (flame-native's svg) and the store's data format (decodeProfile). A
// parser may refuse its input with a FlameError (or, for the store, any Error, which the store
// quarantines; flame-native with exit 1 and a message), but never throw anything else, crash,
// hang, or hand back data the queries choke on.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PerfScriptParser } from '../../engine/perf/script.js';
import { hotLines, topFunctions, foldedStacks } from '../../engine/query/query.js';
import { callTree } from '../../engine/query/tree.js';
import { decodeProfile, encodeProfile } from '../../engine/store/format.js';
import { mergeRuns } from '../../engine/profile/runs.js';
import { withFunctionNoise, withLineNoise } from '../../engine/query/noise.js';
import { diffProfiles } from '../../engine/query/diff.js';
import { CORPUS } from '../helpers.js';
import { native } from '../corpus.js';
import { syntheticProfile } from '../store-writer.js';
import { int, mutateBytes, mutateText, pick, type Rand } from './gen.js';

export interface ParserTarget {
  /** One input from its generator: a description of what went wrong, or undefined. */
  one(r: Rand): { input: string | Buffer; failure?: string };
}

const PERF_SCRIPT = `app 100/100 12345.678901:     250000 cpu-clock:uppp: 
	    55d1e2a0 hotspots::mix+0x15 (/tmp/app/target/release/hotspots)
	    55d1e2f0 hotspots::hash_chain+0x40 (/tmp/app/target/release/hotspots)
	    55d1e100 main+0x20 (/tmp/app/target/release/hotspots)
	    7f0012345678 __libc_start_main+0xf3 (/usr/lib/x86_64-linux-gnu/libc.so.6)

app 100/101 12345.679901:     250000 cpu-clock:uppp: 
	    55d1e3a0 [unknown] ([unknown])
	    7f00123 core::iter::traits::iterator::Iterator::fold+0x1 (inlined)

perf 100 [000] 12345.70: PERF_RECORD_LOST lost 12
`;
const FOLDED = 'main;hotspots::hash_chain;hotspots::mix 330\nmain;hotspots::count_primes 33\nmain 2\n_start;main;a;b;c 1.5\n';

/** Seeds: the built-in texts and, when present, the shared corpus of real perf script outputs. */
function perfSeeds(): string[] {
  const seeds = [PERF_SCRIPT];
  const dir = path.join(CORPUS, 'flamegraph');
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .sort()) {
      // A few hundred lines of each: mutations of a whole file cost more than they find.
      seeds.push(readFileSync(path.join(dir, f), 'utf8').split('\n').slice(0, 400).join('\n'));
    }
  }
  return seeds;
}

let perf: string[] | undefined;
/** A one-run profile and one of three runs (format 3's per-run columns), as stored. */
let stored: Buffer[] | undefined;

const describe = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : `threw a non-Error: ${String(err)}`);

export const PARSER_TARGETS: Record<string, ParserTarget> = {
  perfscript: {
    one(r) {
      perf ??= perfSeeds();
      const input = mutateText(r, pick(r, perf));
      try {
        const p = new PerfScriptParser(() => {});
        for (const line of input.split('\n')) p.line(line);
        p.end();
      } catch (err) {
        return { input, failure: describe(err) };
      }
      return { input };
    },
  },
  fold: {
    one(r) {
      perf ??= perfSeeds();
      const input = mutateText(r, pick(r, perf));
      const res = native(['fold', ...pick(r, [[], ['--tid'], ['--pid'], ['--kernel'], ['--addrs'], ['--all']])], input);
      if (res.code !== 0) return { input, failure: `flame fold ${res.signal ? `died of ${res.signal}` : `exited with ${res.code}`}: ${res.stderr}` };
      for (const line of res.stdout.toString().split('\n')) {
        if (line === '') continue;
        const n = Number(line.slice(line.lastIndexOf(' ') + 1));
        if (!(n > 0)) return { input, failure: `a folded stack with count ${n}: ${line.slice(0, 200)}` };
      }
      return { input };
    },
  },
  folded: {
    one(r) {
      const input = mutateText(r, r() < 0.5 ? FOLDED : FOLDED.repeat(1 + int(r, 20)));
      const res = native(['svg', '--hash'], input);
      const svg = res.stdout.toString();
      // Exit 1 is the empty graph (no stack counts), which is still an SVG.
      if (res.code !== 0 && res.code !== 1)
        return { input, failure: `flame svg ${res.signal ? `died of ${res.signal}` : `exited with ${res.code}`}: ${res.stderr}` };
      if (!svg.startsWith('<?xml') || !svg.endsWith('</svg>\n')) return { input, failure: `not a whole SVG (${svg.length} bytes): ${res.stderr}` };
      const total = /total_samples="([^"]*)"/.exec(svg)?.[1];
      if (res.code === 0 && !(Number(total) > 0)) return { input, failure: `total_samples="${total}"` };
      return { input };
    },
  },
  'store-decode': {
    one(r) {
      const synthetic = (seed: number) => syntheticProfile({ seed, stacks: 40, samples: 120, functions: 12, minDepth: 2, maxDepth: 6 });
      stored ??= [synthetic(5), mergeRuns([synthetic(5), synthetic(6), synthetic(7)])].map((p) => Buffer.concat(encodeProfile(p)));
      const input = mutateBytes(r, stored[r() < 0.5 ? 0 : 1]!);
      let p;
      try {
        p = decodeProfile(input);
      } catch {
        return { input }; // refused: the store quarantines the file
      }
      // Accepted data must be safe to query.
      try {
        topFunctions(p, { limit: 10 });
        hotLines(p, { limit: 10 });
        foldedStacks(p);
        callTree(p, {});
        withFunctionNoise(p, topFunctions(p, { limit: 10 }));
        withLineNoise(p, hotLines(p, { limit: 10 }));
        diffProfiles(p, p);
      } catch (err) {
        return { input, failure: `decoded, then a query failed: ${describe(err)}` };
      }
      return { input };
    },
  },
};
