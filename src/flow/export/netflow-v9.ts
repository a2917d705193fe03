/**
 * NetFlow v9 (RFC 3954) export packets: a template FlowSet (sent first and every `templateEvery` packets, as
 * collectors expect after a restart) and data FlowSets, one template for IPv4 and one for IPv6, with the sampling
 * interval carried in every record (SAMPLING_INTERVAL, field 34) and, for a sampled source id, announced in option data
 * with each template refresh — where collectors such as nfdump take it from (sampler-options.ts).
 */
import { writeIpBytes } from '../../address/index.js';
import type { ExportRecord } from './flow-record.js';
import { templateSet } from './template-set.js';
import { v9SamplingOptions } from './sampler-options.js';

const T4 = 256;
const T6 = 257;
const T_SAMPLING = 258;
/** [field type, length] per RFC 3954 §8. */
const COMMON: Array<[number, number]> = [
  [7, 2], // L4_SRC_PORT
  [11, 2], // L4_DST_PORT
  [4, 1], // PROTOCOL
  [6, 1], // TCP_FLAGS
  [2, 8], // IN_PKTS
  [1, 8], // IN_BYTES
  [22, 4], // FIRST_SWITCHED (ms of uptime)
  [21, 4], // LAST_SWITCHED
  [34, 4], // SAMPLING_INTERVAL
];
const FIELDS4: Array<[number, number]> = [[8, 4], [12, 4], ...COMMON];
const FIELDS6: Array<[number, number]> = [[27, 16], [28, 16], ...COMMON];
const recLen = (f: Array<[number, number]>): number => f.reduce((a, [, l]) => a + l, 0);

export class NetflowV9Encoder {
  private sequence = 0;
  private packetsSent = 0;

  constructor(
    private readonly sourceId = 1,
    /**
     * The exporter's "boot" time (ms since the epoch): FIRST/LAST_SWITCHED count from it. 0 = just before the first
     * flow exported, which keeps the 32-bit uptime small for captures replayed long after they were taken.
     */
    private bootMs = 0,
    private readonly templateEvery = 20,
    /** N of 1:N for every record this source id exports; 1 = unsampled, nothing announced. */
    private readonly samplingRate = 1,
  ) {}

  private template(): Buffer {
    return templateSet(0, [
      [T4, FIELDS4],
      [T6, FIELDS6],
    ]);
  }

  private dataSet(id: number, recs: ExportRecord[], nowMs: number): Buffer {
    const len = recLen(id === T4 ? FIELDS4 : FIELDS6);
    const raw = 4 + recs.length * len;
    const b = Buffer.alloc(raw + ((4 - (raw % 4)) % 4));
    b.writeUInt16BE(id, 0);
    b.writeUInt16BE(b.length, 2);
    let o = 4;
    for (const r of recs) {
      o = writeIpBytes(r.src, id === T4 ? 4 : 6, b, o);
      o = writeIpBytes(r.dst, id === T4 ? 4 : 6, b, o);
      b.writeUInt16BE(r.srcPort, o);
      b.writeUInt16BE(r.dstPort, o + 2);
      b.writeUInt8(r.proto, o + 4);
      b.writeUInt8(r.tcpFlags & 0xff, o + 5);
      b.writeBigUInt64BE(BigInt(r.packets), o + 6);
      b.writeBigUInt64BE(BigInt(r.bytes), o + 14);
      b.writeUInt32BE(Math.max(0, r.startMs - this.bootMs) >>> 0, o + 22);
      b.writeUInt32BE(Math.max(0, r.endMs - this.bootMs) >>> 0, o + 26);
      b.writeUInt32BE(r.samplingInterval >>> 0, o + 30);
      o += 34;
    }
    void nowMs;
    return b;
  }

  /** Encodes records into packets of at most `maxRecords` records each. */
  encode(records: ExportRecord[], nowMs: number, maxRecords = 24): Buffer[] {
    const out: Buffer[] = [];
    if (this.bootMs === 0 && records.length > 0)
      this.bootMs = Math.min(...records.map((r) => r.startMs)) - 1000;
    for (let i = 0; i < records.length; i += maxRecords) {
      const chunk = records.slice(i, i + maxRecords);
      const sets: Buffer[] = [];
      let count = 0;
      if (this.packetsSent % this.templateEvery === 0) {
        sets.push(this.template());
        count += 2;
        if (this.samplingRate > 1) {
          sets.push(...v9SamplingOptions(T_SAMPLING, this.sourceId, this.samplingRate));
          count += 2;
        }
      }
      const v4 = chunk.filter((r) => r.ipVersion === 4);
      const v6 = chunk.filter((r) => r.ipVersion === 6);
      if (v4.length) sets.push(this.dataSet(T4, v4, nowMs));
      if (v6.length) sets.push(this.dataSet(T6, v6, nowMs));
      count += chunk.length;
      const h = Buffer.alloc(20);
      h.writeUInt16BE(9, 0);
      h.writeUInt16BE(count, 2);
      h.writeUInt32BE(Math.max(0, nowMs - this.bootMs) >>> 0, 4);
      h.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 8);
      h.writeUInt32BE(this.sequence++ >>> 0, 12);
      h.writeUInt32BE(this.sourceId >>> 0, 16);
      out.push(Buffer.concat([h, ...sets]));
      this.packetsSent++;
    }
    return out;
  }
}
