// A chunked byte writer for the SVG: frames are formatted straight into a Buffer (numbers digit
// by digit, names copied as pre-encoded bytes), so that rendering allocates almost nothing per
// frame and hands its output on in fixed-size chunks instead of one giant string.

const CHUNK_SIZE = 1 << 16;

export class ByteWriter {
  private buf: Buffer = Buffer.allocUnsafe(CHUNK_SIZE);
  private pos = 0;

  constructor(private readonly sink: (chunk: Uint8Array) => void) {}

  /** Make room for `n` more bytes, handing the current chunk on if it is too full. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  /** Bytes encoded once (tags, names), or their first `n`: copied, never re-encoded. */
  bytes(b: Uint8Array, n = b.length): void {
    this.reserve(n);
    const buf = this.buf;
    let p = this.pos;
    // Short pieces by hand: a native call costs more than copying a few bytes.
    if (n <= 16) for (let k = 0; k < n; k++) buf[p++] = b[k]!;
    else {
      buf.set(n === b.length ? b : b.subarray(0, n), p);
      p += n;
    }
    this.pos = p;
  }

  /** A string of any length (headers, cut labels). */
  text(s: string): void {
    this.bytes(Buffer.from(s, 'utf8'));
  }

  /** A non-negative integer (exact below 2^53, as String(n) above). */
  uint(n: number): void {
    this.reserve(32);
    this.digits(n);
  }

  // Digits only: the public writers reserve room first, so that no flush can come in between.
  private digits(n: number): void {
    const buf = this.buf;
    if (!(n >= 0 && n < 2 ** 53)) {
      // Past 2^53 the loop's float division is inexact, and a negative x (float error on huge
      // counts) has no digits: write what String(n) writes (an exponent past 1e21).
      this.ascii(String(n));
      return;
    }
    if (n < 10) {
      buf[this.pos++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    let at = this.pos + digits;
    this.pos = at;
    while (n >= 1) {
      const q = Math.floor(n / 10);
      buf[--at] = 48 + (n - q * 10);
      n = q;
    }
  }

  /** A non-negative number with exactly four decimals (as toFixed(4)). */
  fixed4(v: number): void {
    this.fixed(v, 4);
  }

  /** A non-negative number with exactly two decimals (as toFixed(2)). */
  fixed2(v: number): void {
    this.fixed(v, 2);
  }

  /** `v` rounded to `places` decimals, all of them written. */
  private fixed(v: number, places: number): void {
    this.reserve(32);
    const scale = 10 ** places;
    const scaled = Math.round(v * scale);
    if (!(scaled >= 0 && scaled < 2 ** 53)) {
      this.ascii(v.toFixed(places));
      return;
    }
    const int = Math.floor(scaled / scale);
    let frac = scaled - int * scale;
    this.digits(int);
    const buf = this.buf;
    buf[this.pos++] = 46;
    for (let d = scale / 10; d >= 1; d /= 10) {
      const digit = Math.floor(frac / d);
      buf[this.pos++] = 48 + digit;
      frac -= digit * d;
    }
  }

  /** An integer with thousands separators (1,234,567). */
  thousands(n: number): void {
    this.reserve(48);
    const start = this.pos;
    this.digits(n);
    const digits = this.pos - start;
    const commas = !(n >= 0 && n < 1e21) ? 0 : Math.floor((digits - 1) / 3);
    if (commas === 0) return;
    const buf = this.buf;
    // Spread the digits out from the right, inserting a comma after every third.
    let from = this.pos - 1;
    let to = from + commas;
    this.pos = to + 1;
    let run = 0;
    while (from >= start && to > from) {
      buf[to--] = buf[from--]!;
      if (++run === 3 && to > from) {
        buf[to--] = 44;
        run = 0;
      }
    }
  }

  /** rgb(r,g,b) from 0xRRGGBB. */
  rgb(c: number): void {
    this.reserve(24);
    const buf = this.buf;
    buf[this.pos] = 114;
    buf[this.pos + 1] = 103;
    buf[this.pos + 2] = 98;
    buf[this.pos + 3] = 40;
    this.pos += 4;
    this.digits(c >>> 16);
    buf[this.pos++] = 44;
    this.digits((c >>> 8) & 255);
    buf[this.pos++] = 44;
    this.digits(c & 255);
    buf[this.pos++] = 41;
  }

  /** An ASCII string of at most 24 chars (a number's text), into the room already reserved. */
  private ascii(s: string): void {
    for (let k = 0; k < s.length; k++) this.buf[this.pos++] = s.charCodeAt(k);
  }

  /** Hand the bytes written so far to the sink. */
  flush(): void {
    if (this.pos === 0) return;
    this.sink(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(CHUNK_SIZE);
    this.pos = 0;
  }
}

/** Encode a string once, for ByteWriter.bytes. */
export function utf8(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}
