/**
 * Google QUIC before the IETF layout took over: Q043 (public-flags header) and Q046 (long header with packed
 * connection id lengths) send their client hello in clear, as a STREAM frame on stream 1 holding a CHLO handshake
 * message — a tag-value map whose SNI and UAID tags name the server and the user agent. Q050 carries the same CHLO
 * in CRYPTO frames of an encrypted Initial. Layouts from Google's QUIC wire specification and the Chromium sources
 * as public documentation describes them; damage gives undefined, never a throw.
 */
import { Q043, Q046 } from './versions.js';

/** A CHLO message's tags in order and the values moat reports. */
export interface Chlo {
  tags: string[];
  sni?: string;
  ua?: string;
}

/** CHLO tags read at most (a real hello has about 25). */
const MAX_TAGS = 128;

/** The CHLO handshake message at b[off, end): "CHLO", u16 count, u16 padding, count × (tag, u32 end offset), values. */
export function parseChlo(b: Buffer, off: number, end: number): Chlo | undefined {
  if (end - off < 8 || b.toString('latin1', off, off + 4) !== 'CHLO') return undefined;
  const n = b.readUInt16LE(off + 4);
  if (n > MAX_TAGS) return undefined;
  const index = off + 8;
  const values = index + n * 8;
  if (values > end) return undefined;
  const out: Chlo = { tags: [] };
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const t = index + i * 8;
    const tag = b.toString('latin1', t, t + 4).replace(/\0+$/, '');
    const stop = b.readUInt32LE(t + 4);
    if (stop < prev || values + stop > end) return undefined;
    out.tags.push(tag);
    const v = b.toString('latin1', values + prev, values + stop);
    if (tag === 'SNI') out.sni = v;
    else if (tag === 'UAID') out.ua = v;
    prev = stop;
  }
  return out;
}

/** A Q043/Q046 client packet's version and CHLO, or undefined when it is not one. */
export function readGquicHello(
  b: Buffer,
  off: number,
  end: number,
): { version: number; chlo?: Chlo } | undefined {
  if (end - off < 14) return undefined;
  const flags = b[off];
  let p: number;
  let version: number;
  if (flags & 0x80) {
    // Q046: long header, Initial type bits 00, then DCIL|SCIL nibbles (+3 each when non-zero).
    version = b.readUInt32BE(off + 1);
    if (version !== Q046 || ((flags >> 4) & 3) !== 0) return undefined;
    const cil = b[off + 5];
    const dcil = cil >> 4 === 0 ? 0 : (cil >> 4) + 3;
    const scil = (cil & 15) === 0 ? 0 : (cil & 15) + 3;
    p = off + 6 + dcil + scil + ((flags & 3) + 1);
  } else {
    // Q043: public flags (0x01 version, 0x08 8-byte connection id), then the packet number.
    if ((flags & 0x09) !== 0x09) return undefined;
    version = b.readUInt32BE(off + 9);
    if (version !== Q043) return undefined;
    const pnLen = [1, 2, 4, 6][(flags >> 4) & 3];
    p = off + 13 + pnLen;
  }
  p += 12; // message authentication hash (the null encryption's)
  if (p > end) return undefined;
  return { version, chlo: streamOneChlo(b, p, end) };
}

/** Walks the frames for a STREAM frame on stream 1 and reads its CHLO. */
function streamOneChlo(b: Buffer, p: number, end: number): Chlo | undefined {
  while (p < end) {
    const t = b[p];
    if (t === 0) return undefined; // PADDING runs to the end
    if ((t & 0x80) === 0) return undefined; // a control frame before the hello: not a client hello packet
    const hasLen = (t & 0x20) !== 0;
    const offLenCode = (t >> 2) & 7;
    const offLen = offLenCode === 0 ? 0 : offLenCode + 1;
    const sidLen = (t & 3) + 1;
    let q = p + 1;
    if (q + sidLen + offLen + (hasLen ? 2 : 0) > end) return undefined;
    let sid = 0;
    for (let i = 0; i < sidLen; i++) sid = sid * 256 + b[q + i];
    q += sidLen + offLen;
    let len = end - q - (hasLen ? 2 : 0);
    if (hasLen) {
      len = b.readUInt16BE(q);
      q += 2;
    }
    if (q + len > end) return undefined;
    if (sid === 1) return parseChlo(b, q, q + len);
    p = q + len;
  }
  return undefined;
}
