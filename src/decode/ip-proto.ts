/** The dispatch table from an IP protocol number (after IPv6 extension headers) to the next layer. */
import { IPV4_IN_IPV6_WRONG_IP_VER, IPV6_IN_IPV6_WRONG_IP_VER, setAnomaly } from './anomalies.js';
import type { DecodeCursor } from './cursor.js';
import type { DecodedPacket } from './decoded-packet.js';
import { L_GRE, L_ICMP, L_ICMPV6, L_IP_PAYLOAD, L_IPV4, L_IPV6, L_SCTP, L_TCP, L_UDP } from './layers.js';

export const IPPROTO_IPIP = 4;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ESP = 50;

export function nextForIpProto(c: DecodeCursor, pkt: DecodedPacket, proto: number): number {
  switch (proto) {
    case 6:
      return L_TCP;
    case 17:
      return L_UDP;
    case 1:
      return L_ICMP;
    case 58:
      return L_ICMPV6;
    case 132:
      return L_SCTP;
    case 47:
      return L_GRE;
    // ESP: the SPI stands in the ports' place (high and low halves), so each security association is its own flow,
    // as Suricata keys ESP flows.
    case IPPROTO_ESP:
      if (c.avail() >= 8) {
        const b = c.buf;
        const o = c.off;
        pkt.srcPort = (b[o] << 8) | b[o + 1];
        pkt.dstPort = (b[o + 2] << 8) | b[o + 3];
      }
      return L_IP_PAYLOAD;
    // IP-in-IP (4in4, 6in4, 4in6, 6in6): the inner packet is the flow.
    case IPPROTO_IPIP:
      if (c.avail() < 20) return L_IP_PAYLOAD;
      if (c.buf[c.off] >> 4 !== 4) {
        if (pkt.ipVersion === 6) setAnomaly(pkt, IPV4_IN_IPV6_WRONG_IP_VER);
        return L_IP_PAYLOAD;
      }
      return c.enterTunnel(pkt) ? L_IPV4 : L_IP_PAYLOAD;
    case IPPROTO_IPV6:
      if (c.avail() < 40) return L_IP_PAYLOAD;
      if (c.buf[c.off] >> 4 !== 6) {
        if (pkt.ipVersion === 6) setAnomaly(pkt, IPV6_IN_IPV6_WRONG_IP_VER);
        return L_IP_PAYLOAD;
      }
      return c.enterTunnel(pkt) ? L_IPV6 : L_IP_PAYLOAD;
    default:
      return L_IP_PAYLOAD;
  }
}
