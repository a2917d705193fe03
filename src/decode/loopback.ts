/**
 * BSD loopback: a 4-byte address family before the IP packet. LINKTYPE_NULL writes it in the capturing host's
 * byte order (unknown to us: the family is small, so whichever order gives a value < 65536 is the one);
 * LINKTYPE_LOOP (OpenBSD) always in network order. IPv6's AF_INET6 differs per BSD: 24, 28 or 30 (and 10 or 23
 * from Linux and Windows writers, taken when the version nibble agrees).
 */
import { LTNULL_PKT_TOO_SMALL, LTNULL_UNSUPPORTED_TYPE, setAnomaly } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_IPV4, L_IPV6, L_NOT_IP } from './layers.js';

function nextForFamily(af: number, c: DecodeCursor, pkt: DecodedPacket): number {
  switch (af) {
    case 2:
      return L_IPV4;
    case 24:
    case 28:
    case 30:
      return L_IPV6;
    case 10: // Linux's AF_INET6
    case 23: // Windows' AF_INET6 (Npcap loopback)
      if (c.end - c.off >= 1 && c.buf[c.off] >> 4 === 6) return L_IPV6;
      setAnomaly(pkt, LTNULL_UNSUPPORTED_TYPE);
      return L_NOT_IP;
    default:
      setAnomaly(pkt, LTNULL_UNSUPPORTED_TYPE);
      return L_NOT_IP;
  }
}

export function decodeNull(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  if (c.end - off < 4) return c.short(pkt, LTNULL_PKT_TOO_SMALL);
  const b = c.buf;
  let af = (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
  if (af > 0xffff) af = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
  c.off = off + 4;
  return nextForFamily(af, c, pkt);
}

export function decodeLoop(c: DecodeCursor, pkt: DecodedPacket): number {
  const off = c.off;
  if (c.end - off < 4) return c.short(pkt, LTNULL_PKT_TOO_SMALL);
  const b = c.buf;
  const af = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
  c.off = off + 4;
  return nextForFamily(af, c, pkt);
}
