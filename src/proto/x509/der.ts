/**
 * A bounded DER reader: one tag-length-value at a time, as offsets into the caller's buffer (no copies).
 * Certificates arrive from the network, so every length is checked against the enclosing element and a
 * bad one raises a DerError that says what was being read and where — the certificate parser turns it
 * into `{ ok: false, error }` and the TLS layer into an anomaly event.
 */

export class DerError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
  }
}

/** Universal tag numbers used by X.509. */
export const TAG = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  UTF8_STRING: 12,
  SEQUENCE: 16,
  SET: 17,
  NUMERIC_STRING: 18,
  PRINTABLE_STRING: 19,
  T61_STRING: 20,
  VIDEOTEX_STRING: 21,
  IA5_STRING: 22,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
  GRAPHIC_STRING: 25,
  VISIBLE_STRING: 26,
  GENERAL_STRING: 27,
  UNIVERSAL_STRING: 28,
  BMP_STRING: 30,
} as const;

export const CLASS_UNIVERSAL = 0;
export const CLASS_CONTEXT = 2;

/** One element: where its value starts and ends inside the buffer. */
export interface Tlv {
  cls: number;
  constructed: boolean;
  tag: number;
  /** First byte of the identifier. */
  start: number;
  valueStart: number;
  /** One past the last value byte; also where the next sibling starts. */
  end: number;
}

/** Reads the element at `off`, which must lie wholly before `limit`. */
export function readTlv(buf: Uint8Array, off: number, limit: number, what: string): Tlv {
  if (off >= limit) throw new DerError(`${what}: missing (no bytes left)`, off);
  const id = buf[off];
  const cls = id >>> 6;
  const constructed = (id & 0x20) !== 0;
  let tag = id & 0x1f;
  let p = off + 1;
  if (tag === 0x1f) {
    // High tag number form: base-128 digits; X.509 never needs more than a few.
    tag = 0;
    for (let i = 0; ; i++) {
      if (p >= limit) throw new DerError(`${what}: truncated tag`, off);
      if (i >= 4) throw new DerError(`${what}: tag number too long`, off);
      const b = buf[p++];
      tag = tag * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (p >= limit) throw new DerError(`${what}: truncated length`, off);
  const first = buf[p++];
  let len: number;
  if (first < 0x80) {
    len = first;
  } else if (first === 0x80) {
    throw new DerError(`${what}: indefinite length (BER, not DER)`, off);
  } else {
    const n = first & 0x7f;
    if (n > 4) throw new DerError(`${what}: length of ${n} bytes is too large`, off);
    if (p + n > limit) throw new DerError(`${what}: truncated length`, off);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++];
  }
  if (p + len > limit) {
    throw new DerError(
      `${what}: length ${len} runs past the end of its container (${limit - p} bytes left)`,
      off,
    );
  }
  return { cls, constructed, tag, start: off, valueStart: p, end: p + len };
}

/** Reads an element and checks it is the expected universal type. */
export function expect(buf: Uint8Array, off: number, limit: number, tag: number, what: string): Tlv {
  const t = readTlv(buf, off, limit, what);
  if (t.cls !== CLASS_UNIVERSAL || t.tag !== tag) {
    throw new DerError(`${what}: expected universal tag ${tag}, found class ${t.cls} tag ${t.tag}`, off);
  }
  return t;
}

/** The children of a constructed element, in order. Bounded by the element's own length. */
export function children(buf: Uint8Array, parent: Tlv, what: string): Tlv[] {
  const out: Tlv[] = [];
  let p = parent.valueStart;
  while (p < parent.end) {
    const c = readTlv(buf, p, parent.end, what);
    out.push(c);
    p = c.end;
  }
  return out;
}

/** Dotted text of an OBJECT IDENTIFIER's value. */
export function oidText(buf: Uint8Array, t: Tlv): string {
  if (t.end === t.valueStart) throw new DerError('OBJECT IDENTIFIER: empty', t.start);
  const parts: number[] = [];
  let v = 0;
  let digits = 0;
  for (let p = t.valueStart; p < t.end; p++) {
    const b = buf[p];
    if (digits === 0 && b === 0x80) throw new DerError('OBJECT IDENTIFIER: non-minimal arc', p);
    v = v * 128 + (b & 0x7f);
    digits++;
    if (v > Number.MAX_SAFE_INTEGER / 256) throw new DerError('OBJECT IDENTIFIER: arc too large', p);
    if ((b & 0x80) === 0) {
      if (parts.length === 0) {
        const first = v < 40 ? 0 : v < 80 ? 1 : 2;
        parts.push(first, v - first * 40);
      } else {
        parts.push(v);
      }
      v = 0;
      digits = 0;
    }
  }
  if (digits !== 0) throw new DerError('OBJECT IDENTIFIER: truncated arc', t.end);
  return parts.join('.');
}

/** Reads a small non-negative INTEGER (versions, path lengths). */
export function smallInt(buf: Uint8Array, t: Tlv, what: string): number {
  const n = t.end - t.valueStart;
  if (n === 0) throw new DerError(`${what}: empty INTEGER`, t.start);
  if (buf[t.valueStart] & 0x80) throw new DerError(`${what}: negative INTEGER`, t.start);
  let v = 0;
  for (let p = t.valueStart; p < t.end; p++) {
    v = v * 256 + buf[p];
    if (v > 0x7fffffff) throw new DerError(`${what}: INTEGER too large`, t.start);
  }
  return v;
}

/** Number of significant bits of an unsigned big-endian magnitude (leading zero bytes ignored). */
export function bitLength(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  while (p < end && buf[p] === 0) p++;
  if (p === end) return 0;
  let top = buf[p];
  let bits = 0;
  while (top) {
    bits++;
    top >>>= 1;
  }
  return bits + (end - p - 1) * 8;
}

export function hexUpper(buf: Uint8Array, start: number, end: number, sep: string): string {
  let s = '';
  for (let p = start; p < end; p++) {
    if (p > start) s += sep;
    s += HEX_UPPER[buf[p]];
  }
  return s;
}

const HEX_UPPER: string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).toUpperCase().padStart(2, '0'),
);
