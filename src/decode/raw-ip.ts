/** Raw IP link types (101, 12, 14, 228, 229): the version nibble says IPv4 or IPv6. */
import { IPRAW_INVALID_IPV, setAnomaly } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_ERROR, L_IPV4, L_IPV6 } from './layers.js';

export function decodeRawIp(c: DecodeCursor, pkt: DecodedPacket): number {
  if (c.end - c.off < 1) return c.short(pkt, IPRAW_INVALID_IPV);
  const v = c.buf[c.off] >> 4;
  if (v === 4) return L_IPV4;
  if (v === 6) return L_IPV6;
  setAnomaly(pkt, IPRAW_INVALID_IPV);
  return L_ERROR;
}
