/** The packet-level part of a rule: protocol, addresses and ports with direction, flow state, header tests. */
import type { DecodedPacket } from '../decode/index.js';
import { flowAddress, type FlowView } from '../flow/index.js';
import type { FlagsTest, NumberTest, Rule } from './rule.js';
import { addressMatches } from './parse/address.js';
import { portMatches } from './parse/ports.js';
import { testNumber } from './keywords/header.js';
import { checksumsMatch } from './keywords/checksum.js';
import { hasIpOption, icmpv6Mtu, tcpMss, transportOffset } from './packet-buffers.js';

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
  // DNS over HTTP/2 is still HTTP/2 to a rule (Suricata's doh2 flows match http2 rules).
  if (p === 'http2') return flow.appProto === 'http2' || flow.appProto === 'doh2';
  return flow.appProto === p;
}

/** The packet's source and destination address words, rewritten for each candidate (flows keep none cached). */
const SRC_WORDS = new Uint32Array(4);
const DST_WORDS = new Uint32Array(4);

/**
 * Addresses and ports for a packet going `dir` (0 = client → server). `<>` rules match either way. Returns the
 * orientation that matched (0: rule src = packet src) or -1; `=>` rules always compare client → server.
 */
export function endpointsMatch(rule: Rule, flow: FlowView, dir: number): number {
  // No destructured arrays: this runs for every candidate, and each array was an allocation.
  // A transactional (`=>`) rule's header is the transaction's client → server, in either direction.
  const to = dir === 0 || rule.txBothDir === true;
  const sa = flowAddress(flow, to ? 0 : 1, SRC_WORDS);
  const da = flowAddress(flow, to ? 1 : 0, DST_WORDS);
  const sp = to ? flow.srcPort : flow.dstPort;
  const dp = to ? flow.dstPort : flow.srcPort;
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

/**
 * flow:established as Suricata decides it per packet: the flow is established, or — a TCP session closing or closed
 * — both directions have been seen (the last ACK after the FINs is still an established packet).
 */
function established(flow: FlowView): boolean {
  const s = flow.state;
  // A bypassed flow (TLS encryption-handling=bypass) was established when it was bypassed: stream inspection at its
  // end sees it so.
  return (
    s === 'established' || ((s === 'closed' || s === 'bypassed') && flow.pkts[0] > 0 && flow.pkts[1] > 0)
  );
}

/**
 * The protocols the rule engine itself knows of a flow (see flow-tables.ts): per direction, and the one recognized
 * without a parser. 'unknown' / '' while undecided.
 */
export interface FlowProtos {
  direction(flow: FlowView, d: 0 | 1): string;
  recognized(flow: FlowView): string;
}

export function flowOptionsMatch(rule: Rule, flow: FlowView, dir: number, protos?: FlowProtos): boolean {
  const o = rule.flow;
  if (o.toServer && dir !== 0) return false;
  if (o.toClient && dir !== 1) return false;
  if (o.established && !established(flow)) return false;
  if (o.notEstablished && established(flow)) return false;
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
  // Indexed: rules come in many shapes, so for-of here kept its iterator object (~6 MB of garbage per ET run).
  const aps = rule.appProtos;
  for (let i = 0; i < aps.length; i++) {
    const a = aps[i];
    if (a.dir !== undefined || a.guessed === true) {
      // Known only to the packet path (rules with such tests are content-less packet rules: see rule-parser.ts).
      if (protos === undefined) return false;
      const have = a.dir !== undefined ? protos.direction(flow, a.dir) : protos.recognized(flow);
      if (have === 'unknown') return false;
      if ((have === a.proto) === a.negated) return false;
      continue;
    }
    if (a.original === true) {
      // Suricata compares its alproto_orig, unknown until the protocol changes.
      if ((flow.appProtoOrig === a.proto) === a.negated) return false;
      continue;
    }
    // Until the protocol is known the condition is undecided (no match), as in Suricata, negated or not.
    if (flow.appProto === 'unknown') {
      if (a.proto !== 'unknown' || a.negated) return false;
      continue;
    }
    if ((flow.appProto === a.proto) === a.negated) return false;
  }
  return true;
}

function vlanIdMatch(v: { test: NumberTest; layer?: number }, pkt: DecodedPacket): boolean {
  const n = pkt.vlanCount;
  if (v.layer === undefined) {
    for (let i = 0; i < n; i++) if (testNumber(v.test, pkt.vlan[i])) return true;
    return false;
  }
  const i = v.layer < 0 ? n + v.layer : v.layer;
  return i >= 0 && i < n && testNumber(v.test, pkt.vlan[i]);
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
  if (rule.icmpv6Mtu) {
    const mtu = icmpv6Mtu(pkt);
    if (mtu === undefined || !testNumber(rule.icmpv6Mtu, mtu)) return false;
  }
  if (rule.vlanLayers && !testNumber(rule.vlanLayers, pkt.vlanCount)) return false;
  if (rule.vlanId && !vlanIdMatch(rule.vlanId, pkt)) return false;
  if (rule.ipProto) {
    const ip = rule.ipProto;
    if ('test' in ip ? !testNumber(ip.test, pkt.proto) : (pkt.proto === ip.proto) === ip.negated)
      return false;
  }
  if (rule.flags && !flagsMatch(rule.flags, pkt.tcpFlags)) return false;
  if (rule.fieldTests) {
    for (const t of rule.fieldTests) {
      const v = headerField(pkt, t.field);
      if (v === undefined || !testNumber(t.test, v)) return false;
    }
  }
  if (rule.fragbits) {
    if (pkt.ipVersion !== 4) return false;
    if (!flagsMatch(rule.fragbits, pkt.buf[pkt.l3Off + 6] >> 5)) return false;
  }
  if (rule.sameIp) {
    for (let i = 0; i < 4; i++) if (pkt.src[i] !== pkt.dst[i]) return false;
  }
  if (rule.checksums && !checksumsMatch(rule.checksums, pkt)) return false;
  return true;
}

function flagsMatch(t: FlagsTest, value: number): boolean {
  const f = value & ~t.ignore & 0xff;
  const want = t.flags;
  switch (t.mode) {
    case 'exact':
      return f === want;
    case 'plus':
      return (f & want) === want;
    case 'any':
      return (f & want) !== 0;
    case 'not':
      return (f & want) === 0;
  }
}

/** ICMP types whose header carries an identifier and sequence number (echo, timestamp, information, mask). */
const ICMP_ID_TYPES = new Set([0, 8, 13, 14, 15, 16, 17, 18]);
const ICMPV6_ID_TYPES = new Set([128, 129]);

/** A header field of the packet, undefined when the packet has none. */
function headerField(
  pkt: DecodedPacket,
  f: 'id' | 'seq' | 'ack' | 'window' | 'icmp_id' | 'icmp_seq',
): number | undefined {
  switch (f) {
    case 'id':
      return pkt.ipVersion === 4 ? pkt.ipId : undefined;
    case 'seq':
      return pkt.proto === 6 ? pkt.tcpSeq : undefined;
    case 'ack':
      return pkt.proto === 6 ? pkt.tcpAck : undefined;
    case 'window':
      return pkt.proto === 6 ? pkt.tcpWindow : undefined;
    default: {
      const types = pkt.proto === 1 ? ICMP_ID_TYPES : pkt.proto === 58 ? ICMPV6_ID_TYPES : undefined;
      if (!types || !types.has(pkt.icmpType)) return undefined;
      const l4 = transportOffset(pkt);
      if (l4 < 0 || l4 + 8 > pkt.buf.length) return undefined;
      return pkt.buf.readUInt16BE(l4 + (f === 'icmp_id' ? 4 : 6));
    }
  }
}
