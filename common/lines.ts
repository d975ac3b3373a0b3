// Chunks of bytes or text to whole lines, for every line-oriented stream flame reads (perf's
// output, folded files); pure, and no line is ever joined into one big string with the rest.
import { StringDecoder } from 'node:string_decoder';

/** Split chunks of bytes into lines, calling `onLine` for each complete one. */
export function lineSplitter(onLine: (line: string) => void): { push: (chunk: Buffer | string) => void; end: () => void } {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  return {
    push(chunk) {
      const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        onLine(text.slice(start, nl));
        start = nl + 1;
      }
      carry = text.slice(start);
    },
    end() {
      carry += decoder.end();
      if (carry.length > 0) onLine(carry);
      carry = '';
    },
  };
}
