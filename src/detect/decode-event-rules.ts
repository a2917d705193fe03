/**
 * Rules with decode-event. Suricata inspects every packet, its decoder events included, whether or not the packet
 * belongs to a flow: an invalid packet (decoding stopped), a fragment waiting for reassembly or a frame that is not
 * IP still meets these rules, and their alert names no flow. moat evaluates them on the packets that carry events
 * only — on the flow's packets with the flow (direction, flow options, flowbits), on the others without one.
 */
import type { DecodedPacket } from '../decode/index.js';
import type { FlowView } from '../flow/index.js';
import type { Rule } from './rule.js';
import { matchBuffer } from './buffer-match.js';
import { endpointsMatch, flowOptionsMatch, packetTestsMatch } from './header-match.js';
import { addressMatches } from './parse/address.js';

const L4: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, sctp: 132 };

/** The rule's protocol accepts the packet: `pkthdr` and `ip` any packet, a transport its IP protocol number. */
function protoOk(r: Rule, pkt: DecodedPacket): boolean {
  const p = r.proto;
  if (p === 'pkthdr' || p === 'ip') return true;
  if (p === 'ipv4') return pkt.ipVersion === 4;
  if (p === 'ipv6') return pkt.ipVersion === 6;
  if (pkt.ipVersion === 0) return false;
  if (p === 'tcp-pkt') return pkt.proto === 6;
  const l4 = L4[p];
  if (l4 !== undefined) return pkt.proto === l4 || (p === 'icmp' && pkt.proto === 58);
  // An app-layer protocol needs a flow whose protocol was detected.
  return false;
}

/** Whether the packet carries every event the rule names. */
function eventsOk(r: Rule, pkt: DecodedPacket): boolean {
  const ev = pkt.events;
  const n = pkt.eventCount;
  for (const want of r.decodeEvents ?? []) {
    let found = false;
    for (let i = 0; i < n && !found; i++) found = ev[i] === want;
    if (!found) return false;
  }
  return true;
}

/**
 * Addresses and ports of a packet with no flow: its own addresses when its IP header decoded; no ports (its
 * transport header did not decode), so only rules on any port match, as Suricata's port check fails on a packet
 * without ports.
 */
function flowlessEndpointsOk(r: Rule, pkt: DecodedPacket): boolean {
  if (!r.srcPorts.any || !r.dstPorts.any) return false;
  if (pkt.ipVersion === 0) return r.src.any && r.dst.any;
  if (addressMatches(r.src, pkt.src) && addressMatches(r.dst, pkt.dst)) return true;
  return r.bidirectional && addressMatches(r.src, pkt.dst) && addressMatches(r.dst, pkt.src);
}

/** The payload condition, when the rule has one; other buffers need a record these packets do not make. */
function buffersOk(r: Rule, pkt: DecodedPacket): boolean {
  for (const [b, ms] of r.buffers) {
    if (b !== 'payload') return false;
    if (!matchBuffer(ms, pkt.buf, pkt.payloadLen, pkt.payloadOff)) return false;
  }
  return true;
}

export class DecodeEventRules {
  constructor(
    private readonly rules: readonly Rule[],
    private readonly idx: readonly number[],
  ) {}

  /** A packet of a flow with events; `finish` applies iprep, flowbits and thresholds. */
  onFlowPacket(
    flow: FlowView,
    dir: number,
    pkt: DecodedPacket,
    finish: (r: Rule, flow: FlowView, dir: number, tsUs: number) => boolean,
  ): Array<{ rule: Rule; dir: number }> | undefined {
    let out: Array<{ rule: Rule; dir: number }> | undefined;
    for (const ri of this.idx) {
      const r = this.rules[ri];
      if (!eventsOk(r, pkt) || !protoOk(r, pkt)) continue;
      if (!flowOptionsMatch(r, flow, dir) || !packetTestsMatch(r, pkt)) continue;
      if (endpointsMatch(r, flow, dir) < 0 || !buffersOk(r, pkt)) continue;
      if (!finish(r, flow, dir, pkt.tsUs)) continue;
      (out ??= []).push({ rule: r, dir });
    }
    return out;
  }

  /**
   * A packet with events and no flow. Rules that need a flow (flow options, flowbits, flowint, stream size) do not
   * match; `threshold` is applied by `pass`.
   */
  onFlowlessPacket(pkt: DecodedPacket, pass: (r: Rule) => boolean): Rule[] | undefined {
    let out: Rule[] | undefined;
    for (const ri of this.idx) {
      const r = this.rules[ri];
      if (!eventsOk(r, pkt) || !protoOk(r, pkt)) continue;
      if (needsFlow(r) || !packetTestsMatch(r, pkt) || !flowlessEndpointsOk(r, pkt) || !buffersOk(r, pkt))
        continue;
      if (!pass(r)) continue;
      (out ??= []).push(r);
    }
    return out;
  }
}

function needsFlow(r: Rule): boolean {
  const f = r.flow;
  return (
    f.toServer === true ||
    f.toClient === true ||
    f.established === true ||
    f.notEstablished === true ||
    r.flowbits.length > 0 ||
    r.flowint !== undefined ||
    r.streamSize !== undefined ||
    r.appProtos.length > 0 ||
    r.flowCounts !== undefined
  );
}
