/**
 * EVE `flow` records as Suricata writes them: the `flow` object (per-direction packets and bytes, start, end,
 * age in whole seconds, state, reason, alerted) and, for TCP, the top-level `tcp` object (OR-ed flags as
 * two-digit hex for the flow and each direction, one boolean per flag seen, the session state).
 */
import type { FlowEndReason, FlowView } from '../../flow/index.js';
import type { TrafficTags } from '../../finding/index.js';
import { writeEveTimestamp } from './timestamp.js';
import { json, num, raw, str, type EveBytesOut } from './json-out.js';
import { writeEveHeader } from './header.js';

/**
 * Opens the `flow` object with what flow records and alerts share: per-direction packets and bytes (as of now) and
 * the start. The caller writes the rest and closes it.
 */
export function writeFlowObjectStart(o: EveBytesOut, flow: FlowView): void {
  // Each of these getters builds its pair: read once.
  const pkts = flow.pkts;
  const bytes = flow.bytes;
  raw(o, ',"flow":{"pkts_toserver":');
  num(o, pkts[0]);
  raw(o, ',"pkts_toclient":');
  num(o, pkts[1]);
  raw(o, ',"bytes_toserver":');
  num(o, bytes[0]);
  raw(o, ',"bytes_toclient":');
  num(o, bytes[1]);
  raw(o, ',"start":');
  writeEveTimestamp(o, flow.startUs);
}

const hex2 = (n: number): string => (n < 16 ? '0' : '') + n.toString(16);

/** Flag bits in the order Suricata lists them, with the names it uses (ECE is written `ecn`). */
const FLAG_NAMES: readonly [number, string][] = [
  [0x02, 'syn'],
  [0x01, 'fin'],
  [0x04, 'rst'],
  [0x08, 'psh'],
  [0x10, 'ack'],
  [0x20, 'urg'],
  [0x40, 'ecn'],
  [0x80, 'cwr'],
];

/** `"tcp_flags":"1b","syn":true,…`: one direction's OR-ed flags (netflow records), without the braces. */
export function writeTcpFlagMembers(o: EveBytesOut, flags: number): void {
  raw(o, '"tcp_flags":"');
  raw(o, hex2(flags));
  raw(o, '"');
  for (let i = 0; i < FLAG_NAMES.length; i++) {
    if (flags & FLAG_NAMES[i][0]) {
      raw(o, ',"');
      raw(o, FLAG_NAMES[i][1]);
      raw(o, '":true');
    }
  }
}

/**
 * A whole `flow` record (header, app_proto, flow, tcp, community_id and the rules' traffic tags) written straight
 * into the output. `flow.age` is in whole seconds, as Suricata subtracts them.
 */
export function writeFlowRecord(
  o: EveBytesOut,
  flow: FlowView,
  reason: FlowEndReason,
  tsUs: number,
  iface: string | undefined,
  traffic?: TrafficTags,
  /** An alert was written about the flow (Suricata's `flow.alerted`). */
  alerted = false,
  /** A rule bypassed the flow: Suricata's `state: bypassed`. */
  bypassed = false,
  /** Transactions the flow's app-layer parser made (Suricata 8's `flow.tx_cnt`, left out when none). */
  txCnt = 0,
): void {
  writeEveHeader(o, 'flow', tsUs, flow, iface);
  // ICMP: the first packet's type and code, and the answer's when there is one, as Suricata's flow header.
  if ((flow.proto === 1 || flow.proto === 58) && flow.icmpType0 !== undefined && flow.icmpType0 >= 0) {
    raw(o, ',"icmp_type":');
    num(o, flow.icmpType0);
    raw(o, ',"icmp_code":');
    num(o, flow.icmpCode0 ?? 0);
    if (flow.icmpType1 !== undefined && flow.icmpType1 >= 0) {
      raw(o, ',"response_icmp_type":');
      num(o, flow.icmpType1);
      raw(o, ',"response_icmp_code":');
      num(o, flow.icmpCode1 ?? 0);
    }
  }
  if (flow.appProto !== 'unknown') {
    raw(o, ',"app_proto":');
    str(o, flow.appProto);
    if (flow.appProtoOrig !== undefined) {
      raw(o, ',"app_proto_orig":');
      str(o, flow.appProtoOrig);
    }
  }
  writeFlowObjectStart(o, flow);
  raw(o, ',"end":');
  writeEveTimestamp(o, flow.lastUs);
  raw(o, ',"age":');
  num(o, Math.floor(flow.lastUs / 1e6) - Math.floor(flow.startUs / 1e6));
  raw(o, ',"state":');
  str(o, bypassed ? 'bypassed' : flow.state);
  raw(o, ',"reason":');
  str(o, reason);
  raw(o, alerted ? ',"alerted":true' : ',"alerted":false');
  // A midstream policy's outcome, as Suricata 8 logs the exception policies applied to the flow.
  if (flow.passed === true) raw(o, ',"action":"pass"');
  const ep = flow.exceptionPolicy;
  if (ep !== undefined) {
    raw(o, ',"exception_policy":[{"target":');
    str(o, ep.target);
    raw(o, ',"policy":');
    str(o, ep.policy);
    raw(o, '}]');
  }
  if (txCnt > 0) {
    raw(o, ',"tx_cnt":');
    num(o, txCnt);
  }
  raw(o, '}');
  if (flow.proto === 6) {
    const flags = flow.tcpFlags;
    const ts = flags[0];
    const tc = flags[1];
    const all = ts | tc;
    raw(o, ',"tcp":{"tcp_flags":"');
    raw(o, hex2(all));
    raw(o, '","tcp_flags_ts":"');
    raw(o, hex2(ts));
    raw(o, '","tcp_flags_tc":"');
    raw(o, hex2(tc));
    raw(o, '"');
    for (let i = 0; i < FLAG_NAMES.length; i++) {
      if (all & FLAG_NAMES[i][0]) {
        raw(o, ',"');
        raw(o, FLAG_NAMES[i][1]);
        raw(o, '":true');
      }
    }
    if (flow.tcpState !== undefined) {
      raw(o, ',"state":');
      str(o, flow.tcpState);
    }
    const regions = flow.tcpMaxRegions;
    if (regions !== undefined) {
      raw(o, ',"ts_max_regions":');
      num(o, regions[0]);
      raw(o, ',"tc_max_regions":');
      num(o, regions[1]);
    }
    raw(o, '}');
  }
  raw(o, ',"community_id":');
  str(o, flow.communityId());
  if (traffic) {
    raw(o, ',"traffic":');
    writeTrafficTags(o, traffic);
  }
  raw(o, '}');
}

/** `{"id":[…],"label":[…]}`, the kinds in the order the flow's tags named them first. */
export function writeTrafficTags(o: EveBytesOut, t: TrafficTags): void {
  json(o, JSON.stringify(t));
}
