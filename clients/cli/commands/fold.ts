// `flame fold`: perf-script text to folded stacks, a drop-in for inferno-collapse-perf. It is
// flame-native's (native/assets/help-fold.txt has its options); Node only hands it over.
import { runNativeVerb } from '../native-verb.js';

export function run(argv: string[]): Promise<number> {
  return runNativeVerb('fold', argv);
}
