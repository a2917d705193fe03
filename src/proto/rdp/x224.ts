/**
 * RDP's connection start ([MS-RDPBCGR] 2.2.1.1–2.2.1.2): a TPKT (RFC 1006: 03 00 length16) carrying an X.224
 * Connection Request from the client, with an optional routing token or `Cookie: mstshash=` line and an optional
 * RDP_NEG_REQ; the server's X.224 Connection Confirm carries RDP_NEG_RSP (its selectedProtocol) or
 * RDP_NEG_FAILURE. Every offset is checked against the bytes given.
 */
import { FRAME_BAD, FRAME_NEED_MORE } from '../upgrade/index.js';

export const X224_CONNECTION_REQUEST = 0xe0;
export const X224_CONNECTION_CONFIRM = 0xd0;
const TYPE_RDP_NEG_REQ = 1;
export const TYPE_RDP_NEG_RSP = 2;
/** selectedProtocol: standard RDP security, no TLS; every other value (SSL, HYBRID, RDSTLS, HYBRID_EX …) is TLS. */
export const PROTOCOL_RDP = 0;

/** TPKT length from its 4-byte header. */
export function tpktLength(b: Buffer, n: number): number {
  if (n < 1) return FRAME_NEED_MORE;
  if (b[0] !== 3) return FRAME_BAD;
  if (n < 4) return FRAME_NEED_MORE;
  if (b[1] !== 0) return FRAME_BAD;
  const l = (b[2] << 8) | b[3];
  return l < 7 ? FRAME_BAD : l;
}

/** The X.224 TPDU code (upper nibble of the second byte after the TPKT header), or -1. */
export function x224Code(b: Buffer, n: number): number {
  return n >= 6 ? b[5] & 0xf0 : -1;
}

/**
 * Whether `b[off, off+len)` opens with an RDP Connection Request: TPKT, an X.224 CR of class 0 whose length
 * indicator matches the TPKT's, and a variable part that is empty, a cookie or routing token line, or RDP_NEG_REQ
 * (so ISO-TSAP users of the same framing, such as S7comm with its parameter codes, are not taken for RDP).
 * Returns 1 yes, 0 more bytes needed, -1 no.
 */
export function isRdpConnectionRequest(b: Buffer, off: number, len: number): -1 | 0 | 1 {
  if (len < 1) return 0;
  if (b[off] !== 3) return -1;
  if (len < 11) return 0;
  if (b[off + 1] !== 0) return -1;
  const tl = (b[off + 2] << 8) | b[off + 3];
  const li = b[off + 4];
  if (tl < 11 || li !== tl - 5 || b[off + 5] !== X224_CONNECTION_REQUEST) return -1;
  // DST-REF is zero in a CR; class 0 without options.
  if (b[off + 6] !== 0 || b[off + 7] !== 0 || (b[off + 10] & 0xf0) !== 0) return -1;
  if (tl === 11) return 1;
  const v = off + 11;
  if (len < 12) return 0;
  const c = b[v];
  // "Cookie: mstshash=…\r\n" or a routing token ("Cookie: msts=…"); else RDP_NEG_REQ (type 1, length 8).
  if (c === 0x43) {
    if (len < 19) return 0;
    return b.toString('latin1', v, v + 8) === 'Cookie: ' ? 1 : -1;
  }
  if (c === TYPE_RDP_NEG_REQ) {
    if (len < 15) return 0;
    return b[v + 2] === 8 && b[v + 3] === 0 ? 1 : -1;
  }
  return -1;
}

/**
 * selectedProtocol of a Connection Confirm's RDP_NEG_RSP (the last 8 bytes of the X.224 part), -1 when the
 * confirm has none or carries RDP_NEG_FAILURE.
 */
export function selectedProtocol(b: Buffer, n: number, total: number): number {
  if (x224Code(b, n) !== X224_CONNECTION_CONFIRM) return -1;
  const li = b[4];
  // Fixed part of a CC: LI, code, DST-REF(2), SRC-REF(2), class = 7 bytes; the negotiation follows it.
  const neg = 4 + 7;
  if (li < 6 + 8 || 5 + li > total || neg + 8 > n) return -1;
  if (b[neg] !== TYPE_RDP_NEG_RSP || b[neg + 2] !== 8 || b[neg + 3] !== 0) return -1;
  return b.readUInt32LE(neg + 4);
}
