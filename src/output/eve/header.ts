/**
 * The fields every EVE record starts with, in Suricata's order and names, so SIEM pipelines built for
 * Suricata ingest moat's output unchanged.
 */
import { formatIp } from '../../address/index.js';
import type { FlowView } from '../../flow/types.js';
import { formatEveTimestamp, writeEveTimestamp } from './timestamp.js';
import { num, raw, str, type EveBytesOut } from './json-out.js';

export type EveEvent = Record<string, unknown> & { event_type: string; timestamp: string };

const PROTO_NAMES: Record<number, string> = {
  1: 'ICMP',
  6: 'TCP',
  17: 'UDP',
  47: 'GRE',
  58: 'IPv6-ICMP',
  132: 'SCTP',
};

export function protoName(proto: number): string {
  return PROTO_NAMES[proto] ?? String(proto);
}

/**
 * Builds the common header for an event about `flow`. `reverse` writes the responder as source, as
 * Suricata does for records produced by the server side. `pcapCnt` > 0 names the capture packet that produced
 * the event (Suricata's `pcap_cnt`).
 */
export function eveHeader(
  eventType: string,
  tsUs: number,
  flow: FlowView,
  iface: string | undefined,
  reverse = false,
  pcapCnt = 0,
): EveEvent {
  // pcap_cnt (the packet that produced the event) sits between flow_id and event_type, as Suricata orders it.
  const ev: EveEvent =
    pcapCnt > 0
      ? { timestamp: formatEveTimestamp(tsUs), flow_id: flow.id, pcap_cnt: pcapCnt, event_type: eventType }
      : { timestamp: formatEveTimestamp(tsUs), flow_id: flow.id, event_type: eventType };
  if (iface) ev.in_iface = iface;
  if (flow.vlan.length > 0) ev.vlan = [...flow.vlan];
  const a = formatIp(flow.src, flow.ipVersion);
  const b = formatIp(flow.dst, flow.ipVersion);
  const hasPorts = flow.proto === 6 || flow.proto === 17 || flow.proto === 132;
  if (reverse) {
    ev.src_ip = b;
    if (hasPorts) ev.src_port = flow.dstPort;
    ev.dest_ip = a;
    if (hasPorts) ev.dest_port = flow.srcPort;
  } else {
    ev.src_ip = a;
    if (hasPorts) ev.src_port = flow.srcPort;
    ev.dest_ip = b;
    if (hasPorts) ev.dest_port = flow.dstPort;
  }
  // Suricata 8 names the IP version of every event's tuple.
  ev.ip_v = flow.ipVersion;
  ev.proto = protoName(flow.proto);
  return ev;
}

/** An address as formatIp writes it, quoted, straight into the output (IPv4 without a string in between). */
function writeIp(o: EveBytesOut, words: ArrayLike<number>, ipVersion: number): void {
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

/**
 * eveHeader's fields written straight into the output, opening the record (`{` … `"proto":"TCP"`), in the
 * same order and with the same rules (the flow's direction, no `reverse`). `eventType` is a plain word.
 */
export function writeEveHeader(
  o: EveBytesOut,
  eventType: string,
  tsUs: number,
  flow: FlowView,
  iface: string | undefined,
  pcapCnt = 0,
): void {
  raw(o, '{"timestamp":');
  writeEveTimestamp(o, tsUs);
  raw(o, ',"flow_id":');
  num(o, flow.id);
  if (pcapCnt > 0) {
    raw(o, ',"pcap_cnt":');
    num(o, pcapCnt);
  }
  raw(o, ',"event_type":"');
  raw(o, eventType);
  raw(o, '"');
  // The rest is the same in every record about the flow: encoded once, then copied.
  const cached = flow.eveTuple;
  if (cached !== undefined) {
    o.room(cached.length);
    o.pos += o.buf.write(cached, o.pos, 'latin1');
    return;
  }
  const start = o.pos;
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
  raw(o, ',"src_ip":');
  writeIp(o, flow.src, flow.ipVersion);
  if (hasPorts) {
    raw(o, ',"src_port":');
    num(o, flow.srcPort);
  }
  raw(o, ',"dest_ip":');
  writeIp(o, flow.dst, flow.ipVersion);
  if (hasPorts) {
    raw(o, ',"dest_port":');
    num(o, flow.dstPort);
  }
  raw(o, ',"ip_v":');
  num(o, flow.ipVersion);
  raw(o, ',"proto":');
  str(o, protoName(flow.proto));
  // Kept as a one-byte string holding the encoded bytes (latin1 maps bytes to characters one to one): a small
  // string lives and dies in the young generation, where thousands of small Buffers would hold 8 KiB pools.
  flow.eveTuple = o.buf.toString('latin1', start, o.pos);
}
