/** Suricata's `anomaly` object: decoder events (`type: decode`) and app-layer events (`type: applayer`). */
import { ipProtoName, type DecodedPacket } from '../../decode/index.js';
import { writeMac } from './arp.js';
import { writeIp } from './header.js';
import { num, raw, str, type EveBytesOut } from './json-out.js';
import { writeEveTimestamp } from './timestamp.js';

/**
 * The header of an anomaly on a packet that has no flow (the decoder gave up on it): its time and capture
 * packet, and its addresses and protocol when the IP header was read.
 */
export function writePacketAnomalyHeader(o: EveBytesOut, pkt: DecodedPacket, ethernet = false): void {
  raw(o, '{"timestamp":');
  writeEveTimestamp(o, pkt.tsUs);
  if (pkt.pcapCnt > 0) {
    raw(o, ',"pcap_cnt":');
    num(o, pkt.pcapCnt);
  }
  raw(o, ',"event_type":"anomaly"');
  if (pkt.ipVersion !== 0) {
    raw(o, ',"src_ip":');
    writeIp(o, pkt.src, pkt.ipVersion);
    raw(o, ',"dest_ip":');
    writeIp(o, pkt.dst, pkt.ipVersion);
    raw(o, ',"proto":');
    str(o, ipProtoName(pkt.proto));
  }
  if (ethernet) writeEther(o, pkt);
}

const LINKTYPE_ETHERNET = 1;

/**
 * eve-log's `ethernet: yes`: the captured frame's Ethernet header as `"ether":{…}`, the type as the number on the
 * wire (Suricata 8.0.0–8.0.1 wrote it byte-swapped; 8.0.2 fixed that). Nothing for frames of other link types.
 */
function writeEther(o: EveBytesOut, pkt: DecodedPacket): void {
  if (pkt.linkType !== LINKTYPE_ETHERNET || pkt.frameLen < 14) return;
  const b = pkt.frameBuf;
  const f = pkt.frameOff;
  raw(o, ',"ether":{"ether_type":');
  num(o, (b[f + 12] << 8) | b[f + 13]);
  raw(o, ',"src_mac":');
  writeMac(o, b, f + 6);
  raw(o, ',"dest_mac":');
  writeMac(o, b, f);
  raw(o, '}');
}

/** `"anomaly":{"type":"decode","event":…}` */
export function writeDecodeAnomaly(o: EveBytesOut, event: string): void {
  raw(o, '"anomaly":{"type":"decode","event":');
  str(o, event);
  raw(o, '}');
}

/**
 * `"anomaly":{…}` for an event a protocol parser raised. An event of the flow's own protocol (`dns.invalid_opcode`
 * on a DNS flow, or libhtp's bare `REQUEST_LINE_MISSING_PROTOCOL` on HTTP) is written as Suricata's anomaly log
 * writes it: `{"app_proto":"dns","type":"applayer","event":"invalid_opcode","layer":"proto_parser"}`. moat's
 * own events of another layer (`x509.*`, `stream.*`) keep their qualified name, their layer being the prefix.
 */
export function writeAppLayerAnomaly(o: EveBytesOut, appProto: string, event: string, detail?: string): void {
  const dot = event.indexOf('.');
  const layer = dot > 0 ? event.slice(0, dot) : appProto;
  if (layer === appProto) {
    raw(o, '"anomaly":{"app_proto":');
    str(o, appProto);
    raw(o, ',"type":"applayer","event":');
    str(o, dot > 0 ? event.slice(dot + 1) : event);
    raw(o, ',"layer":"proto_parser"');
  } else {
    raw(o, '"anomaly":{"type":"applayer","event":');
    str(o, event);
    raw(o, ',"layer":');
    str(o, layer);
  }
  if (detail) {
    raw(o, ',"detail":');
    str(o, detail);
  }
  raw(o, '}');
}
