// One llvm-symbolizer kept running for one binary, asked again and again: the DWARF is parsed
// once (tens of milliseconds, seconds for LLVM-sized libraries) and every later question costs
// microseconds. The live analysis asks while the program is still running, so that after it
// ends only the last few addresses are left. llvm-symbolizer answers each input line with one
// JSON line, in order, which is what lets answers be matched to questions without closing stdin.
import { spawn, type ChildProcessWithoutNullStreams } from '../../common/spawn.js';
import { createInterface } from 'node:readline';
import { FlameError, ErrorCodes } from '../../common/errors.js';
import { parseLlvmJsonLine, toolArgs, type SourceFrame, type Tool } from './tool.js';

interface Pending {
  left: number;
  onAnswer: (vaddr: number, frames: SourceFrame[]) => void;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class SymbolizerSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly queue: Pending[] = [];
  private failure: Error | undefined;
  private stderr = '';
  private readonly exited: Promise<void>;

  constructor(
    tool: Tool,
    readonly binary: string,
  ) {
    if (tool.name !== 'llvm-symbolizer') throw new Error('only llvm-symbolizer answers one line per address');
    this.child = spawn(tool.path, toolArgs(tool.name, binary), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => {});
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (s: string) => {
      if (this.stderr.length < 65_536) this.stderr += s;
    });
    createInterface({ input: this.child.stdout, crlfDelay: Infinity }).on('line', (line) => this.answer(line));
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.fail(new FlameError(ErrorCodes.ToolMissing, `cannot run ${tool.path}: ${err.message}`, { cause: err }));
        resolve();
      });
      this.child.once('close', (code, signal) => {
        this.fail(
          new Error(
            `${tool.name} ${signal ? `was killed by ${signal}` : `exited with ${code}`} on ${binary}${this.stderr ? `: ${this.stderr.trim().split('\n')[0]}` : ''}`,
          ),
        );
        resolve();
      });
    });
  }

  /** Ask for `vaddrs`; `onAnswer` hears each as it comes, and the promise settles after the last. */
  query(vaddrs: readonly number[], onAnswer: (vaddr: number, frames: SourceFrame[]) => void): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (vaddrs.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ left: vaddrs.length, onAnswer, resolve, reject });
      let text = '';
      for (const a of vaddrs) text += `0x${a.toString(16)}\n`;
      this.child.stdin.write(text);
    });
  }

  /** End the tool (after the answers asked for). */
  async close(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }

  private answer(line: string): void {
    const head = this.queue[0];
    if (!head) return;
    const parsed = parseLlvmJsonLine(line);
    if (parsed === undefined) return;
    if (parsed.error !== undefined) {
      // The binary is unreadable: the tool says so for every address; nothing here is an answer.
      this.fail(new Error(`llvm-symbolizer cannot read ${this.binary}: ${parsed.error}`));
      this.child.kill();
      return;
    }
    head.onAnswer(parsed.vaddr, parsed.frames);
    if (--head.left === 0) {
      this.queue.shift();
      head.resolve();
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.queue.splice(0)) p.reject(this.failure);
  }
}
