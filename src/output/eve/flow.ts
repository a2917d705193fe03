/**
 * EVE `flow` records as Suricata writes them: the `flow` object (per-direction packets and bytes, start, end,
 * age in whole seconds, state, reason, alerted) and, for TCP, the top-level `tcp` object (OR-ed flags as
 * two-digit hex for the flow and each direction, one boolean per flag seen, the session state).
 */
import type { FlowEndReason, FlowView } from '../../flow/types.js';
import { formatEveTimestamp } from './timestamp.js';

const hex2 = (n: number): string => (n < 16 ? '0' : '') + n.toString(16);

export function flowEve(flow: FlowView, reason: FlowEndReason): Record<string, unknown> {
  return {
    pkts_toserver: flow.pkts[0],
    pkts_toclient: flow.pkts[1],
    bytes_toserver: flow.bytes[0],
    bytes_toclient: flow.bytes[1],
    start: formatEveTimestamp(flow.startUs),
    end: formatEveTimestamp(flow.lastUs),
    // Suricata subtracts whole seconds.
    age: Math.floor(flow.lastUs / 1e6) - Math.floor(flow.startUs / 1e6),
    state: flow.state,
    reason,
    alerted: false,
  };
}

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

/** The top-level `tcp` object of a TCP flow record; undefined for other protocols. */
export function flowTcpEve(flow: FlowView): Record<string, unknown> | undefined {
  if (flow.proto !== 6) return undefined;
  const ts = flow.tcpFlags[0];
  const tc = flow.tcpFlags[1];
  const all = ts | tc;
  const out: Record<string, unknown> = {
    tcp_flags: hex2(all),
    tcp_flags_ts: hex2(ts),
    tcp_flags_tc: hex2(tc),
  };
  for (const [bit, name] of FLAG_NAMES) if (all & bit) out[name] = true;
  if (flow.tcpState !== undefined) out.state = flow.tcpState;
  return out;
}
