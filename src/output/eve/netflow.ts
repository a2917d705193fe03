/**
 * EVE `netflow` records as Suricata writes them when its eve-log lists `netflow`: a flow as two unidirectional
 * records, the initiator's then (when the responder sent anything) the responder's, each with its own tuple,
 * packets, bytes, TTL range and TCP flags, and the flow's start, end and age.
 */
import type { FlowView } from '../../flow/index.js';
import type { TrafficTags } from '../../finding/index.js';
import { writeEveTimestamp } from './timestamp.js';
import { num, raw, str, type EveBytesOut } from './json-out.js';
import { writeEveHeaderAs, type TupleView } from './header.js';
import { writeTcpFlagMembers, writeTrafficTags } from './flow.js';

const FORWARD: TupleView = {};
const REVERSE: TupleView = { reverse: true };

/** How many netflow records the flow gives: the responder's only when it sent a packet. */
export function netflowRecordCount(flow: FlowView): number {
  return flow.pkts[1] > 0 ? 2 : 1;
}

/**
 * The `dir` record of the flow (0: initiator → responder, 1: the reverse), header to closing brace. `tsUs` is when
 * it is written (the flow's end as the engine saw it).
 */
export function writeNetflowRecord(
  o: EveBytesOut,
  flow: FlowView,
  dir: 0 | 1,
  tsUs: number,
  iface: string | undefined,
  traffic?: TrafficTags,
): void {
  writeEveHeaderAs(o, 'netflow', tsUs, flow, iface, 0, dir === 0 ? FORWARD : REVERSE);
  if ((flow.proto === 1 || flow.proto === 58) && flow.icmpType0 !== undefined) {
    // Each direction's first ICMP type and code (0 when that side sent none), as the record's own header has them.
    const type = dir === 0 ? flow.icmpType0 : flow.icmpType1;
    const code = dir === 0 ? flow.icmpCode0 : flow.icmpCode1;
    raw(o, ',"icmp_type":');
    num(o, type !== undefined && type >= 0 ? type : 0);
    raw(o, ',"icmp_code":');
    num(o, code !== undefined && code >= 0 ? code : 0);
  }
  // Suricata names the protocol even when none was recognised ("unknown").
  raw(o, ',"app_proto":');
  str(o, flow.appProto);
  const pkts = flow.pkts[dir];
  raw(o, ',"netflow":{"pkts":');
  num(o, pkts);
  raw(o, ',"bytes":');
  num(o, flow.bytes[dir]);
  raw(o, ',"start":');
  writeEveTimestamp(o, flow.startUs);
  raw(o, ',"end":');
  writeEveTimestamp(o, flow.lastUs);
  raw(o, ',"age":');
  num(o, Math.floor(flow.lastUs / 1e6) - Math.floor(flow.startUs / 1e6));
  const range = dir === 0 ? flow.ttlRange0 : flow.ttlRange1;
  if (range !== undefined && pkts > 0) {
    raw(o, ',"min_ttl":');
    num(o, range & 255);
    raw(o, ',"max_ttl":');
    num(o, range >>> 8);
  }
  raw(o, '}');
  if (flow.proto === 6) {
    raw(o, ',"tcp":{');
    writeTcpFlagMembers(o, flow.tcpFlags[dir]);
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
