/** PPP (RFC 1661, HDLC-like framing optional, protocol field possibly compressed) and PPPoE sessions (RFC 2516). */
import { PPPOE_PKT_TOO_SMALL, PPP_PKT_TOO_SMALL } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_IPV4, L_IPV6, L_NOT_IP, L_PPP } from './layers.js';

const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

export function decodePpp(c: DecodeCursor, pkt: DecodedPacket): number {
  const b = c.buf;
  let p = c.off;
  if (c.end - p < 2) return c.short(pkt, PPP_PKT_TOO_SMALL);
  if (b[p] === 0xff && b[p + 1] === 0x03) p += 2; // address and control
  if (c.end - p < 1) return c.short(pkt, PPP_PKT_TOO_SMALL);
  let proto: number;
  if ((b[p] & 1) !== 0) {
    proto = b[p]; // protocol field compression (RFC 1661 §6.5)
    p += 1;
  } else {
    if (c.end - p < 2) return c.short(pkt, PPP_PKT_TOO_SMALL);
    proto = (b[p] << 8) | b[p + 1];
    p += 2;
  }
  c.off = p;
  if (proto === PPP_IPV4) return L_IPV4;
  if (proto === PPP_IPV6) return L_IPV6;
  return L_NOT_IP;
}

export function decodePppoe(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  const b = c.buf;
  if (c.end - off < 6) return c.short(pkt, PPPOE_PKT_TOO_SMALL);
  // Session data only (code 0); discovery packets carry no IP.
  if (b[off] !== 0x11 || b[off + 1] !== 0) return L_NOT_IP;
  const len = (b[off + 4] << 8) | b[off + 5];
  c.off = off + 6;
  if (c.off + len < c.end) c.end = c.off + len;
  return L_PPP;
}
