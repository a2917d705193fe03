/**
 * The packet path of one thread: decode → flow → (app parsers inside the flow layer) → EVE events.
 * One Pipeline is a PacketSink; a source pushes packets into it. With N workers one thread reads the input
 * and hands each worker's Pipeline the packets of its shard of flows (by a symmetric flow hash, so both
 * directions of a flow land in the same worker, as Suricata's workers do); see pipeline/dispatch.
 */
import type { PacketSink } from '../capture/index.js';
import {
  DecodedPacket,
  DECODE_ERROR,
  DECODE_FRAGMENT_HELD,
  DECODE_NOT_IP,
  DECODE_TRUNCATED,
} from '../decode/index.js';
import { PacketDecoder } from '../decode/index.js';
import {
  createFlowTracker,
  symmetricFlowHash,
  type FlowTracker,
  type FlowTrackerOptions,
} from '../flow/index.js';
import { appProtocolsWith, type HttpParseOptions } from '../proto/index.js';
import { EveEventBuilder, type EveCustomFields, type EveTypeFilter } from './eve-events.js';
import { emptyStats, type AnalysisStats } from './stats.js';
import { ShardMap } from './dispatch/shard-map.js';
import { ExpiryClock } from './expiry-clock.js';
import type { Inspector } from './inspector.js';
import type { EveBytesOut } from '../output/index.js';
import type { AlertOutputOptions } from '../output/index.js';
import type { AlertSink } from '../output/index.js';

export interface PipelineOptions {
  /** This pipeline's shard and the shard count (workers); 0 of 1 when single-threaded. */
  shardIndex?: number;
  shardCount?: number;
  flow?: FlowTrackerOptions;
  eveTypes?: EveTypeFilter;
  eveCustom?: EveCustomFields;
  /** Interface name written as `in_iface` (live capture). */
  iface?: string;
  /** Inspection stage (TLS monitor, rules …), in order. */
  inspectors?: Inspector[];
  /** suricata.yaml's alert options (payload, packet, X-Forwarded-For). */
  alertOutput?: AlertOutputOptions;
  /** Where alerts that name alert channels are delivered. */
  alertChannels?: AlertSink;
  /** HTTP parsing settings (libhtp's decompression limits). */
  http?: HttpParseOptions;
  /** Flow time is advanced only by advanceClock (a worker fed by the dispatcher's ticks), not by packets. */
  externalClock?: boolean;
}

export class Pipeline implements PacketSink {
  readonly stats: AnalysisStats = emptyStats();
  private readonly pkt = new DecodedPacket();
  private readonly decoder = new PacketDecoder();
  private readonly flows: FlowTracker;
  /** The tunnel depth is part of the flow key (decoder.recursion-level.use-for-tracking): sharding agrees. */
  private readonly tunnelKeyed: boolean;
  private readonly eve: EveEventBuilder;
  private readonly shardIndex: number;
  private readonly shardCount: number;
  private readonly shardMap: ShardMap;
  private readonly expiry = new ExpiryClock();
  private packetNo = 0;
  private readonly externalClock: boolean;
  /** ARP packets are written as `arp` records (an opt-in event type). */
  private readonly arp: boolean;

  /** `out`: where EVE lines are written (the file writer, a line collector). */
  constructor(out: EveBytesOut, opts: PipelineOptions = {}) {
    this.shardIndex = opts.shardIndex ?? 0;
    this.shardCount = opts.shardCount ?? 1;
    this.shardMap = new ShardMap(this.shardCount);
    this.externalClock = opts.externalClock ?? false;
    this.eve = new EveEventBuilder(out, this.stats, {
      types: opts.eveTypes,
      iface: opts.iface,
      inspectors: opts.inspectors,
      custom: opts.eveCustom,
      alertOutput: opts.alertOutput,
      alertChannels: opts.alertChannels,
    });
    this.arp = this.eve.wants('arp');
    // The flow layer names no protocol: the parsers it probes for are proto/'s registry, handed in here.
    // Flow ids stay unique across workers when each knows its shard.
    this.tunnelKeyed = opts.flow?.recursionTracking !== false;
    this.flows = createFlowTracker(this.eve, appProtocolsWith({ http: opts.http }), {
      ...opts.flow,
      shard: { index: this.shardIndex, count: this.shardCount },
    });
  }

  onPacket(buf: Buffer, off: number, caplen: number, wirelen: number, tsUs: number, linkType: number): void {
    this.onDispatched(buf, off, caplen, wirelen, tsUs, linkType, ++this.packetNo, false);
  }

  /** A tick of flow time from the dispatcher: idle flows are looked for now, as one thread would at this packet. */
  advanceClock(tsUs: number): void {
    this.flows.advanceTime(tsUs);
  }

  /**
   * A packet from the dispatcher, with its number in the whole capture (`pcap_cnt`). `broadcast`: the
   * dispatcher could not place it without a full decode (fragments, tunnels, ICMP …), so every worker gets it,
   * decodes it, and keeps it only if the flow is this shard's; packet-level problems are then counted and
   * reported by shard 0 alone, so they appear once. Otherwise it belongs to this shard's flows.
   */
  onDispatched(
    buf: Buffer,
    off: number,
    caplen: number,
    wirelen: number,
    tsUs: number,
    linkType: number,
    pcapCnt: number,
    broadcast: boolean,
  ): void {
    const s = this.stats;
    const reports = !broadcast || this.shardIndex === 0;
    if (reports) {
      s.packets++;
      s.bytes += wirelen;
      if (s.firstUs === 0) s.firstUs = tsUs;
      if (tsUs > s.lastUs) s.lastUs = tsUs;
    }
    // Flow timeouts run on packet time, so a pcap gives the same answer as live traffic.
    if (!this.externalClock && this.expiry.due(tsUs)) this.flows.advanceTime(tsUs);
    const pkt = this.pkt;
    pkt.tsUs = tsUs;
    const r = this.decoder.decodeAt(buf, off, caplen, wirelen, linkType, pkt);
    pkt.pcapCnt = pcapCnt;
    if (this.arp && pkt.arpOff >= 0 && reports) this.eve.arp(pkt);
    if (r === DECODE_NOT_IP || r === DECODE_FRAGMENT_HELD) {
      if (r === DECODE_NOT_IP && reports) s.nonIp++;
      // A held fragment or a frame that is not IP reaches no flow; its decoder events still reach the rules.
      if (pkt.eventCount > 0 && reports) {
        this.eve.decodeAnomaly(pkt);
        this.eve.flowlessPacket(pkt);
      }
      return;
    }
    if (r === DECODE_ERROR) {
      if (reports) {
        s.decodeErrors++;
        if (pkt.anomaly !== '') this.eve.decodeAnomaly(pkt);
        if (pkt.eventCount > 0) this.eve.flowlessPacket(pkt);
      }
      return;
    }
    // Events on packets that still decode (an overlapping fragment, a header longer than the packet) are reported too.
    if (pkt.anomaly !== '' && reports) this.eve.decodeAnomaly(pkt);
    if (
      broadcast &&
      this.shardCount > 1 &&
      this.shardMap.of(symmetricFlowHash(pkt, this.tunnelKeyed)) !== this.shardIndex
    )
      return;
    if (r === DECODE_TRUNCATED) s.truncated++;
    if (pkt.ipVersion === 0) {
      if (pkt.eventCount > 0 && reports) this.eve.flowlessPacket(pkt);
      return;
    }
    this.eve.pcapCnt = pcapCnt;
    this.eve.packet = pkt;
    this.flows.handle(pkt);
    // Records written later (flow timeouts, end of input) come from no packet.
    this.eve.pcapCnt = 0;
    this.eve.packet = undefined;
  }

  /**
   * End of input: every flow is written with reason 'shutdown', at `endUs` (a worker is told the input's last
   * packet time, which may belong to another shard) or this pipeline's last packet time.
   */
  finish(endUs?: number): AnalysisStats {
    this.flows.finish(endUs ?? this.stats.lastUs);
    const fs = this.flows.stats;
    this.stats.tcpGaps = fs.tcpGaps;
    return this.stats;
  }
}
