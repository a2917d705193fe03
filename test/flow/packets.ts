/** Hand-built DecodedPackets for the flow tests: one reused instance, as the decoder hands them on. */
import { parseIp } from '../../src/address/index.js';
import { DecodedPacket, IPPROTO_TCP } from '../../src/decode/decoded-packet.js';
import type { AppRecordBase } from '../../src/flow/index.js';
import type { FlowEndReason, FlowSink, FlowView } from '../../src/flow/types.js';

export interface PacketSpec {
  src: string;
  dst: string;
  sp?: number;
  dp?: number;
  proto?: number;
  flags?: number;
  seq?: number;
  ack?: number;
  payload?: Buffer | string;
  ts: number;
  wireLen?: number;
  vlan?: number[];
  icmpType?: number;
  icmpCode?: number;
}

const shared = new DecodedPacket();

/** Fills the shared packet (the previous contents are overwritten, like the real decoder does). */
export function packet(p: PacketSpec): DecodedPacket {
  const pkt = shared;
  pkt.reset();
  const s = parseIp(p.src);
  const d = parseIp(p.dst);
  if (!s || !d) throw new Error(`bad address in ${JSON.stringify(p)}`);
  pkt.ipVersion = s.version;
  pkt.src.set(s.words);
  pkt.dst.set(d.words);
  pkt.proto = p.proto ?? IPPROTO_TCP;
  pkt.srcPort = p.sp ?? 0;
  pkt.dstPort = p.dp ?? 0;
  pkt.tcpFlags = p.flags ?? 0;
  pkt.tcpSeq = (p.seq ?? 0) >>> 0;
  pkt.tcpAck = (p.ack ?? 0) >>> 0;
  pkt.icmpType = p.icmpType ?? 0;
  pkt.icmpCode = p.icmpCode ?? 0;
  pkt.tsUs = p.ts;
  const payload =
    typeof p.payload === 'string' ? Buffer.from(p.payload, 'latin1') : (p.payload ?? Buffer.alloc(0));
  // Put the payload behind 54 bytes of fake headers, in a buffer that is scribbled over afterwards.
  const buf = Buffer.alloc(54 + payload.length, 0xee);
  payload.copy(buf, 54);
  pkt.buf = buf;
  pkt.payloadOff = 54;
  pkt.payloadLen = payload.length;
  pkt.wireLen = p.wireLen ?? 54 + payload.length;
  pkt.vlanCount = p.vlan?.length ?? 0;
  for (let i = 0; i < pkt.vlanCount; i++) pkt.vlan[i] = p.vlan![i];
  return pkt;
}

export interface EndedFlow {
  flow: FlowView;
  reason: FlowEndReason;
  tsUs: number;
  /** Snapshot at end time (FlowView fields may be read later). */
  pkts: [number, number];
  bytes: [number, number];
  state: string;
  src: string;
  srcPort: number;
  dstPort: number;
}

/** A sink that records what the engine hands on. */
export class RecordingSink implements FlowSink {
  readonly ended: EndedFlow[] = [];
  readonly records: { flow: FlowView; record: AppRecordBase; tsUs: number }[] = [];
  readonly anomalies: { flow: FlowView | null; event: string }[] = [];

  onAppRecord(flow: FlowView, record: AppRecordBase, tsUs: number): void {
    this.records.push({ flow, record, tsUs });
  }

  onFlowEnd(flow: FlowView, reason: FlowEndReason, tsUs: number): void {
    this.ended.push({
      flow,
      reason,
      tsUs,
      pkts: [flow.pkts[0], flow.pkts[1]],
      bytes: [flow.bytes[0], flow.bytes[1]],
      state: flow.state,
      src: `${flow.src[3] >>> 24}.${(flow.src[3] >>> 16) & 255}.${(flow.src[3] >>> 8) & 255}.${flow.src[3] & 255}`,
      srcPort: flow.srcPort,
      dstPort: flow.dstPort,
    });
  }

  onPacketAnomaly(flow: FlowView | null, event: string): void {
    this.anomalies.push({ flow, event });
  }
}
