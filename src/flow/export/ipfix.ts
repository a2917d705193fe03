/**
 * IPFIX (RFC 7011) export messages: template set (id 2) then data sets, IANA information elements with absolute
 * millisecond timestamps (flowStart/EndMilliseconds) and samplingPacketInterval (305) in every record; a sampled
 * observation domain also announces its rate in option data with each template refresh (sampler-options.ts).
 */
import { writeIpBytes } from '../../address/index.js';
import type { ExportRecord } from './flow-record.js';
import { templateSet } from './template-set.js';
import { ipfixSamplingOptions } from './sampler-options.js';

const T4 = 256;
const T6 = 257;
const T_SAMPLING = 258;
const COMMON: Array<[number, number]> = [
  [7, 2], // sourceTransportPort
  [11, 2], // destinationTransportPort
  [4, 1], // protocolIdentifier
  [6, 2], // tcpControlBits
  [2, 8], // packetDeltaCount
  [1, 8], // octetDeltaCount
  [152, 8], // flowStartMilliseconds
  [153, 8], // flowEndMilliseconds
  [305, 4], // samplingPacketInterval
];
const FIELDS4: Array<[number, number]> = [[8, 4], [12, 4], ...COMMON];
const FIELDS6: Array<[number, number]> = [[27, 16], [28, 16], ...COMMON];
const recLen = (f: Array<[number, number]>): number => f.reduce((a, [, l]) => a + l, 0);

export class IpfixEncoder {
  private sequence = 0;
  private messages = 0;

  constructor(
    private readonly domainId = 1,
    private readonly templateEvery = 20,
    /** N of 1:N for every record of this observation domain; 1 = unsampled, nothing announced. */
    private readonly samplingRate = 1,
  ) {}

  private template(): Buffer {
    return templateSet(2, [
      [T4, FIELDS4],
      [T6, FIELDS6],
    ]);
  }

  private dataSet(id: number, recs: ExportRecord[]): Buffer {
    const b = Buffer.alloc(4 + recs.length * recLen(id === T4 ? FIELDS4 : FIELDS6));
    b.writeUInt16BE(id, 0);
    b.writeUInt16BE(b.length, 2);
    let o = 4;
    for (const r of recs) {
      o = writeIpBytes(r.src, id === T4 ? 4 : 6, b, o);
      o = writeIpBytes(r.dst, id === T4 ? 4 : 6, b, o);
      b.writeUInt16BE(r.srcPort, o);
      b.writeUInt16BE(r.dstPort, o + 2);
      b.writeUInt8(r.proto, o + 4);
      b.writeUInt16BE(r.tcpFlags & 0xfff, o + 5);
      b.writeBigUInt64BE(BigInt(r.packets), o + 7);
      b.writeBigUInt64BE(BigInt(r.bytes), o + 15);
      b.writeBigUInt64BE(BigInt(r.startMs), o + 23);
      b.writeBigUInt64BE(BigInt(r.endMs), o + 31);
      b.writeUInt32BE(r.samplingInterval >>> 0, o + 39);
      o += 43;
    }
    return b;
  }

  encode(records: ExportRecord[], nowMs: number, maxRecords = 24): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < records.length; i += maxRecords) {
      const chunk = records.slice(i, i + maxRecords);
      const sets: Buffer[] = [];
      if (this.messages % this.templateEvery === 0) {
        sets.push(this.template());
        if (this.samplingRate > 1)
          sets.push(...ipfixSamplingOptions(T_SAMPLING, this.domainId, this.samplingRate));
      }
      const v4 = chunk.filter((r) => r.ipVersion === 4);
      const v6 = chunk.filter((r) => r.ipVersion === 6);
      if (v4.length) sets.push(this.dataSet(T4, v4));
      if (v6.length) sets.push(this.dataSet(T6, v6));
      const body = Buffer.concat(sets);
      const h = Buffer.alloc(16);
      h.writeUInt16BE(10, 0);
      h.writeUInt16BE(16 + body.length, 2);
      h.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 4);
      h.writeUInt32BE(this.sequence >>> 0, 8);
      h.writeUInt32BE(this.domainId >>> 0, 12);
      this.sequence += chunk.length;
      this.messages++;
      out.push(Buffer.concat([h, body]));
    }
    return out;
  }
}
