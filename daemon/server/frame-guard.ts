// Bounds on what a client may send before vscode-jsonrpc sees it. vscode-jsonrpc buffers a
// header until its blank line, rescanning it on every chunk (a 16 MiB header with no end took
// 7.3 s of the event loop), and buffers any Content-Length it is told: one client could freeze
// or exhaust the daemon that every other client shares. This stream passes the bytes through
// unchanged and checks the framing as they go: a header of at most MAX_HEADER bytes made of
// `Name: value` lines with a Content-Length, and a body of at most maxBody bytes.
import { Transform, type TransformCallback } from 'node:stream';

/**
 * A header is `Content-Length` and perhaps `Content-Type`: some 60 bytes. 4 KiB leaves room for
 * any client's extra headers and ends an endless header after 4 KiB rather than megabytes.
 */
export const MAX_HEADER = 4096;
/**
 * Requests to the daemon carry names, paths and options (the largest, profile/added, a profile's
 * meta: a few KiB); 16 MiB is thousands of times that, and bounds what one connection may make
 * the daemon hold (issue 12: a 100 MB frame took the daemon from 73 to 456 MB). Answers to
 * clients are not bounded here: a profile tree or an export may be tens of MiB.
 */
export const MAX_BODY = 16 * 1024 * 1024;

const CRLF2 = Buffer.from('\r\n\r\n');

/** Checks the base protocol's framing; on a violation, calls `refuse` with why and passes nothing more. */
export class FrameGuard extends Transform {
  private header: Buffer[] = [];
  private headerBytes = 0;
  private bodyLeft = 0;
  private refused = false;

  constructor(
    private readonly refuse: (reason: string) => void,
    private readonly maxBody = MAX_BODY,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.refused) return done();
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= n;
        i += n;
        continue;
      }
      // In a header: look for its end within what may still belong to it.
      const room = MAX_HEADER - this.headerBytes;
      const part = chunk.subarray(i, i + Math.min(chunk.length - i, room + CRLF2.length));
      const end = this.headerEnd(part);
      if (end < 0) {
        if (this.headerBytes + part.length > MAX_HEADER) return this.fail(`a message header longer than ${MAX_HEADER} bytes`, done);
        this.header.push(part);
        this.headerBytes += part.length;
        i += part.length;
        continue;
      }
      const text = Buffer.concat([...this.header, part.subarray(0, end)]).toString('latin1');
      this.header = [];
      this.headerBytes = 0;
      i += end;
      const length = contentLength(text);
      if (typeof length === 'string') return this.fail(length, done);
      if (length > this.maxBody) return this.fail(`a message of ${length} bytes (at most ${this.maxBody} are accepted)`, done);
      this.bodyLeft = length;
    }
    done(null, chunk);
  }

  /** The index just past the blank line ending the header, counting bytes kept from earlier chunks. */
  private headerEnd(part: Buffer): number {
    // The blank line may straddle chunks: look at the kept tail together with this part.
    const tail = Buffer.concat([...this.header, part]).subarray(Math.max(0, this.headerBytes - 3));
    const at = tail.indexOf(CRLF2);
    if (at < 0) return -1;
    return at + CRLF2.length - Math.min(3, this.headerBytes);
  }

  private fail(reason: string, done: TransformCallback): void {
    this.refused = true;
    this.refuse(reason);
    done();
  }
}

/** The Content-Length of a header's text (its lines, without the blank one), or why it is wrong. */
function contentLength(text: string): number | string {
  let length: number | undefined;
  for (const line of text.split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return 'a message header line without a name and a colon';
    if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
    const value = line.slice(colon + 1).trim();
    if (!/^\d{1,15}$/.test(value)) return `a Content-Length that is not a number of bytes: ${JSON.stringify(value.slice(0, 40))}`;
    length = Number(value);
  }
  return length ?? 'a message header without Content-Length';
}
