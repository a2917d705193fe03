/**
 * LDAP messages (RFC 4511) as far as moat needs them: the BER frame of an LDAPMessage, its messageID and
 * operation tag, and the two operations of StartTLS (RFC 4511 §4.14): the client's ExtendedRequest named
 * 1.3.6.1.4.1.1466.20037 and the server's ExtendedResponse whose resultCode is success (0). Reads only the bytes
 * given; every length is checked against them.
 */
import { FRAME_BAD, FRAME_NEED_MORE } from '../upgrade/index.js';

export const START_TLS_OID = '1.3.6.1.4.1.1466.20037';
export const OP_EXTENDED_REQUEST = 0x77;
export const OP_EXTENDED_RESPONSE = 0x78;

/** Operation tags a client sends ([APPLICATION n], constructed or primitive as RFC 4511 defines them). */
const CLIENT_OPS = new Set([0x60, 0x42, 0x63, 0x66, 0x68, 0x4a, 0x6c, 0x6e, 0x50, 0x77]);
/** Operation tags a server sends. */
const SERVER_OPS = new Set([0x61, 0x64, 0x65, 0x73, 0x67, 0x69, 0x6b, 0x6d, 0x6f, 0x78, 0x79]);

/** A BER definite length at `b[at]`: [value, bytes it took], or null when cut, -1 value when not allowed. */
function berLength(b: Buffer, at: number, n: number): [number, number] | null {
  if (at >= n) return null;
  const first = b[at];
  if (first < 0x80) return [first, 1];
  const k = first & 0x7f;
  // Indefinite (0x80) is not allowed in LDAP; more than 4 length bytes is no real message.
  if (k === 0 || k > 4) return [-1, 1];
  if (at + k >= n) return null;
  let v = 0;
  for (let i = 1; i <= k; i++) v = v * 256 + b[at + i];
  return [v, 1 + k];
}

/** The whole LDAPMessage's length from its first `n` bytes. */
export function ldapFrameLength(b: Buffer, n: number): number {
  if (n < 1) return FRAME_NEED_MORE;
  if (b[0] !== 0x30) return FRAME_BAD;
  const l = berLength(b, 1, n);
  if (l === null) return FRAME_NEED_MORE;
  if (l[0] < 0) return FRAME_BAD;
  return 1 + l[1] + l[0];
}

export interface LdapHeader {
  id: number;
  op: number;
  /** Where the operation's contents start and end (end may lie past the bytes given). */
  opStart: number;
  opEnd: number;
}

/** messageID and operation of a message whose first `n` bytes are given; null when they do not parse. */
export function ldapHeader(b: Buffer, n: number): LdapHeader | null {
  if (n < 2 || b[0] !== 0x30) return null;
  const ml = berLength(b, 1, n);
  if (ml === null || ml[0] < 0) return null;
  let p = 1 + ml[1];
  const msgEnd = p + ml[0];
  if (p + 2 > n || b[p] !== 0x02) return null;
  const il = b[p + 1];
  if (il < 1 || il > 4 || p + 2 + il > n) return null;
  let id = 0;
  for (let i = 0; i < il; i++) id = id * 256 + b[p + 2 + i];
  p += 2 + il;
  if (p + 1 >= n) return null;
  const op = b[p];
  const ol = berLength(b, p + 1, n);
  if (ol === null || ol[0] < 0) return null;
  const opStart = p + 1 + ol[1];
  const opEnd = opStart + ol[0];
  // The operation fits the message; what may follow it is the controls ([0] constructed).
  if (opEnd > msgEnd) return null;
  if (opEnd < msgEnd && opEnd < n && b[opEnd] !== 0xa0) return null;
  return { id, op, opStart, opEnd };
}

/** Whether the bytes look like an LDAPMessage a client (dir 0) or server (dir 1) sends. */
export function isLdapOp(dir: 0 | 1, op: number): boolean {
  return dir === 0 ? CLIENT_OPS.has(op) : SERVER_OPS.has(op);
}

/** The requestName of an ExtendedRequest ([0] LDAPOID), when within the bytes given. */
export function extendedRequestName(b: Buffer, n: number, h: LdapHeader): string | null {
  const p = h.opStart;
  if (p + 2 > n || b[p] !== 0x80) return null;
  const l = berLength(b, p + 1, n);
  if (l === null || l[0] < 0) return null;
  const s = p + 1 + l[1];
  if (s + l[0] > n || s + l[0] > h.opEnd) return null;
  return b.toString('latin1', s, s + l[0]);
}

/** The resultCode (ENUMERATED) an LDAPResult-shaped response starts with, when within the bytes given. */
export function resultCode(b: Buffer, n: number, h: LdapHeader): number | null {
  const p = h.opStart;
  if (p + 3 > n || b[p] !== 0x0a) return null;
  const l = b[p + 1];
  if (l < 1 || l > 4 || p + 2 + l > n) return null;
  let v = 0;
  for (let i = 0; i < l; i++) v = v * 256 + b[p + 2 + i];
  return v;
}
