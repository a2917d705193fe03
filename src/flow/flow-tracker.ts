/**
 * The flow stage: finds or creates each packet's flow in the numeric table, counts it, tracks TCP state,
 * feeds TCP reassembly / UDP datagrams to the app layer, and ends flows on timeout, memory pressure or end of
 * input. One engine per pipeline thread; nothing here allocates per packet (a Flow per flow, app state and
 * held out-of-order bytes only for flows that need them).
 */
import {
  addPacketEvent,
  hasDecoderEvent,
  IPPROTO_TCP,
  IPPROTO_UDP,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  type DecodedPacket,
} from '../decode/index.js';
import type {
  AppProtocols,
  AppRecordBase,
  DatagramProtocolDef,
  Direction,
  StreamProtocolDef,
} from './app-contract.js';
import { withDetectionPorts } from './app-contract.js';
import { DETECT_PARSER, DETECT_UNKNOWN, TcpAppSession, UdpAppSession } from './app-session.js';
import { CLASS_CLOSED, CLASS_NEW, CLASS_ESTABLISHED, Flow } from './flow.js';
import { hasPorts, isIcmp, keyDstPort, keyHash, keySrcPort } from './flow-hash.js';
import { FlowTable } from './flow-table.js';
import {
  DEFAULT_MAX_FLOWS,
  DEFAULT_MAX_REASSEMBLY_BYTES,
  DEFAULT_MAX_REASSEMBLY_TOTAL,
  DEFAULT_TIMEOUTS,
  type FlowTrackerOptions,
} from './options.js';
import { HeldBudget, TcpReassembler } from './tcp-reassembly.js';
import { masterMidstreamPolicy } from './stream-settings.js';
import { OsPolicyTable } from './os-policy.js';
import {
  TCP_CLOSED,
  TCP_ESTABLISHED,
  TCP_FIN_WAIT1,
  TCP_SYN_RECV,
  TCP_SYN_SENT,
  flowStateOfTcp,
  nextTcpState,
} from './tcp-state.js';
import type { FlowEndReason, FlowTracker, FlowSink, FlowStats } from './types.js';

/**
 * Flow ids: (sequence × shard count + shard index) × 4096 + 12 bits of the flow hash — unique across the
 * workers of one run when each engine is told its shard, below 2^52 for 2^40 flows, and not a bare counter.
 */
const ID_HASH_SPAN = 4096;
/** An acknowledgment this far behind the stream is stale (or unrelated) and acknowledges nothing new. */
const MAX_ACK_BACK = 1 << 30;

export class FlowTrackerImpl implements FlowTracker {
  readonly stats: FlowStats = { flows: 0, activeFlows: 0, evicted: 0, tcpGaps: 0, reassemblyOverflows: 0 };
  private readonly table: FlowTable;
  private readonly timeouts: Float64Array;
  private readonly maxHeld: number;
  private readonly budget: HeldBudget;
  private readonly streamDefs: readonly StreamProtocolDef[];
  private readonly datagramDefs: readonly DatagramProtocolDef[];
  private flowSeq = 1;
  private readonly idShardIndex: number;
  private readonly idShardCount: number;
  /** The packet being handled, for anomalies raised while it is processed. */
  private cur: DecodedPacket | null = null;
  /** Whether the sink inspects packets (rules); decided once so the hot path tests one boolean. */
  private readonly packetSink: boolean;
  /** Stream inspection wants every TCP flow's bytes: reassembly is kept to the end of the flow. */
  private readonly streamSink: boolean;

  constructor(
    private readonly sink: FlowSink,
    protocols: AppProtocols,
    opts: FlowTrackerOptions,
  ) {
    const maxFlows = Math.max(1, Math.floor(opts.maxFlows ?? DEFAULT_MAX_FLOWS));
    this.table = new FlowTable(Math.min(maxFlows, 4096), maxFlows);
    const t = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    this.timeouts = new Float64Array([t.newUs, t.establishedUs, t.closedUs]);
    this.maxHeld = opts.maxReassemblyBytesPerDirection ?? DEFAULT_MAX_REASSEMBLY_BYTES;
    this.budget = new HeldBudget(opts.maxReassemblyBytesTotal ?? DEFAULT_MAX_REASSEMBLY_TOTAL);
    this.idShardCount = Math.max(1, Math.floor(opts.shard?.count ?? 1));
    this.idShardIndex = Math.floor(opts.shard?.index ?? 0) % this.idShardCount;
    this.streamDefs = withDetectionPorts(protocols.stream, opts.detectionPorts?.tcp);
    this.datagramDefs = withDetectionPorts(protocols.datagram, opts.detectionPorts?.udp);
    this.packetSink = sink.onPacket !== undefined && sink.wantsPackets !== false;
    this.streamSink = sink.onStreamData !== undefined && sink.wantsStream === true;
    this.midstream = opts.midstream ?? true;
    this.asyncOneside = opts.asyncOneside;
    this.depth = opts.reassemblyDepth ?? 0;
    this.tlsBypass = opts.tlsEncryption === 'bypass';
    this.tlsFull = opts.tlsEncryption === 'full';
    this.streamBypass = opts.streamBypass === true && this.depth > 0;
    this.osPolicies = opts.hostOsPolicy ? new OsPolicyTable(opts.hostOsPolicy) : undefined;
    this.tunnelKeyed = opts.recursionTracking !== false;
    const given = opts.midstreamPolicy ?? masterMidstreamPolicy(opts.exceptionPolicy);
    const mp = given === 'auto' ? 'ignore' : given;
    this.midstreamPolicy = mp;
    this.midstreamRecord =
      mp === undefined ? undefined : { target: 'stream_midstream', policy: mp.replace('-', '_') };
  }

  private readonly midstream: boolean;
  /** app-layer.protocols.tls.encryption-handling (options.ts). */
  private readonly tlsBypass: boolean;
  private readonly tlsFull: boolean;
  /** stream.bypass with a reassembly depth: bypass a session once both directions reached it. */
  private readonly streamBypass: boolean;
  /** host-os-policy: each receiving host's overlap policy (undefined: none configured). */
  private readonly osPolicies: OsPolicyTable | undefined;
  private readonly asyncOneside: boolean | undefined;
  private readonly depth: number;
  /** The tunnel depth is part of the flow key (decoder.recursion-level.use-for-tracking). */
  private readonly tunnelKeyed: boolean;
  private readonly midstreamPolicy: string | undefined;
  /** The flow record's `exception_policy` entry for flows the midstream policy applies to (one object, shared). */
  private readonly midstreamRecord: { target: string; policy: string } | undefined;

  handle(pkt: DecodedPacket): void {
    this.cur = pkt;
    const proto = pkt.proto;
    const sp = keySrcPort(pkt);
    const dp = keyDstPort(pkt);
    const h = keyHash(pkt, sp, dp, this.tunnelKeyed);
    // VLAN ids are 12 bits: one tag → 1..4096, more tags → each id (+1) in its own 13 bits (< 2^39, exact).
    // The tunnel depth goes above them: a packet and the same addresses inside a tunnel are separate flows, as
    // Suricata keys flows by recursion level (decoder.recursion-level.use-for-tracking, on by default).
    const vk =
      (this.tunnelKeyed ? pkt.tunnelDepth * 549755813888 : 0) +
      (pkt.vlanCount === 0
        ? 0
        : pkt.vlanCount === 1
          ? (pkt.vlan[0] & 0xfff) + 1
          : (pkt.vlan[0] & 0xfff) +
            1 +
            ((pkt.vlan[1] & 0xfff) + 1) * 8192 +
            (pkt.vlanCount > 2 ? ((pkt.vlan[2] & 0xfff) + 1) * 67108864 : 0));
    const ipv = pkt.ipVersion;
    const t = this.table;
    const ps = pkt.src;
    const pd = pkt.dst;
    const a0 = ps[0] | 0;
    const a1 = ps[1] | 0;
    const a2 = ps[2] | 0;
    const a3 = ps[3] | 0;
    const b0 = pd[0] | 0;
    const b1 = pd[1] | 0;
    const b2 = pd[2] | 0;
    const b3 = pd[3] | 0;
    let f: Flow | null = null;
    let dir: Direction = 0;
    let s = t.buckets[h & t.mask];
    while (s >= 0) {
      if (t.hashes[s] === h) {
        const c = t.flows[s]!;
        if (c.proto === proto && c.vlanKey === vk && c.ipVersion === ipv) {
          if (
            c.srcPort === sp &&
            c.dstPort === dp &&
            c.s3 === a3 &&
            c.d3 === b3 &&
            c.s2 === a2 &&
            c.d2 === b2 &&
            c.s1 === a1 &&
            c.d1 === b1 &&
            c.s0 === a0 &&
            c.d0 === b0
          ) {
            f = c;
            break;
          }
          if (
            c.srcPort === dp &&
            c.dstPort === sp &&
            c.s3 === b3 &&
            c.d3 === a3 &&
            c.s2 === b2 &&
            c.d2 === a2 &&
            c.s1 === b1 &&
            c.d1 === a1 &&
            c.s0 === b0 &&
            c.d0 === a0
          ) {
            f = c;
            dir = 1;
            break;
          }
        }
      }
      s = t.chain[s];
    }
    const ts = pkt.tsUs;
    const flags = proto === IPPROTO_TCP ? pkt.tcpFlags : 0;
    if (f !== null && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && f.tcpStateCode >= TCP_FIN_WAIT1) {
      // A SYN on a tuple whose session is closing or closed: the port was reused, a new flow starts.
      this.end(f, 'timeout', ts);
      f = null;
    }
    if (f === null) {
      if (t.full) this.evictOne(ts);
      const seq = this.flowSeq++ * this.idShardCount + this.idShardIndex;
      f = new Flow(seq * ID_HASH_SPAN + (h & (ID_HASH_SPAN - 1)));
      if (this.tlsFull) f.cipherInspected = true;
      // The initiator sent the SYN; a SYN/ACK seen first comes from the responder. Without a SYN (UDP, TCP
      // picked up midstream) a packet from a well-known port to an ephemeral one is taken as the server's
      // reply, so the flow is still written client → server (as Suricata does when the first packet it sees is
      // a response, and as Zeek's likely-server-port rule does).
      const reverse =
        (flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) ||
        ((flags & TCP_SYN) === 0 && hasPorts(proto) && sp < 1024 && dp >= 1024);
      dir = reverse ? 1 : 0;
      if (reverse) {
        f.s0 = b0;
        f.s1 = b1;
        f.s2 = b2;
        f.s3 = b3;
        f.d0 = a0;
        f.d1 = a1;
        f.d2 = a2;
        f.d3 = a3;
      } else {
        f.s0 = a0;
        f.s1 = a1;
        f.s2 = a2;
        f.s3 = a3;
        f.d0 = b0;
        f.d1 = b1;
        f.d2 = b2;
        f.d3 = b3;
      }
      f.srcPort = reverse ? dp : sp;
      f.dstPort = reverse ? sp : dp;
      f.proto = proto;
      f.ipVersion = pkt.ipVersion;
      f.vlanKey = vk;
      if (pkt.vlanCount > 0) f.vlan = Array.from(pkt.vlan.subarray(0, pkt.vlanCount));
      f.startUs = ts;
      f.lastUs = ts;
      if (this.streamDefs.length === 0 && proto === IPPROTO_TCP) f.appDone = true;
      else if (this.datagramDefs.length === 0 && proto === IPPROTO_UDP) f.appDone = true;
      else if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) f.appDone = true;
      if (proto === IPPROTO_TCP && (flags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) {
        // Midstream: the session's start was not seen. The policy applies whether or not pickup is on.
        if (!this.midstream) {
          f.noSession = true;
          f.appDone = true;
        }
        if (this.midstreamPolicy !== undefined) this.applyMidstreamPolicy(f);
      }
      t.insert(f, h, CLASS_NEW);
      this.stats.flows++;
      this.stats.activeFlows++;
    }
    const ttl = pkt.ttl;
    if (dir === 0) {
      if (f.pkts0 === 0) {
        f.ttlRange0 = ttl | (ttl << 8);
        if (isIcmp(proto)) {
          f.icmpType0 = pkt.icmpType;
          f.icmpCode0 = pkt.icmpCode;
        }
      } else f.ttlRange0 = widenTtl(f.ttlRange0, ttl);
      f.pkts0++;
      f.bytes0 += pkt.wireLen - pkt.outerLen;
    } else {
      if (f.pkts1 === 0) {
        f.ttlRange1 = ttl | (ttl << 8);
        if (isIcmp(proto)) {
          f.icmpType1 = pkt.icmpType;
          f.icmpCode1 = pkt.icmpCode;
        }
      } else f.ttlRange1 = widenTtl(f.ttlRange1, ttl);
      f.pkts1++;
      f.bytes1 += pkt.wireLen - pkt.outerLen;
    }
    if (ts > f.lastUs) f.lastUs = ts;
    let cls = f.stateCode;
    if (proto === IPPROTO_TCP) {
      if (dir === 0) f.flags0 |= flags;
      else f.flags1 |= flags;
      let ns = f.noSession ? f.tcpStateCode : nextTcpState(f.tcpStateCode, dir, flags);
      if (this.asyncOneside !== undefined && ns === f.tcpStateCode && this.oneSided(f, dir, flags)) {
        if (!this.asyncOneside) {
          // Not part of the session: Suricata's stream engine rejects the packet (packet rules still see it).
          f.stateCode = cls;
          t.touch(f.slot, cls);
          if (this.packetSink && !f.passed) this.sink.onPacket?.(f, dir, pkt);
          this.cur = null;
          return;
        }
        ns = TCP_ESTABLISHED;
      } else if (
        ns === TCP_SYN_RECV &&
        dir === 1 &&
        (flags & (TCP_SYN | TCP_ACK)) === TCP_ACK &&
        (f.flags0 & TCP_SYN) === 0
      ) {
        // A session picked up at its SYN/ACK (no SYN seen): an ACK from either side establishes it, as Suricata's
        // midstream SYN/ACK pickup does (the responder's ACK is not "in the wrong direction" then).
        ns = TCP_ESTABLISHED;
      }
      if (ns !== f.tcpStateCode) {
        f.tcpStateCode = ns;
        cls = flowStateOfTcp(ns);
      }
    } else if (dir === 1 && cls === CLASS_NEW) {
      // Other protocols are established once the responder answered.
      cls = CLASS_ESTABLISHED;
    }
    f.stateCode = cls;
    t.touch(f.slot, cls);
    if (!f.appDone) {
      if (proto === IPPROTO_TCP) {
        this.tcpSegment(f, dir, pkt, flags);
        // The session is over (RST, or FIN both ways acknowledged): finish the app layer now rather than at
        // the closed timeout, so its state is freed while the flow lingers for stray packets.
        if (f.tcpStateCode === TCP_CLOSED) this.releaseApp(f, ts);
      } else if (pkt.payloadLen > 0) this.datagram(f, dir, pkt);
    }
    if (this.packetSink && !f.passed && !f.bypassed) this.sink.onPacket?.(f, dir, pkt);
    // encryption-handling=bypass: the packet that completed the TLS handshake was the last one looked at.
    if (!f.bypassed && ((f.tlsDone && this.tlsBypass) || (this.streamBypass && this.depthReachedBoth(f))))
      this.bypassFlow(f, ts);
    this.cur = null;
  }

  private depthReachedBoth(f: Flow): boolean {
    const s = f.streams;
    return s !== null && s[0].depthReached && s[1].depthReached;
  }

  /**
   * Bypasses a flow (TLS handshake over with encryption-handling=bypass, or stream.bypass at the depth): no more
   * parsing or inspection. It stays un-passed so that what was reassembled before is still inspected at its end
   * (Suricata inspects the raw stream before it bypasses).
   */
  private bypassFlow(f: Flow, tsUs: number): void {
    f.bypassed = true;
    this.releaseApp(f, tsUs);
  }

  /**
   * The packet continues a handshake seen from one side only: the initiator's ACK after its SYN, no SYN/ACK seen
   * (stream.async-oneside). A session picked up at the SYN/ACK is a midstream pickup, not this case.
   */
  private oneSided(f: Flow, dir: Direction, flags: number): boolean {
    if (flags & (TCP_SYN | TCP_RST)) return false;
    return f.tcpStateCode === TCP_SYN_SENT && dir === 0 && (flags & TCP_ACK) !== 0 && f.pkts1 === 0;
  }

  /** stream.midstream-policy on a TCP flow that starts without a SYN (checked against the IDS matrix already). */
  private applyMidstreamPolicy(f: Flow): void {
    f.exceptionPolicy = this.midstreamRecord;
    if (this.midstreamPolicy === 'pass-flow') {
      // Without pickup the session is not tracked either way; with it, parsed and logged but not inspected.
      f.passed = true;
    } else if (this.midstreamPolicy === 'bypass') {
      f.bypassed = true;
      f.passed = true;
      f.noSession = true;
      f.appDone = true;
    }
  }

  /** One direction's reassembler; its bytes go to the other end, whose OS decides overlaps. */
  private reassembler(dir: Direction, session: TcpAppSession, receiver: ArrayLike<number>): TcpReassembler {
    return new TcpReassembler(
      dir,
      this.maxHeld,
      session,
      this.stats,
      this.budget,
      this.depth,
      this.osPolicies?.policyOf(receiver),
    );
  }

  private tcpSegment(f: Flow, dir: Direction, pkt: DecodedPacket, flags: number): void {
    let streams = f.streams;
    if (streams === null) {
      if (flags & TCP_SYN) {
        // Remember the ISN until there is payload worth reassembling.
        if (dir === 0) {
          f.isn0 = pkt.tcpSeq | 0;
          f.synSeen |= 1;
        } else {
          f.isn1 = pkt.tcpSeq | 0;
          f.synSeen |= 2;
        }
      }
      if (pkt.payloadLen === 0) return;
      const session = new TcpAppSession(f, this.sink, this.streamDefs, this, this.asyncOneside === false);
      f.tcp = session;
      streams = [
        // Each direction's bytes go to the other end: its OS decides overlaps.
        this.reassembler(0, session, f.dst),
        this.reassembler(1, session, f.src),
      ];
      if (f.synSeen & 1) streams[0].startAt((f.isn0 + 1) >>> 0);
      if (f.synSeen & 2) streams[1].startAt((f.isn1 + 1) >>> 0);
      f.streams = streams;
    }
    const tcp = f.tcp!;
    if (flags & TCP_SYN && pkt.payloadLen > 0) tcp.synData |= 1 << dir;
    streams[dir].segment(pkt.tcpSeq, flags, pkt.buf, pkt.payloadOff, pkt.payloadLen, pkt.tsUs);
    if (flags & TCP_ACK) {
      const peer = streams[1 - dir];
      peer.acked(pkt.tcpAck, pkt.tsUs);
      // Records made from the peer's acknowledged data go on now, with this packet — not with a SYN/ACK that
      // acknowledges Fast Open data: Suricata's app layer takes a direction's data on the peer's first packet
      // after the handshake.
      if (!tcp.idle && peer.started && (flags & TCP_SYN) === 0) {
        const diff = (pkt.tcpAck - peer.nextSeq) | 0;
        if (diff > -MAX_ACK_BACK && diff < MAX_ACK_BACK)
          tcp.acknowledged((1 - dir) as Direction, peer.offset + diff, pkt.tsUs);
      }
    }
    if (flags & TCP_RST) tcp.releaseHeld(pkt.tsUs);
    if (
      !this.streamSink &&
      (tcp.detect === DETECT_UNKNOWN || (tcp.parser?.finished === true && tcp.framer === null && tcp.idle))
    ) {
      // No parser for this flow (or it failed, or it has all it wants): from here on it is only counted.
      this.releaseApp(f, pkt.tsUs);
    }
  }

  private datagram(f: Flow, dir: Direction, pkt: DecodedPacket): void {
    let u = f.udp;
    if (u === null) u = f.udp = new UdpAppSession(f, this.sink, this.datagramDefs);
    u.datagram(dir, pkt.buf, pkt.payloadOff, pkt.payloadLen, pkt.srcPort, pkt.dstPort, pkt.tsUs);
    if (u.detect === DETECT_UNKNOWN) f.appDone = true;
  }

  /** A stream event raised while a packet is processed (reassembly overlap …). */
  streamAnomaly(f: Flow, event: string, tsUs: number): void {
    this.streamEvent(event);
    const pkt = this.cur;
    if (pkt !== null && this.sink.onPacketAnomaly) this.sink.onPacketAnomaly(f, event, pkt);
    else this.sink.onAppRecord(f, { type: 'anomaly', anomaly: { event } }, tsUs);
  }

  /**
   * Puts a stream event on the packet being processed, after its decoder events, for `stream-event` rules (the
   * decoder events were already logged: the packet's anomaly record does not change).
   */
  streamEvent(event: string): void {
    const pkt = this.cur;
    if (pkt !== null && !hasDecoderEvent(pkt, event)) addPacketEvent(pkt, event);
  }

  advanceTime(nowUs: number): void {
    const t = this.table;
    for (let cls = CLASS_NEW; cls <= CLASS_CLOSED; cls++) {
      const timeout = this.timeouts[cls];
      for (let s = t.head[cls]; s >= 0; s = t.head[cls]) {
        const f = t.flows[s]!;
        if (f.lastUs + timeout > nowUs) break;
        this.end(f, 'timeout', nowUs);
      }
    }
  }

  finish(nowUs: number): void {
    // Oldest first across the three lists, so the output order does not depend on flow states.
    const t = this.table;
    for (;;) {
      let best: Flow | null = null;
      for (let cls = CLASS_NEW; cls <= CLASS_CLOSED; cls++) {
        const s = t.head[cls];
        if (s < 0) continue;
        const f = t.flows[s]!;
        if (best === null || f.lastUs < best.lastUs) best = f;
      }
      if (best === null) return;
      this.end(best, 'shutdown', nowUs);
    }
  }

  /** The memory cap is reached: the flow closest to its own timeout goes first. */
  private evictOne(nowUs: number): void {
    const t = this.table;
    let best: Flow | null = null;
    let bestExpiry = Infinity;
    for (let cls = CLASS_NEW; cls <= CLASS_CLOSED; cls++) {
      const s = t.head[cls];
      if (s < 0) continue;
      const f = t.flows[s]!;
      const expiry = f.lastUs + this.timeouts[cls];
      if (expiry < bestExpiry) {
        best = f;
        bestExpiry = expiry;
      }
    }
    if (best === null) return;
    this.stats.evicted++;
    this.end(best, 'forced', nowUs);
  }

  /** Ends the app layer of a TCP flow: held bytes become gaps and data, the parser sees the end. */
  private releaseApp(f: Flow, tsUs: number): void {
    const tcp = f.tcp;
    const streams = f.streams;
    if (tcp === null || streams === null) return;
    if (tcp.detect === DETECT_PARSER || this.streamSink) {
      streams[0].flushAtEnd(tsUs);
      streams[1].flushAtEnd(tsUs);
    }
    tcp.end(tsUs);
    f.releasedGapBytes += streams[0].gapBytes + streams[1].gapBytes;
    if (streams[0].maxRegions > f.releasedRegions0) f.releasedRegions0 = streams[0].maxRegions;
    if (streams[1].maxRegions > f.releasedRegions1) f.releasedRegions1 = streams[1].maxRegions;
    f.tcp = null;
    f.streams = null;
    f.appDone = true;
  }

  private end(f: Flow, reason: FlowEndReason, tsUs: number): void {
    this.table.remove(f.slot);
    this.stats.activeFlows--;
    this.releaseApp(f, tsUs);
    if (f.udp !== null) {
      f.udp.end(tsUs);
      f.udp = null;
    }
    this.sink.onFlowEnd(f, reason, tsUs);
  }
}

/**
 * A flow tracker that detects and parses `protocols` (the pipeline passes proto/'s registry) and hands the sink
 * the parsers' records `R`, the anomalies it raises itself and the ends of flows.
 */
export function createFlowTracker<R extends AppRecordBase>(
  sink: FlowSink<R>,
  protocols: AppProtocols<R>,
  opts: FlowTrackerOptions = {},
): FlowTracker {
  return new FlowTrackerImpl(sink, protocols, opts);
}

/** A packed TTL range (min | max << 8) widened to take `ttl`. */
function widenTtl(range: number, ttl: number): number {
  if (ttl < (range & 255)) return (range & 0xff00) | ttl;
  if (ttl > range >>> 8) return (range & 255) | (ttl << 8);
  return range;
}
