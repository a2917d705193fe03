/**
 * The numeric flow key: the symmetric hash both directions of a flow share, and the "ports" a packet is keyed
 * by. ICMP has no ports; like Community ID (and Zeek before it) moat keys ICMP by type and the counterpart type
 * (echo ↔ echo reply …) so a request and its reply land in one flow, and one-way messages by type and code.
 */
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from '../decode/index.js';
import type { DecodedPacket } from '../decode/index.js';

/** ICMPv4 request/reply pairs (echo, timestamp, information, router solicitation/advert, address mask). */
const ICMP4_COUNTERPART = new Int16Array(256).fill(-1);
/** ICMPv6 pairs (echo, MLD query/report, router/neighbour solicit/advert, who-are-you, home agent discovery). */
const ICMP6_COUNTERPART = new Int16Array(256).fill(-1);
for (const [a, b] of [
  [8, 0],
  [13, 14],
  [15, 16],
  [10, 9],
  [17, 18],
]) {
  ICMP4_COUNTERPART[a] = b;
  ICMP4_COUNTERPART[b] = a;
}
for (const [a, b] of [
  [128, 129],
  [130, 131],
  [133, 134],
  [135, 136],
  [139, 140],
  [144, 145],
]) {
  ICMP6_COUNTERPART[a] = b;
  ICMP6_COUNTERPART[b] = a;
}

/** The counterpart ICMP type, or -1 when the message is one-way (errors, redirects …). */
export function icmpCounterpart(proto: number, type: number): number {
  if (proto === IPPROTO_ICMP) return ICMP4_COUNTERPART[type & 255];
  if (proto === IPPROTO_ICMPV6) return ICMP6_COUNTERPART[type & 255];
  return -1;
}

export function isIcmp(proto: number): boolean {
  return proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6;
}

export function hasPorts(proto: number): boolean {
  return proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP;
}

/** The source "port" a packet is keyed by (ICMP: its type). */
export function keySrcPort(pkt: DecodedPacket): number {
  const p = pkt.proto;
  // ESP: the SPI's high half (the decoder keeps it in the ports' place).
  if (hasPorts(p) || p === 50) return pkt.srcPort;
  if (isIcmp(p)) return pkt.icmpType;
  return 0;
}

/** The destination "port" a packet is keyed by (ICMP: the counterpart type, or the code for one-way types). */
export function keyDstPort(pkt: DecodedPacket): number {
  const p = pkt.proto;
  if (hasPorts(p) || p === 50) return pkt.dstPort;
  if (isIcmp(p)) {
    const c = icmpCounterpart(p, pkt.icmpType);
    return c >= 0 ? c : pkt.icmpCode;
  }
  return 0;
}

function endpointHash(w: Uint32Array, port: number): number {
  let h = Math.imul(w[0] ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ w[1], 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ w[2], 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16) ^ w[3], 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15) ^ port, 0x27d4eb2f);
  return h ^ (h >>> 16);
}

/**
 * The hash (int32, so it stays a small integer in V8) of a flow's key from either direction's packet: each endpoint is hashed alone and the two are
 * combined with a commutative addition, then protocol, VLAN ids and tunnel depth are mixed in. `sp`/`dp` are the key ports.
 */
export function keyHash(pkt: DecodedPacket, sp: number, dp: number, tunnelKeyed = true): number {
  let h = (endpointHash(pkt.src, sp) + endpointHash(pkt.dst, dp)) | 0;
  // IPv4 is stored IPv4-mapped: the IP version keeps ::ffff:a.b.c.d over IPv6 apart from a.b.c.d over IPv4.
  h ^= Math.imul(pkt.proto + 1 + (pkt.ipVersion << 8), 0x01000193);
  if (pkt.vlanCount > 0)
    h ^= Math.imul(pkt.vlan[0] | (pkt.vlanCount > 1 ? pkt.vlan[1] << 16 : 0), 0x5bd1e995);
  if (pkt.vlanCount > 2) h ^= Math.imul(pkt.vlan[2] + 1, 0x27d4eb2d);
  // The tunnel depth is part of the key (Suricata's decoder.recursion-level.use-for-tracking, on by default).
  if (tunnelKeyed && pkt.tunnelDepth > 0) h ^= Math.imul(pkt.tunnelDepth, 0x165667b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * uint32, equal for both directions of a flow; numeric, allocates nothing. Workers shard by it (both
 * directions land in the same worker), and the flow table buckets by it.
 */
export function symmetricFlowHash(pkt: DecodedPacket, tunnelKeyed = true): number {
  return keyHash(pkt, keySrcPort(pkt), keyDstPort(pkt), tunnelKeyed) >>> 0;
}
