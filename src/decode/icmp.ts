/** ICMP and ICMPv6: type and code (the flow layer uses them as Suricata does); the payload follows 8 bytes in. */
import {
  ICMPV4_PKT_TOO_SMALL,
  ICMPV6_PKT_TOO_SMALL,
  IPV4_WITH_ICMPV6,
  IPV6_WITH_ICMPV4,
  setAnomaly,
} from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_DONE } from './layers.js';

function decodeIcmpCommon(c: DecodeCursor, pkt: DecodedPacket, tooSmall: string): number {
  const off = c.off;
  const avail = c.end - off;
  if (avail >= 2) {
    pkt.icmpType = c.buf[off];
    pkt.icmpCode = c.buf[off + 1];
  }
  if (avail < 8) {
    pkt.payloadOff = off + avail;
    pkt.payloadLen = 0;
    return c.short(pkt, tooSmall);
  }
  pkt.payloadOff = off + 8;
  pkt.payloadLen = avail - 8;
  return L_DONE;
}

export function decodeIcmp(c: DecodeCursor, pkt: DecodedPacket): number {
  if (pkt.ipVersion === 6) setAnomaly(pkt, IPV6_WITH_ICMPV4);
  return decodeIcmpCommon(c, pkt, ICMPV4_PKT_TOO_SMALL);
}

export function decodeIcmpv6(c: DecodeCursor, pkt: DecodedPacket): number {
  if (pkt.ipVersion === 4) setAnomaly(pkt, IPV4_WITH_ICMPV6);
  return decodeIcmpCommon(c, pkt, ICMPV6_PKT_TOO_SMALL);
}
