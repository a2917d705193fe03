/**
 * Teredo (RFC 4380) on UDP 3544: IPv6 in UDP, optionally behind an authentication and/or an origin indication
 * header. Only a payload that is exactly one well-formed IPv6 packet is taken as Teredo, so ordinary traffic
 * to or from port 3544 stays UDP.
 */
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_DONE, L_IPV6 } from './layers.js';

export function decodeTeredo(c: DecodeCursor, pkt: DecodedPacket): number {
  const b = c.buf;
  const end = c.end;
  let p = c.off;
  if (end - p >= 4 && b[p] === 0 && b[p + 1] === 1) {
    // Authentication: id length and auth length, then an 8-byte nonce and a confirmation byte.
    p += 4 + b[p + 2] + b[p + 3] + 9;
  }
  if (end - p >= 8 && b[p] === 0 && b[p + 1] === 0) p += 8; // origin indication
  if (end - p < 40 || b[p] >> 4 !== 6) return L_DONE;
  const plen = (b[p + 4] << 8) | b[p + 5];
  if (40 + plen !== end - p) return L_DONE;
  if (!c.enterTunnel(pkt)) return L_DONE;
  c.off = p;
  return L_IPV6;
}
