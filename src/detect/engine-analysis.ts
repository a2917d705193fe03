/**
 * moat's answer to Suricata's `--engine-analysis` rules.json: one record per loaded rule, in Suricata's shape, made
 * from moat's parsed rule. It holds only what moat's rule model determines the way Suricata's does:
 *
 * - `id`, `gid`, `rev`, `msg`;
 * - `flags`: Suricata lists them in a fixed order (src_any, dst_any, sp_any, dp_any, noalert, dsize, applayer,
 *   need_packet …). The first six follow from the rule's text alone; the later ones from Suricata's engine
 *   internals. moat writes the first six that apply, so its list is exactly the start of Suricata's;
 * - `lists.packet` and `lists.postmatch` (the per-packet conditions, and the actions run after a match) when every
 *   per-packet condition of the rule is one moat describes (flowbits, icmp_id, icode, tcp.seq, tcp.ack) and they
 *   come from one keyword family, so their order is the rule's. Other rules get no `lists`.
 *
 * Left out: `raw` (moat does not keep a rule's text), `app_proto`, `requirements`, `type`, the inspection engines
 * (`pkt_engines`, `engines`), the fast pattern (`mpm`) and the analyzer's notes: they describe how Suricata's
 * engine arranges its work, not what the rule says.
 */
import type { NumberTest, Rule } from './rule.js';

export type AnalysisRecord = Record<string, unknown>;
type Match = Record<string, unknown>;

function isAny(s: { any: boolean; negative: unknown[] }): boolean {
  return s.any && s.negative.length === 0;
}

function flagsOf(r: Rule): string[] {
  const f: string[] = [];
  if (isAny(r.src)) f.push('src_any');
  if (isAny(r.dst)) f.push('dst_any');
  if (isAny(r.srcPorts)) f.push('sp_any');
  if (isAny(r.dstPorts)) f.push('dp_any');
  // noalert, flowbits:noalert, xbits:noalert and hostbits:noalert all become this flowbits entry.
  if (r.flowbits.some((b) => b.op === 'noalert')) f.push('noalert');
  if (r.dsize) f.push('dsize');
  return f;
}

/** Suricata 8 writes an equality test as its number; other comparisons are left without a value. */
function equalTo(t: NumberTest): number | undefined {
  return t.op === '=' ? t.a : undefined;
}

/** The per-packet conditions moat does not describe: their presence leaves `lists` out. */
function otherPacketConditions(r: Rule): boolean {
  const f = r.flow;
  return (
    Object.values(f).some(Boolean) ||
    r.dsize !== undefined ||
    r.ttl !== undefined ||
    (r.checksums?.length ?? 0) > 0 ||
    r.ipProto !== undefined ||
    r.itype !== undefined ||
    r.ipOpt !== undefined ||
    (r.flowCounts?.length ?? 0) > 0 ||
    (r.fieldTests ?? []).some((t) => t.field !== 'icmp_id' && t.field !== 'seq' && t.field !== 'ack') ||
    r.fragbits !== undefined ||
    r.sameIp === true ||
    r.icmpv6Mtu !== undefined ||
    r.tcpMss !== undefined ||
    r.vlanLayers !== undefined ||
    r.vlanId !== undefined ||
    r.flags !== undefined ||
    r.streamSize !== undefined ||
    (r.xbits?.length ?? 0) > 0 ||
    (r.flowint?.length ?? 0) > 0 ||
    r.iprep.length > 0 ||
    r.datasets.length > 0 ||
    r.appProtos.length > 0 ||
    (r.appEvents?.length ?? 0) > 0 ||
    (r.decodeEvents?.length ?? 0) > 0 ||
    r.bypass === true ||
    (r.tags?.length ?? 0) > 0
  );
}

function fieldMatch(t: NonNullable<Rule['fieldTests']>[number]): Match {
  const n = equalTo(t.test);
  switch (t.field) {
    case 'icmp_id':
      return n === undefined ? { name: 'icmp_id' } : { name: 'icmp_id', id: { number: n } };
    case 'seq':
      return n === undefined ? { name: 'tcp.seq' } : { name: 'tcp.seq', seq: { number: n } };
    default:
      return n === undefined ? { name: 'tcp.ack' } : { name: 'tcp.ack', ack: { number: n } };
  }
}

/** `lists` for the rules whose per-packet conditions moat describes in full, else undefined. */
function listsOf(r: Rule): Record<string, { matches: Match[] }> | undefined {
  if (otherPacketConditions(r)) return undefined;
  const bits = r.flowbits.filter((b) => b.op !== 'noalert');
  // Suricata's analyzer writes a list of names only for `a|b` (any of).
  if (bits.some((b) => b.names.length > 1 && !b.any)) return undefined;
  const fields = r.fieldTests ?? [];
  const families = [bits.length > 0, fields.length > 0, r.icode !== undefined].filter(Boolean).length;
  if (families !== 1) return undefined;
  const packet: Match[] = [];
  const post: Match[] = [];
  for (const b of bits) {
    const fb: Match = { cmd: b.op, names: [...b.names] };
    if (b.names.length > 1) fb.operator = 'or';
    (b.op === 'isset' || b.op === 'isnotset' ? packet : post).push({ name: 'flowbits', flowbits: fb });
  }
  for (const t of fields) packet.push(fieldMatch(t));
  if (r.icode) {
    const n = equalTo(r.icode);
    packet.push(n === undefined ? { name: 'icode' } : { name: 'icode', code: { equal: n } });
  }
  const lists: Record<string, { matches: Match[] }> = {};
  if (packet.length > 0) lists.packet = { matches: packet };
  if (post.length > 0) lists.postmatch = { matches: post };
  return lists;
}

/** The rules.json record of one rule. */
export function analyzeRule(r: Rule): AnalysisRecord {
  const rec: AnalysisRecord = { id: r.sid, gid: r.gid, rev: r.rev, msg: r.msg, flags: flagsOf(r) };
  const lists = listsOf(r);
  if (lists) rec.lists = lists;
  return rec;
}

/** rules.json: one JSON line per rule, in load order. */
export function rulesJson(rules: readonly Rule[]): string {
  return rules.map((r) => `${JSON.stringify(analyzeRule(r))}\n`).join('');
}
