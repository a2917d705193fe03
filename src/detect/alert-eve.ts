/** EVE `alert` events in Suricata's shape: the header of the flow (oriented as the packet went), then `alert`. */
import type { FlowView } from '../flow/types.js';
import { eveHeader, type EveEvent } from '../output/eve/header.js';
import type { Rule } from './rule.js';
import { CLASSTYPES } from './classtypes.js';

export function alertEve(
  rule: Rule,
  flow: FlowView,
  dir: number,
  tsUs: number,
  iface?: string,
  blocked = false,
): EveEvent {
  const ev = eveHeader('alert', tsUs, flow, iface, dir === 1);
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
  return ev;
}
