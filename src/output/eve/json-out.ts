/**
 * JSON written straight into an output buffer: every EVE record is written this way, by one serialiser per event
 * type. Building an object per record and running JSON.stringify on it, then encoding the string to UTF-8, cost
 * about a quarter of a whole analysis (objects, the collector's work on them, the serialiser, the encoder);
 * writing the bytes in place costs a fraction of that. Consumers that want objects parse the lines
 * (output/eve/line-out.ts); test/output/eve-direct.test.ts checks that the bytes are what JSON.stringify writes.
 */

/** A buffer that lines are written into; `room` makes space (never splitting a line across writes). */
export interface EveBytesOut {
  buf: Buffer;
  pos: number;
  room(bytes: number): void;
  endLine(): void;
}

/** Characters that need escaping in a JSON string, or are not ASCII (written through the UTF-8 encoder). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_CARE = /["\\\u0000-\u001f\u007f-\uffff]/;

/**
 * Below this length a string is copied by a loop over its characters: cheaper than Buffer#write's argument
 * handling for the short keys and values that make up most of a record.
 */
const SHORT = 48;

/** ASCII text written as is: keys, punctuation and values known to need no escaping. */
export function raw(o: EveBytesOut, s: string): void {
  const n = s.length;
  if (o.pos + n > o.buf.length) o.room(n);
  if (n < SHORT) {
    const b = o.buf;
    let p = o.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    o.pos = p;
  } else {
    o.pos += o.buf.write(s, o.pos, 'latin1');
  }
}

/** A JSON string value with its quotes. */
export function str(o: EveBytesOut, s: string): void {
  const n = s.length;
  // Worst case: every UTF-16 unit escaped as \u00XX (6 bytes), plus the quotes.
  const worst = n * 6 + 2;
  if (o.pos + worst > o.buf.length) o.room(worst);
  const b = o.buf;
  const start = o.pos;
  if (n < SHORT) {
    let p = start;
    b[p++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        o.pos += b.write(JSON.stringify(s), start, 'utf8');
        return;
      }
      b[p++] = c;
    }
    b[p++] = 0x22;
    o.pos = p;
  } else if (!NEEDS_CARE.test(s)) {
    b[start] = 0x22;
    const w = b.write(s, start + 1, 'latin1');
    b[start + 1 + w] = 0x22;
    o.pos = start + w + 2;
  } else {
    o.pos += b.write(JSON.stringify(s), start, 'utf8');
  }
}

/** A JSON value already serialised (JSON.stringify output, possibly non-ASCII). */
export function json(o: EveBytesOut, s: string): void {
  const worst = s.length * 3;
  if (o.pos + worst > o.buf.length) o.room(worst);
  o.pos += o.buf.write(s, o.pos, 'utf8');
}

/** A number, as JSON.stringify writes it; non-negative integers without a string in between. */
export function num(o: EveBytesOut, n: number): void {
  if (o.pos + 24 > o.buf.length) o.room(24);
  if (n >= 0 && n <= 0xffffffff && n === Math.floor(n)) {
    const b = o.buf;
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = o.pos + digits;
    o.pos = p;
    let v = n;
    do {
      const q = Math.floor(v / 10);
      b[--p] = 0x30 + v - q * 10;
      v = q;
    } while (v > 0);
    return;
  }
  raw(o, JSON.stringify(n));
}

export function bool(o: EveBytesOut, v: boolean): void {
  raw(o, v ? 'true' : 'false');
}

/** An array of strings. */
export function strArray(o: EveBytesOut, xs: readonly string[]): void {
  raw(o, '[');
  for (let i = 0; i < xs.length; i++) {
    if (i > 0) raw(o, ',');
    str(o, xs[i]);
  }
  raw(o, ']');
}

/** Exactly `width` decimal digits of `n` (0 ≤ n < 10^width), zero-padded. */
export function digits(o: EveBytesOut, n: number, width: number): void {
  if (o.pos + width > o.buf.length) o.room(width);
  const b = o.buf;
  let v = n;
  for (let p = o.pos + width - 1; p >= o.pos; p--) {
    const q = Math.floor(v / 10);
    b[p] = 0x30 + v - q * 10;
    v = q;
  }
  o.pos += width;
}

/** Writes object members, each after a comma but the first. */
export class MemberWriter {
  private first = true;
  constructor(private readonly o: EveBytesOut) {}

  /** A member's key (a plain word); its value is written next by the caller. */
  key(name: string): void {
    raw(this.o, this.first ? '"' : ',"');
    raw(this.o, name);
    raw(this.o, '":');
    this.first = false;
  }

  /** Serialised members ('' writes nothing). */
  fragment(f: string): void {
    if (f === '') return;
    if (!this.first) raw(this.o, ',');
    json(this.o, f);
    this.first = false;
  }
}
