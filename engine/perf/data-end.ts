// Whether a recording in perf's pipe format (flame's own) ends where an event ends. perf script
// stops silently at a cut inside an event's 8-byte header, and reports one inside its body only
// as a warning, exiting 0: so flame walks the events' headers itself.
import { open } from 'node:fs/promises';

/** The magic and header size that open a pipe-format perf.data (a file-format one has a larger header). */
const PIPE_HEADER = 16;
const CHUNK = 1 << 20;

/**
 * For a pipe-format file: the byte offset at which its last event is cut, or undefined when the
 * events fill it exactly (or it is not in pipe format: perf itself checks those). A file cut
 * exactly between two events cannot be told from a whole one.
 */
export async function pipeCutAt(file: string): Promise<number | undefined> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(PIPE_HEADER);
    const { bytesRead } = await fh.read(head, 0, PIPE_HEADER, 0);
    if (bytesRead < PIPE_HEADER || head.toString('latin1', 0, 8) !== 'PERFILE2' || head.readBigUInt64LE(8) !== BigInt(PIPE_HEADER)) return undefined;
    const buf = Buffer.alloc(CHUNK);
    let off = PIPE_HEADER;
    while (off < size) {
      const got = (await fh.read(buf, 0, CHUNK, off)).bytesRead;
      let at = 0;
      // Walk the events whose header lies in this chunk; an event's body may run past it.
      while (at + 8 <= got) {
        const len = buf.readUInt16LE(at + 6);
        if (len < 8) return off + at; // no event is shorter than its header: not perf's data from here on
        if (off + at + len > size) return off + at;
        at += len;
      }
      if (at === 0 && got < 8) return off; // fewer bytes left than a header
      off += at;
    }
    return undefined;
  } finally {
    await fh.close();
  }
}
