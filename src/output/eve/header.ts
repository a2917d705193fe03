/**
 * The fields every EVE record starts with, in Suricata's order and names, so SIEM pipelines built for
 * Suricata ingest moat's output unchanged.
 */
import { formatIp } from '../../decode/address.js';
import type { FlowView } from '../../flow/types.js';
import { formatEveTimestamp } from './timestamp.js';

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
