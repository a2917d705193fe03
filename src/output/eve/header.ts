/**
 * The fields every EVE record starts with, in Suricata's order and names, so SIEM pipelines built for
 * Suricata ingest moat's output unchanged: timestamp, flow_id, pcap_cnt, event_type, in_iface, vlan, src_ip,
 * src_port, dest_ip, dest_port, ip_v, proto.
 */
import { formatIp } from '../../address/index.js';
import { ipProtoName, type DecodedPacket } from '../../decode/index.js';
import type { FlowView } from '../../flow/index.js';
import { writeEveTimestamp } from './timestamp.js';
import { num, raw, str, type EveBytesOut } from './json-out.js';

/** An EVE record read back as an object (JSON.parse of a line): what in-process consumers and alert channels get. */
export type EveEvent = Record<string, unknown> & { event_type: string; timestamp: string };

/** An address as formatIp writes it, quoted, straight into the output (IPv4 without a string in between). */
export function writeIp(o: EveBytesOut, words: ArrayLike<number>, ipVersion: number): void {
  if (ipVersion !== 4) {
    str(o, formatIp(words, ipVersion));
    return;
  }
  const a = words[3] >>> 0;
  raw(o, '"');
  num(o, a >>> 24);
  raw(o, '.');
  num(o, (a >>> 16) & 255);
  raw(o, '.');
  num(o, (a >>> 8) & 255);
  raw(o, '.');
  num(o, a & 255);
  raw(o, '"');
}

/** `{"timestamp":…,"flow_id":…[,"pcap_cnt":…],"event_type":"…"` — the opening every record about a flow has. */
function writeOpening(
  o: EveBytesOut,
  eventType: string,
  tsUs: number,
  flowId: number,
  pcapCnt: number,
): void {
  raw(o, '{"timestamp":');
  writeEveTimestamp(o, tsUs);
  raw(o, ',"flow_id":');
  num(o, flowId);
  // pcap_cnt (the packet that produced the event) sits between flow_id and event_type, as Suricata orders it.
  if (pcapCnt > 0) {
    raw(o, ',"pcap_cnt":');
    num(o, pcapCnt);
  }
  raw(o, ',"event_type":"');
  raw(o, eventType);
  raw(o, '"');
}

/** How a record names the flow's endpoints when not as the flow has them. */
export interface TupleView {
  /** The responder is written as the source: the record is about traffic from the server. */
  reverse?: boolean;
  /** Replaces the written source or destination address (an alert's X-Forwarded-For client). */
  srcIp?: string;
  destIp?: string;
}

/** `,"in_iface":…,"vlan":[…],"src_ip":…,"src_port":…,"dest_ip":…,"dest_port":…,"ip_v":…,"proto":…` */
function writeTuple(o: EveBytesOut, flow: FlowView, iface: string | undefined, view: TupleView): void {
  if (iface) {
    raw(o, ',"in_iface":');
    str(o, iface);
  }
  if (flow.vlan.length > 0) {
    raw(o, ',"vlan":[');
    for (let i = 0; i < flow.vlan.length; i++) {
      if (i > 0) raw(o, ',');
      num(o, flow.vlan[i]);
    }
    raw(o, ']');
  }
  const hasPorts = flow.proto === 6 || flow.proto === 17 || flow.proto === 132;
  const rev = view.reverse === true;
  raw(o, ',"src_ip":');
  if (view.srcIp !== undefined) str(o, view.srcIp);
  else writeIp(o, rev ? flow.dst : flow.src, flow.ipVersion);
  if (hasPorts) {
    raw(o, ',"src_port":');
    num(o, rev ? flow.dstPort : flow.srcPort);
  }
  raw(o, ',"dest_ip":');
  if (view.destIp !== undefined) str(o, view.destIp);
  else writeIp(o, rev ? flow.src : flow.dst, flow.ipVersion);
  if (hasPorts) {
    raw(o, ',"dest_port":');
    num(o, rev ? flow.srcPort : flow.dstPort);
  }
  // Suricata 8 names the IP version of every event's tuple.
  raw(o, ',"ip_v":');
  num(o, flow.ipVersion);
  raw(o, ',"proto":');
  str(o, ipProtoName(flow.proto));
  // ESP flows are one security association each: its SPI (kept in the ports' place), as Suricata names it.
  if (flow.proto === 50) {
    raw(o, ',"spi":');
    num(o, flow.srcPort * 65536 + flow.dstPort);
  }
}

const FLOW_VIEW: TupleView = {};

/**
 * Opens a record about `flow` (`{` … `"proto":"TCP"`), its tuple in the flow's direction. `pcapCnt` > 0 names the
 * capture packet that produced the event (Suricata's `pcap_cnt`). `eventType` is a plain word.
 */
export function writeEveHeader(
  o: EveBytesOut,
  eventType: string,
  tsUs: number,
  flow: FlowView,
  iface: string | undefined,
  pcapCnt = 0,
): void {
  writeOpening(o, eventType, tsUs, flow.id, pcapCnt);
  // The rest is the same in every record about the flow: encoded once, then copied.
  const cached = flow.eveTuple;
  if (cached !== undefined) {
    o.room(cached.length);
    o.pos += o.buf.write(cached, o.pos, 'latin1');
    return;
  }
  const start = o.pos;
  writeTuple(o, flow, iface, FLOW_VIEW);
  // Kept as a one-byte string holding the encoded bytes (latin1 maps bytes to characters one to one): a small
  // string lives and dies in the young generation, where thousands of small Buffers would hold 8 KiB pools.
  flow.eveTuple = o.buf.toString('latin1', start, o.pos);
}

/** writeEveHeader with the tuple seen another way (reversed, an address replaced): alerts. */
export function writeEveHeaderAs(
  o: EveBytesOut,
  eventType: string,
  tsUs: number,
  flow: FlowView,
  iface: string | undefined,
  pcapCnt: number,
  view: TupleView,
): void {
  if (view.reverse !== true && view.srcIp === undefined && view.destIp === undefined) {
    writeEveHeader(o, eventType, tsUs, flow, iface, pcapCnt);
    return;
  }
  writeOpening(o, eventType, tsUs, flow.id, pcapCnt);
  writeTuple(o, flow, iface, view);
}

/**
 * The header of a record about one packet with no flow (a flowless alert, an ARP record): time, capture packet,
 * event type, interface, VLANs, and the addresses and protocol when an IP header was read.
 */
export function writeFlowlessPacketHeader(
  o: EveBytesOut,
  pkt: DecodedPacket,
  eventType: string,
  iface: string | undefined,
): void {
  raw(o, '{"timestamp":');
  writeEveTimestamp(o, pkt.tsUs);
  if (pkt.pcapCnt > 0) {
    raw(o, ',"pcap_cnt":');
    num(o, pkt.pcapCnt);
  }
  raw(o, ',"event_type":');
  str(o, eventType);
  if (iface) {
    raw(o, ',"in_iface":');
    str(o, iface);
  }
  if (pkt.vlanCount > 0) {
    raw(o, ',"vlan":[');
    for (let i = 0; i < pkt.vlanCount; i++) {
      if (i > 0) raw(o, ',');
      num(o, pkt.vlan[i]);
    }
    raw(o, ']');
  }
  if (pkt.ipVersion !== 0) {
    raw(o, ',"src_ip":');
    writeIp(o, pkt.src, pkt.ipVersion);
    raw(o, ',"dest_ip":');
    writeIp(o, pkt.dst, pkt.ipVersion);
    raw(o, ',"ip_v":');
    num(o, pkt.ipVersion);
    raw(o, ',"proto":');
    str(o, ipProtoName(pkt.proto));
  }
}
