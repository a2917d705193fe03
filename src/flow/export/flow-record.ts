/** One direction of a finished flow, as NetFlow/IPFIX export it (they count unidirectional flows). */
import type { FlowView } from '../types.js';

export interface ExportRecord {
  ipVersion: number;
  src: Uint32Array;
  dst: Uint32Array;
  srcPort: number;
  dstPort: number;
  proto: number;
  tcpFlags: number;
  packets: number;
  bytes: number;
  startMs: number;
  endMs: number;
  /** 1 = every packet; N = 1-in-N sampling (the counts are of the sampled packets). */
  samplingInterval: number;
}

/** A bidirectional flow → up to two records (client → server, server → client), empty directions left out. */
export function recordsOf(f: FlowView, samplingInterval = 1): ExportRecord[] {
  const out: ExportRecord[] = [];
  const startMs = Math.floor(f.startUs / 1000);
  const endMs = Math.floor(f.lastUs / 1000);
  for (const dir of [0, 1] as const) {
    const packets = f.pkts[dir];
    if (packets === 0) continue;
    out.push({
      ipVersion: f.ipVersion,
      src: dir === 0 ? f.src : f.dst,
      dst: dir === 0 ? f.dst : f.src,
      srcPort: dir === 0 ? f.srcPort : f.dstPort,
      dstPort: dir === 0 ? f.dstPort : f.srcPort,
      proto: f.proto,
      tcpFlags: f.tcpFlags[dir],
      packets,
      bytes: f.bytes[dir],
      startMs,
      endMs,
      samplingInterval,
    });
  }
  return out;
}
