/**
 * EVE `alert` records, rendered from the inspectors' findings where they were raised. Rule alerts follow
 * Suricata's layout (the tuple oriented as the matching traffic went, `direction`, the record's object for
 * app-layer matches, the packet or stream payload options); moat's own checks write theirs under `moat`.
 */
import { tryParseIp } from '../../address/index.js';
import { ipProtoName, type DecodedPacket } from '../../decode/index.js';
import type {
  Alert,
  CacheAlert,
  ModelAlert,
  ReviewAlert,
  RuleAlert,
  Signature,
  TlsAlert,
} from '../../finding/index.js';
import type { FlowView } from '../../flow/index.js';
import {
  writeEveHeader,
  writeEveHeaderAs,
  writeFlowlessPacketHeader,
  writeIp,
  type TupleView,
} from './header.js';
import { bool, json, num, raw, str, type EveBytesOut } from './json-out.js';
import { writeEveTimestamp } from './timestamp.js';
import { writeFlowObjectStart, writeTrafficTags } from './flow.js';

/** The `eve-log` alert options of suricata.yaml (`payload`, `payload-printable`, `packet`): all off by default. */
export interface AlertOutputOptions {
  payload?: boolean;
  payloadPrintable?: boolean;
  packet?: boolean;
  /** `tagged-packets`: the packets a rule's `tag` marked are written as `packet` events. */
  taggedPackets?: boolean;
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

/** The record an alert was raised on: what rule alerts copy of it. */
export interface AlertRecord {
  /** Writes the record's member (`"tls":{…}`), as its own event has it. */
  writeMember(o: EveBytesOut): void;
  /** HTTP: the transaction's index in its connection (`tx_id`) and its request headers (X-Forwarded-For). */
  txId?: number;
  requestHeaders?: ReadonlyArray<[string, string]>;
}

/**
 * Where an alert was raised, as the output knows it: on a record (`record`), on a packet (`pkt`), or at the
 * flow's end (neither).
 */
export interface AlertPlace {
  flow: FlowView;
  tsUs: number;
  iface: string | undefined;
  /** The capture packet being processed; 0 outside one (timeouts, end of input). */
  pcapCnt: number;
  record?: AlertRecord;
  pkt?: DecodedPacket;
  /** A record's alert: the capture packet whose processing completed the record (its frame is `packet`). */
  recordPkt?: DecodedPacket;
}

/** Writes one alert as a whole record (`{` … `}`, no line end). */
export function writeAlertRecord(o: EveBytesOut, a: Alert, at: AlertPlace, opts: AlertOutputOptions): void {
  switch (a.kind) {
    case 'rule-alert':
      writeRuleAlert(o, a, at, opts);
      return;
    case 'tls-alert':
      writeTlsAlert(o, a, at);
      return;
    case 'cache-alert':
      writeCacheAlert(o, a, at);
      return;
    case 'model-alert':
      writeModelAlert(o, a, at);
      return;
    case 'review-alert':
      writeReviewAlert(o, a, at);
      return;
  }
}

/** The encoded `alert` member opening of each signature and action (rules' signatures live as long as their rules). */
const alertMembers = new WeakMap<Signature, Partial<Record<string, string>>>();

/**
 * `"alert":{"action":…,"gid":…,"signature_id":…,"rev":…,"signature":…,"category":…,"severity":…,"metadata":…`,
 * encoded once per signature and action and copied after that (one-byte strings hold the bytes, as latin1).
 */
function openAlertMember(o: EveBytesOut, action: string, s: Signature): void {
  let known = alertMembers.get(s);
  if (!known) alertMembers.set(s, (known = {}));
  const bytes = known[action];
  if (bytes !== undefined) {
    o.room(bytes.length);
    o.pos += o.buf.write(bytes, o.pos, 'latin1');
    return;
  }
  const start = o.pos;
  writeAlertMemberOpening(o, action, s);
  known[action] = o.buf.toString('latin1', start, o.pos);
}

function writeAlertMemberOpening(o: EveBytesOut, action: string, s: Signature): void {
  raw(o, '"alert":{"action":"');
  raw(o, action);
  raw(o, '","gid":');
  num(o, s.gid);
  raw(o, ',"signature_id":');
  num(o, s.sid);
  raw(o, ',"rev":');
  num(o, s.rev);
  raw(o, ',"signature":');
  str(o, s.msg);
  raw(o, ',"category":');
  str(o, s.category);
  raw(o, ',"severity":');
  num(o, s.severity);
  if (s.metadata) {
    raw(o, ',"metadata":');
    json(o, JSON.stringify(s.metadata));
  }
}

function writeRuleAlert(o: EveBytesOut, a: RuleAlert, at: AlertPlace, opts: AlertOutputOptions): void {
  const { flow, record, pkt } = at;
  // X-Forwarded-For names the client behind a proxy: added to the alert, or written as the client's address.
  const xff = opts.xff && record?.requestHeaders ? xffAddress(record.requestHeaders, opts.xff) : undefined;
  const view: TupleView = { reverse: a.dir === 1 };
  if (xff !== undefined && opts.xff?.mode === 'overwrite') {
    if (a.dir === 0) view.srcIp = xff;
    else view.destIp = xff;
  }
  // The stream at a flow's end comes from no packet.
  const pcapCnt = record ? at.pcapCnt : pkt ? pkt.pcapCnt : 0;
  writeEveHeaderAs(o, 'alert', at.tsUs, flow, at.iface, pcapCnt, view);
  if (pkt) {
    // ICMP alerts carry the triggering packet's type and code after `proto`, as Suricata writes them.
    if (pkt.proto === 1 || pkt.proto === 58) {
      raw(o, ',"icmp_type":');
      num(o, pkt.icmpType);
      raw(o, ',"icmp_code":');
      num(o, pkt.icmpCode);
    }
    raw(o, ',"pkt_src":"wire/pcap"');
  } else if (record && pcapCnt > 0) {
    // A record's alert still comes from the capture packet that completed the record.
    raw(o, ',"pkt_src":"wire/pcap"');
  }
  if (flow.appProto !== 'unknown') {
    raw(o, ',"app_proto":');
    str(o, flow.appProto);
  }
  raw(o, a.dir === 0 ? ',"direction":"to_server",' : ',"direction":"to_client",');
  openAlertMember(o, a.action, a.signature);
  if (xff !== undefined && opts.xff?.mode === 'extra-data') {
    raw(o, ',"xff":');
    str(o, xff);
  }
  raw(o, '}');
  if (record) {
    if (record.txId !== undefined) {
      raw(o, ',"tx_id":');
      num(o, record.txId);
    }
    // The record's object, as Suricata copies it into app-layer alerts.
    raw(o, ',');
    record.writeMember(o);
    // Suricata dumps the packet under inspection for every alert, transaction alerts included.
    if (opts.packet && at.recordPkt && pcapCnt > 0) writePacketMember(o, at.recordPkt);
  } else if (pkt) {
    writePacketFields(o, pkt, opts);
  } else {
    raw(o, ',"pkt_src":"stream (flow timeout)"');
    if (a.payload) writePayload(o, a.payload, opts, 1);
  }
  writeAlertFlow(o, flow);
  if (a.traffic) {
    raw(o, ',"traffic":');
    writeTrafficTags(o, a.traffic);
  }
  raw(o, '}');
}

/**
 * The alert's `flow` object, as Suricata 8 writes it in alerts (its `metadata` default): the flow's counts as of
 * the alerting packet, its start, and its tuple as the client opened it, whichever way the alerting packet went.
 */
function writeAlertFlow(o: EveBytesOut, flow: FlowView): void {
  writeFlowObjectStart(o, flow);
  raw(o, ',"src_ip":');
  writeIp(o, flow.src, flow.ipVersion);
  raw(o, ',"dest_ip":');
  writeIp(o, flow.dst, flow.ipVersion);
  // Ports only where the protocol has them, as in the event's own tuple.
  if (flow.proto === 6 || flow.proto === 17 || flow.proto === 132) {
    raw(o, ',"src_port":');
    num(o, flow.srcPort);
    raw(o, ',"dest_port":');
    num(o, flow.dstPort);
  }
  raw(o, '}');
}

/** `payload`, `payload_printable` and `stream` (0: a packet's payload, 1: reassembled stream bytes). */
function writePayload(o: EveBytesOut, payload: Uint8Array, opts: AlertOutputOptions, stream: 0 | 1): void {
  if (opts.payload) {
    raw(o, ',"payload":');
    str(o, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64'));
  }
  if (opts.payloadPrintable) {
    raw(o, ',"payload_printable":');
    str(o, printable(payload));
  }
  if (opts.payload || opts.payloadPrintable) raw(o, stream === 0 ? ',"stream":0' : ',"stream":1');
}

/** The payload options and `packet`/`packet_info` for an alert raised on one packet. */
function writePacketFields(o: EveBytesOut, pkt: DecodedPacket, opts: AlertOutputOptions): void {
  writePayload(o, pkt.buf.subarray(pkt.payloadOff, pkt.payloadOff + pkt.payloadLen), opts, 0);
  if (opts.packet) writePacketMember(o, pkt);
}

/** `,"packet":"<base64 of the captured frame>","packet_info":{"linktype":…}` (nothing when no frame is kept). */
export function writePacketMember(o: EveBytesOut, pkt: DecodedPacket): void {
  if (pkt.frameLen > 0) {
    raw(o, ',"packet":');
    str(o, pkt.frameBuf.toString('base64', pkt.frameOff, pkt.frameOff + pkt.frameLen));
    raw(o, ',"packet_info":{"linktype":');
    num(o, pkt.linkType);
    const name = LINKTYPE_NAMES[pkt.linkType];
    if (name !== undefined) {
      raw(o, ',"linktype_name":');
      str(o, name);
    }
    raw(o, '}');
  }
}

/** The TLS monitor's alert: the handshake's own tuple and `tls` object, and the verdict under `moat`. */
function writeTlsAlert(o: EveBytesOut, a: TlsAlert, at: AlertPlace): void {
  writeEveHeader(o, 'alert', at.tsUs, at.flow, at.iface, at.pcapCnt);
  raw(o, ',"app_proto":"tls",');
  openAlertMember(o, a.action, a.signature);
  raw(o, '}');
  if (at.record) {
    raw(o, ',');
    at.record.writeMember(o);
  }
  raw(o, ',"moat":{"would_block":');
  bool(o, a.wouldBlock);
  raw(o, ',"blocked":');
  bool(o, a.blocked);
  raw(o, ',"score":');
  json(o, JSON.stringify(a.score));
  raw(o, '}}');
}

/** The event cache's decision on a flow, with the entry that made it. */
function writeCacheAlert(o: EveBytesOut, a: CacheAlert, at: AlertPlace): void {
  writeEveHeaderAs(o, 'alert', at.tsUs, at.flow, at.iface, 0, { reverse: a.dir === 1 });
  raw(o, ',');
  openAlertMember(o, a.action, a.signature);
  const e = a.entry;
  raw(o, '},"moat":{"event_cache":{"src_ip":');
  str(o, e.srcIp);
  raw(o, ',"dest_ip":');
  str(o, e.dstIp);
  raw(o, ',"src_port":');
  num(o, e.srcPort);
  raw(o, ',"dest_port":');
  num(o, e.dstPort);
  raw(o, ',"proto":');
  num(o, e.proto);
  raw(o, ',"operation_type":');
  str(o, e.operationType);
  raw(o, ',"operation":');
  str(o, e.operation);
  if (e.operationArg) {
    raw(o, ',"operation_arg":');
    str(o, e.operationArg);
  }
  raw(o, ',"event_id":');
  str(o, e.eventId);
  raw(o, ',"diagnosis":');
  str(o, e.diagnosis);
  raw(o, ',"status":');
  str(o, e.status);
  raw(o, ',"scope":');
  str(o, e.scope);
  raw(o, ',"direction":');
  str(o, e.direction);
  raw(o, ',"hits":');
  num(o, e.hits);
  raw(o, '}}}');
}

/** The model's alert on a flow that ended: the flow's bare tuple (no interface or VLAN), the verdict under `moat`. */
function writeModelAlert(o: EveBytesOut, a: ModelAlert, at: AlertPlace): void {
  const f = at.flow;
  const ports = f.proto === 6 || f.proto === 17 || f.proto === 132;
  raw(o, '{"timestamp":');
  writeEveTimestamp(o, at.tsUs);
  raw(o, ',"flow_id":');
  num(o, f.id);
  raw(o, ',"event_type":"alert","src_ip":');
  writeIp(o, f.src, f.ipVersion);
  if (ports) {
    raw(o, ',"src_port":');
    num(o, f.srcPort);
  }
  raw(o, ',"dest_ip":');
  writeIp(o, f.dst, f.ipVersion);
  if (ports) {
    raw(o, ',"dest_port":');
    num(o, f.dstPort);
  }
  raw(o, ',"proto":');
  str(o, ipProtoName(f.proto));
  raw(o, ',');
  openAlertMember(o, a.action, a.signature);
  const m = a.model;
  raw(o, '},"moat":{"would_block":');
  bool(o, a.wouldBlock);
  raw(o, ',"model":{"ip":');
  str(o, m.ip);
  raw(o, ',"verdict":');
  str(o, m.verdict);
  raw(o, ',"score":');
  num(o, m.score);
  raw(o, ',"model_version":');
  json(o, JSON.stringify(m.modelVersion));
  raw(o, ',"rules_fired":');
  json(o, JSON.stringify(m.rulesFired));
  raw(o, ',"reasons":');
  json(o, JSON.stringify(m.reasons));
  if (m.category) {
    raw(o, ',"category":');
    str(o, m.category);
  }
  raw(o, ',"flows_seen":');
  num(o, m.flowsSeen);
  raw(o, ',"sampling_rate":');
  num(o, m.samplingRate);
  raw(o, '}}}');
}

/** Log review's alert is about a device, not a flow: the device alone is its tuple. */
function writeReviewAlert(o: EveBytesOut, a: ReviewAlert, at: AlertPlace): void {
  const r = a.review;
  raw(o, '{"timestamp":');
  writeEveTimestamp(o, at.tsUs);
  raw(o, ',"event_type":"alert","src_ip":');
  str(o, r.device);
  raw(o, ',');
  openAlertMember(o, a.action, a.signature);
  raw(o, '},"moat":{"log_review":{"rule":');
  str(o, r.rule);
  raw(o, ',"device":');
  str(o, r.device);
  raw(o, ',"value":');
  num(o, Math.round(r.value));
  raw(o, ',"limit":');
  num(o, r.limit);
  raw(o, ',"window_s":');
  num(o, r.windowS);
  raw(o, ',"operation":');
  str(o, r.operation);
  if (r.operationArg) {
    raw(o, ',"operation_arg":');
    str(o, r.operationArg);
  }
  raw(o, ',"lifetime_s":');
  num(o, r.lifetimeS);
  raw(o, '}}}');
}

/**
 * A rule alert on a packet that belongs to no flow (decode-event rules on an invalid packet, a held fragment, a
 * frame that is not IP), as Suricata writes one: no `flow_id`, no `direction`, no flow object; the addresses only
 * when the IP layer decoded, and no ports: such a packet's transport header did not decode.
 */
export function writeFlowlessRuleAlert(
  o: EveBytesOut,
  a: RuleAlert,
  pkt: DecodedPacket,
  iface: string | undefined,
  opts: AlertOutputOptions,
): void {
  writeFlowlessPacketHeader(o, pkt, 'alert', iface);
  raw(o, ',"pkt_src":"wire/pcap",');
  openAlertMember(o, a.action, a.signature);
  raw(o, '}');
  writePacketFields(o, pkt, opts);
  raw(o, '}');
}
