// A watched program's output on its way to clients: batches bounded in lines and in number,
// the newest lines and the panic message kept through a flood; the live screen's panel of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProgramOutput } from '../protocol/methods.js';
import { ProgramOutputBatcher } from '../daemon/sessions/program-output.js';
import { programPanel } from '../clients/cli/commands/watch.js';

type Batch = Omit<ProgramOutput.Params, 'sessionId'>;

function batcher(opts: { intervalMs?: number } = {}): { b: ProgramOutputBatcher; batches: Batch[] } {
  const batches: Batch[] = [];
  return { b: new ProgramOutputBatcher({ send: (x) => batches.push(x), intervalMs: opts.intervalMs ?? 20 }), batches };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('100,000 lines at once: one bounded batch, the newest lines kept, the rest counted as dropped', () => {
  const { b, batches } = batcher();
  for (let i = 0; i < 100_000; i++) b.line(`line ${i}`);
  // Nothing goes out per line: the first batch waits for the interval (or the end).
  assert.equal(batches.length, 0);
  const end = b.end({ exitCode: 0 });
  assert.equal(batches.length, 1);
  const [last] = batches;
  assert.equal(last!.lines.length, 200);
  assert.equal(last!.dropped, 100_000 - 200);
  assert.equal(last!.lines.at(-1), 'line 99999');
  assert.equal(last!.lines[0], 'line 99800');
  assert.deepEqual(end, { failed: false, exitCode: 0 });
  assert.deepEqual(last!.end, end);
  assert.equal(b.tail().length, 100);
  assert.equal(b.tail().at(-1), 'line 99999');
  // After the end nothing more is sent, not even by close().
  b.line('late');
  b.close();
  assert.equal(batches.length, 1);
});

test('slow output comes in timed batches, every line once, in order', async () => {
  const { b, batches } = batcher({ intervalMs: 10 });
  for (let i = 0; i < 5; i++) {
    b.line(`a${i}`);
    b.line(`b${i}`);
    await sleep(40);
  }
  b.end({ exitCode: 0 });
  const lines = batches.flatMap((x) => x.lines);
  assert.deepEqual(lines, ['a0', 'b0', 'a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4', 'b4']);
  assert.ok(batches.length >= 2, `${batches.length} batches`);
  assert.ok(batches.every((x) => x.dropped === 0));
  assert.equal(batches.filter((x) => x.end).length, 1);
});

test('a panic is kept whole through a flood after it, with the exit status', () => {
  const { b, batches } = batcher();
  b.line('starting');
  b.line("thread 'main' (4242) panicked at src/main.rs:9:9:");
  b.line('index out of bounds: the len is 3 but the index is 7');
  b.line('note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace');
  b.line("thread 'worker' panicked at src/lib.rs:1:1:");
  b.line('a second panic is not the first');
  for (let i = 0; i < 1000; i++) b.line(`noise ${i}`);
  const end = b.end({ exitCode: 101 });
  assert.equal(end.failed, true);
  assert.equal(end.exitCode, 101);
  assert.equal(end.panic, "thread 'main' (4242) panicked at src/main.rs:9:9:\nindex out of bounds: the len is 3 but the index is 7");
  assert.equal(batches.at(-1)!.end!.panic, end.panic);
});

test('the outcome: a signal fails (but the SIGINT of a Ctrl-C), a zero status does not; the pre-1.73 panic format', () => {
  const cases: Array<[{ exitCode?: number; signal?: string }, boolean]> = [
    [{ exitCode: 0 }, false],
    [{ exitCode: 3 }, true],
    [{ signal: 'SIGSEGV' }, true],
    [{ signal: 'SIGINT' }, false],
  ];
  for (const [outcome, failed] of cases) assert.equal(batcher().b.end(outcome).failed, failed, JSON.stringify(outcome));
  const { b } = batcher();
  b.line("thread 'main' panicked at 'boom', src/main.rs:2:5");
  b.line('note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace');
  assert.equal(b.end({ exitCode: 101 }).panic, "thread 'main' panicked at 'boom', src/main.rs:2:5");
});

test('a huge line is cut; close() sends what is pending without an end', () => {
  const { b, batches } = batcher();
  b.line('x'.repeat(1_000_000));
  b.close();
  assert.equal(batches.length, 1);
  assert.equal(batches[0]!.lines[0]!.length, 2001);
  assert.equal(batches[0]!.end, undefined);
});

test('the live screen panel: the tail cut to the width, control sequences removed, how the program failed', () => {
  const tail = ['plain', '\x1b[31mred\x1b[0m and a bell\x07', 'y'.repeat(200)];
  const panel = programPanel(tail, 5000, { failed: true, exitCode: 101, panic: "thread 'main' panicked at src/main.rs:9:9:\nboom" }, 40);
  assert.deepEqual(panel, [
    '',
    'program output (last 3 of 5000 lines):',
    '  │ plain',
    '  │ red and a bell',
    `  │ ${'y'.repeat(35)}`,
    '',
    'the program exited with status 101:',
    "  thread 'main' panicked at src/main.rs",
    '  boom',
  ]);
  assert.deepEqual(programPanel([], 0, { failed: false, exitCode: 0 }, 80), []);
  assert.deepEqual(programPanel(['a'], 1, { failed: true, signal: 'SIGSEGV' }, 80), ['', 'program output:', '  │ a', '', 'the program died of SIGSEGV']);
});
