/**
 * decode → flow → EVE flow records for tests of the flow layer on real captures, without the capture layer:
 * a minimal reader of classic pcap files (pcapng and damaged files are left to the capture layer's own tests),
 * the real PacketDecoder, the flow engine with the given protocol definitions, and flow records as the EVE
 * writer writes them (header, `flow`, `tcp`, `community_id`), read back.
 */
import { readFileSync } from 'node:fs';
import { DecodedPacket, DECODE_OK, DECODE_TRUNCATED } from '../../src/decode/decoded-packet.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { createFlowTracker, type AppProtocols } from '../../src/flow/index.js';
import type { FlowTrackerOptions } from '../../src/flow/options.js';
import type { FlowEndReason, FlowSink, FlowView } from '../../src/flow/types.js';
import { writeFlowRecord } from '../../src/output/eve/flow.js';
import { writtenRecords } from '../helpers/eve-object.js';
import type { Event } from './corpus-compare.js';

/** Flow records of a classic pcap file; undefined when the file is not classic pcap. */
export function classicPcapFlowEvents(
  file: string,
  protocols: AppProtocols,
  opts: FlowTrackerOptions = {},
): Event[] | undefined {
  const b = readFileSync(file);
  if (b.length < 24) return undefined;
  const magicLe = b.readUInt32LE(0);
  const magicBe = b.readUInt32BE(0);
  const le = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
  if (!le && magicBe !== 0xa1b2c3d4 && magicBe !== 0xa1b23c4d) return undefined;
  const nano = magicLe === 0xa1b23c4d || magicBe === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linkType = u32(20) & 0xffff;
  const events: Event[] = [];
  const sink: FlowSink = {
    onAppRecord(): void {},
    onFlowEnd(f: FlowView, reason: FlowEndReason, tsUs: number): void {
      events.push(...writtenRecords((o) => writeFlowRecord(o, f, reason, tsUs, undefined)));
    },
  };
  const engine = createFlowTracker(sink, protocols, opts);
  const decoder = new PacketDecoder();
  const pkt = new DecodedPacket();
  let off = 24;
  let last = 0;
  let nextExpiry = 0;
  while (off + 16 <= b.length) {
    const tsUs = u32(off) * 1e6 + (nano ? Math.floor(u32(off + 4) / 1000) : u32(off + 4));
    const caplen = u32(off + 8);
    const wirelen = u32(off + 12);
    if (off + 16 + caplen > b.length) break;
    if (tsUs >= nextExpiry) {
      engine.advanceTime(tsUs);
      nextExpiry = tsUs + 1_000_000;
    }
    const r = decoder.decode(b, off + 16, caplen, wirelen, tsUs, linkType, pkt);
    if ((r === DECODE_OK || r === DECODE_TRUNCATED) && pkt.ipVersion !== 0) engine.handle(pkt);
    if (tsUs > last) last = tsUs;
    off += 16 + caplen;
  }
  engine.finish(last);
  return events;
}
