/** The packet-level part of a rule: protocol, addresses and ports with direction, flow state, header tests. */
import type { DecodedPacket } from '../decode/decoded-packet.js';
import type { FlowView } from '../flow/types.js';
import type { Rule } from './rule.js';
import { addressMatches } from './parse/address.js';
import { portMatches } from './parse/ports.js';
import { testNumber } from './keywords/header.js';
import { hasIpOption, tcpMss } from './packet-buffers.js';

const L4: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, sctp: 132 };

/** Does the rule's protocol field accept this flow (transport number or detected app protocol)? */
export function protoMatches(rule: Rule, flow: FlowView): boolean {
  const p = rule.proto;
  if (p === 'ip' || p === 'ipv4' || p === 'ipv6' || p === 'pkthdr') {
    if (p === 'ipv4') return flow.ipVersion === 4;
    if (p === 'ipv6') return flow.ipVersion === 6;
    return true;
  }
  if (p === 'tcp-pkt' || p === 'tcp-stream') return flow.proto === 6;
  const l4 = L4[p];
  if (l4 !== undefined) return flow.proto === l4 || (p === 'icmp' && flow.proto === 58);
  if (p === 'http1') return flow.appProto === 'http';
  return flow.appProto === p;
}

/**
 * Addresses and ports for a packet going `dir` (0 = client → server). `<>` rules match either way. Returns the
 * orientation that matched (0: rule src = packet src) or -1.
 */
export function endpointsMatch(rule: Rule, flow: FlowView, dir: number): number {
  const [sa, sp, da, dp] =
    dir === 0
      ? [flow.src, flow.srcPort, flow.dst, flow.dstPort]
      : [flow.dst, flow.dstPort, flow.src, flow.srcPort];
  const ports = flow.proto === 6 || flow.proto === 17 || flow.proto === 132;
  const fwd =
    addressMatches(rule.src, sa) &&
    addressMatches(rule.dst, da) &&
    (!ports || (portMatches(rule.srcPorts, sp) && portMatches(rule.dstPorts, dp)));
  if (fwd) return 0;
  if (!rule.bidirectional) return -1;
  const rev =
    addressMatches(rule.src, da) &&
    addressMatches(rule.dst, sa) &&
    (!ports || (portMatches(rule.srcPorts, dp) && portMatches(rule.dstPorts, sp)));
  return rev ? 1 : -1;
}

export function flowOptionsMatch(rule: Rule, flow: FlowView, dir: number): boolean {
  const o = rule.flow;
  if (o.toServer && dir !== 0) return false;
  if (o.toClient && dir !== 1) return false;
  if (o.established && flow.state !== 'established') return false;
  if (o.notEstablished && flow.state === 'established') return false;
  if (rule.flowCounts) {
    for (const fc of rule.flowCounts) {
      const v = fc.what === 'pkts' ? flow.pkts : flow.bytes;
      const ok =
        fc.dir === 2
          ? testNumber(fc.test, v[0]) || testNumber(fc.test, v[1])
          : testNumber(fc.test, v[fc.dir]);
      if (!ok) return false;
    }
  }
  for (const a of rule.appProtos) {
    // Until the protocol is known the condition is undecided (no match), as in Suricata, negated or not.
    if (flow.appProto === 'unknown') {
      if (a.proto !== 'unknown' || a.negated) return false;
      continue;
    }
    if ((flow.appProto === a.proto) === a.negated) return false;
  }
  return true;
}

/** Header tests that need the packet itself (dsize, ttl, flags, ip_proto, icmp type/code). */
export function packetTestsMatch(rule: Rule, pkt: DecodedPacket): boolean {
  if (rule.dsize && !testNumber(rule.dsize, pkt.payloadLen)) return false;
  if (rule.ttl && !testNumber(rule.ttl, pkt.ttl)) return false;
  if (rule.itype && !testNumber(rule.itype, pkt.icmpType)) return false;
  if (rule.ipOpt !== undefined && !hasIpOption(pkt, rule.ipOpt)) return false;
  if (rule.tcpMss) {
    const mss = tcpMss(pkt);
    if (mss === undefined || !testNumber(rule.tcpMss, mss)) return false;
  }
  if (rule.icode && !testNumber(rule.icode, pkt.icmpCode)) return false;
  if (rule.ipProto && (pkt.proto === rule.ipProto.proto) === rule.ipProto.negated) return false;
  if (rule.flags) {
    const f = pkt.tcpFlags & ~rule.flags.ignore & 0xff;
    const want = rule.flags.flags;
    switch (rule.flags.mode) {
      case 'exact':
        if (f !== want) return false;
        break;
      case 'plus':
        if ((f & want) !== want) return false;
        break;
      case 'any':
        if ((f & want) === 0) return false;
        break;
      case 'not':
        if ((f & want) !== 0) return false;
        break;
    }
  }
  return true;
}
