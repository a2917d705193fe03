/**
 * Packet header buffers (ipv4.hdr, ipv6.hdr, tcp.hdr, udp.hdr, icmpv4.hdr, icmpv6.hdr) and the TCP MSS option,
 * read from the decoded packet: the IP header runs from the IP layer to the transport header (IPv6 extension
 * headers included), the transport header from there to the payload.
 */
import type { DecodedPacket } from '../decode/index.js';

export const HEADER_BUFFERS = [
  'ipv4.hdr',
  'ipv6.hdr',
  'tcp.hdr',
  'udp.hdr',
  'icmpv4.hdr',
  'icmpv6.hdr',
] as const;
export type HeaderBuffer = (typeof HEADER_BUFFERS)[number];

export function isHeaderBuffer(name: string): name is HeaderBuffer {
  return (HEADER_BUFFERS as readonly string[]).includes(name.split('|')[0]);
}

/** IPv6 extension headers moat walks past to find the transport header. */
const IPV6_EXT = new Set([0, 43, 44, 51, 60, 135, 139, 140]);

/** Offset of the transport header in pkt.buf, or -1 when the packet does not show it. */
export function transportOffset(pkt: DecodedPacket): number {
  const b = pkt.buf;
  const l3 = pkt.l3Off;
  if (pkt.ipVersion === 4) {
    if (l3 >= b.length) return -1;
    return l3 + (b[l3] & 0x0f) * 4;
  }
  if (pkt.ipVersion !== 6 || l3 + 40 > b.length) return -1;
  let next = b[l3 + 6];
  let p = l3 + 40;
  for (let n = 0; n < 8 && IPV6_EXT.has(next); n++) {
    if (p + 2 > b.length) return -1;
    const len = next === 44 ? 8 : next === 51 ? (b[p + 1] + 2) * 4 : (b[p + 1] + 1) * 8;
    next = b[p];
    p += len;
  }
  return p <= b.length ? p : -1;
}

/** The header buffer's bytes for this packet, undefined when the packet has no such header. */
export function headerBuffer(pkt: DecodedPacket, name: HeaderBuffer): Buffer | undefined {
  const l4 = transportOffset(pkt);
  if (l4 < 0) return undefined;
  const b = pkt.buf;
  switch (name) {
    case 'ipv4.hdr':
      return pkt.ipVersion === 4 ? b.subarray(pkt.l3Off, l4) : undefined;
    case 'ipv6.hdr':
      return pkt.ipVersion === 6 ? b.subarray(pkt.l3Off, l4) : undefined;
    case 'tcp.hdr':
      return pkt.proto === 6 && pkt.payloadOff >= l4 + 20 ? b.subarray(l4, pkt.payloadOff) : undefined;
    case 'udp.hdr':
      return pkt.proto === 17 && l4 + 8 <= b.length ? b.subarray(l4, l4 + 8) : undefined;
    case 'icmpv4.hdr':
      return pkt.proto === 1 && l4 + 8 <= b.length
        ? b.subarray(l4, Math.min(b.length, l4 + icmpv4HeaderLen(b, l4)))
        : undefined;
    case 'icmpv6.hdr':
      return pkt.proto === 58 && pkt.payloadOff > l4 ? b.subarray(l4, pkt.payloadOff) : undefined;
  }
}

/**
 * ICMPv4 header length by type, as Suricata sizes it: timestamps 20, address masks 12, a router advertisement
 * 8 plus its address entries, otherwise 8.
 */
function icmpv4HeaderLen(b: Buffer, l4: number): number {
  switch (b[l4]) {
    case 13:
    case 14:
      return 20;
    case 17:
    case 18:
      return 12;
    case 9:
      return 8 + b[l4 + 4] * b[l4 + 5] * 4;
    default:
      return 8;
  }
}

/** The MSS option of a TCP packet (kind 2), undefined when absent. */
export function tcpMss(pkt: DecodedPacket): number | undefined {
  const h = pkt.proto === 6 ? headerBuffer(pkt, 'tcp.hdr') : undefined;
  if (!h) return undefined;
  for (let i = 20; i < h.length;) {
    const kind = h[i];
    if (kind === 0) break;
    if (kind === 1) {
      i++;
      continue;
    }
    const len = h[i + 1];
    if (len === undefined || len < 2) break;
    if (kind === 2 && len === 4 && i + 4 <= h.length) return (h[i + 2] << 8) | h[i + 3];
    i += len;
  }
  return undefined;
}

/** The MTU an ICMPv6 Packet Too Big (type 2, code 0) announces, as Suricata's icmpv6.mtu reads it. */
export function icmpv6Mtu(pkt: DecodedPacket): number | undefined {
  if (pkt.proto !== 58) return undefined;
  const l4 = transportOffset(pkt);
  const b = pkt.buf;
  if (l4 < 0 || l4 + 8 > b.length || b[l4] !== 2 || b[l4 + 1] !== 0) return undefined;
  return b.readUInt32BE(l4 + 4);
}

/** Does the IPv4 header carry option `type` (-1: any option)? EOL counts where it ends the list. */
export function hasIpOption(pkt: DecodedPacket, type: number): boolean {
  if (pkt.ipVersion !== 4) return false;
  const h = headerBuffer(pkt, 'ipv4.hdr');
  if (!h || h.length <= 20) return false;
  for (let i = 20; i < h.length;) {
    const t = h[i];
    if (type === -1 || t === type) return true;
    if (t === 0) break;
    if (t === 1) {
      i++;
      continue;
    }
    const len = h[i + 1];
    if (len === undefined || len < 2) break;
    i += len;
  }
  return false;
}
