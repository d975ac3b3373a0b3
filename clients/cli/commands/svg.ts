// `flame svg`: folded stacks to a flame graph SVG, a drop-in for inferno-flamegraph. It is
// flame-native's (native/assets/help-svg.txt has its options); Node only hands it over.
import { runNativeVerb } from '../native-verb.js';

export function run(argv: string[]): Promise<number> {
  return runNativeVerb('svg', argv);
}
