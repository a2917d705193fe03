/** EVE `alert` events in Suricata's shape: the header of the flow (oriented as the packet went), then `alert`. */
import type { FlowView } from '../flow/types.js';
import type { DecodedPacket } from '../decode/decoded-packet.js';
import { eveHeader, type EveEvent } from '../output/eve/header.js';
import type { Rule } from './rule.js';
import { CLASSTYPES } from './classtypes.js';
import { tryParseIp } from '../address/index.js';

/** The `eve-log` alert options of suricata.yaml (`payload`, `payload-printable`, `packet`): all off by default. */
export interface AlertOutputOptions {
  payload?: boolean;
  payloadPrintable?: boolean;
  packet?: boolean;
  /** X-Forwarded-For on HTTP alerts: the client address behind a proxy, added (`extra-data`) or written in. */
  xff?: { mode: 'extra-data' | 'overwrite'; deployment: 'reverse' | 'forward'; header: string };
}

/**
 * The client address an X-Forwarded-For style header names: the last entry when the sensor sits in front of
 * a reverse proxy (deployment reverse), the first for a forward proxy; undefined when it is not an IP.
 */
export function xffAddress(
  headers: ReadonlyArray<[string, string]>,
  xff: NonNullable<AlertOutputOptions['xff']>,
): string | undefined {
  const h = xff.header.toLowerCase();
  const value = headers.find(([k]) => k.toLowerCase() === h)?.[1];
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  const ip = xff.deployment === 'reverse' ? list[list.length - 1] : list[0];
  // Only a real address (Suricata checks with inet_pton), written as the header gave it.
  return ip !== undefined && tryParseIp(ip) ? ip : undefined;
}

/** Applies the xff option to an HTTP alert. */
export function applyXff(
  ev: EveEvent,
  dir: number,
  headers: ReadonlyArray<[string, string]>,
  out: AlertOutputOptions,
): void {
  if (!out.xff) return;
  const ip = xffAddress(headers, out.xff);
  if (ip === undefined) return;
  if (out.xff.mode === 'extra-data') (ev.alert as Record<string, unknown>).xff = ip;
  else if (dir === 0) ev.src_ip = ip;
  else ev.dest_ip = ip;
}

/** Link type names as Suricata 8 writes them in `packet_info.linktype_name`. */
const LINKTYPE_NAMES: Record<number, string> = {
  0: 'NULL',
  1: 'EN10MB',
  9: 'PPP',
  12: 'RAW',
  101: 'RAW',
  104: 'C_HDLC',
  113: 'LINUX_SLL',
  228: 'IPv4',
  229: 'IPv6',
  276: 'LINUX_SLL2',
};

/** Suricata's lossy printable form: printable ASCII, CR and LF kept, every other byte written as '.'. */
export function printable(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += (c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d ? String.fromCharCode(c) : '.';
  return s;
}

export function alertEve(
  rule: Rule,
  flow: FlowView,
  dir: number,
  tsUs: number,
  iface?: string,
  blocked = false,
  pkt?: DecodedPacket,
  out: AlertOutputOptions = {},
  pcapCnt = pkt?.pcapCnt ?? 0,
): EveEvent {
  const ev = eveHeader('alert', tsUs, flow, iface, dir === 1, pcapCnt);
  // ICMP alerts carry the triggering packet's type and code after `proto`, as Suricata writes them.
  if (pkt && (pkt.proto === 1 || pkt.proto === 58)) {
    ev.icmp_type = pkt.icmpType;
    ev.icmp_code = pkt.icmpCode;
  }
  if (pkt) ev.pkt_src = 'wire/pcap';
  if (flow.appProto !== 'unknown') ev.app_proto = flow.appProto;
  ev.direction = dir === 0 ? 'to_server' : 'to_client';
  const cls = rule.classtype ? CLASSTYPES[rule.classtype] : undefined;
  const alert: Record<string, unknown> = {
    action: blocked ? 'blocked' : 'allowed',
    gid: rule.gid,
    signature_id: rule.sid,
    rev: rule.rev,
    signature: rule.msg,
    category: cls?.[0] ?? '',
    severity: rule.priority ?? cls?.[1] ?? 3,
  };
  if (Object.keys(rule.metadata).length > 0) alert.metadata = rule.metadata;
  ev.alert = alert;
  if (pkt) addPacketFields(ev, pkt, out);
  return ev;
}

/** An alert raised on reassembled stream bytes at the flow's end: Suricata's pkt_src and `stream: 1`. */
export function streamAlertEve(
  rule: Rule,
  flow: FlowView,
  dir: number,
  tsUs: number,
  payload: Buffer,
  out: AlertOutputOptions,
  iface?: string,
): EveEvent {
  const ev = alertEve(rule, flow, dir, tsUs, iface, false, undefined, out);
  ev.pkt_src = 'stream (flow timeout)';
  if (out.payload) ev.payload = payload.toString('base64');
  if (out.payloadPrintable) ev.payload_printable = printable(payload);
  if (out.payload || out.payloadPrintable) ev.stream = 1;
  return ev;
}

/** `payload`, `payload_printable`, `stream` and `packet` for an alert raised on one packet (not the stream). */
function addPacketFields(ev: EveEvent, pkt: DecodedPacket, out: AlertOutputOptions): void {
  const payload = pkt.buf.subarray(pkt.payloadOff, pkt.payloadOff + pkt.payloadLen);
  if (out.payload) ev.payload = Buffer.from(payload).toString('base64');
  if (out.payloadPrintable) ev.payload_printable = printable(payload);
  if (out.payload || out.payloadPrintable) ev.stream = 0;
  if (out.packet && pkt.frameLen > 0) {
    ev.packet = Buffer.from(pkt.frameBuf.subarray(pkt.frameOff, pkt.frameOff + pkt.frameLen)).toString(
      'base64',
    );
    const name = LINKTYPE_NAMES[pkt.linkType];
    ev.packet_info =
      name !== undefined ? { linktype: pkt.linkType, linktype_name: name } : { linktype: pkt.linkType };
  }
}
