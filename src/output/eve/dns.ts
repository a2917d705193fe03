/**
 * EVE `dns` object in Suricata 7's default "version 2" layout: a query is `{type: 'query', id, rrname,
 * rrtype, tx_id, opcode}`; a response is `{version: 2, type: 'answer', id, flags, qr, aa?, tc?, rd?, ra?,
 * z?, opcode, rrname, rrtype, rcode, answers, grouped, authorities}` with the detailed and grouped answer
 * formats both on (Suricata's default). SOA and SRV data are objects (`soa`, `srv`) instead of `rdata`.
 * Suricata writes one query event per question; this logger writes the first question, which is the only
 * one in practice (multi-question queries are refused by every major resolver).
 */
import type { DnsAnswer, DnsMessage } from '../../proto/dns/types.js';

function answerEve(rr: DnsAnswer): Record<string, unknown> {
  const out: Record<string, unknown> = { rrname: rr.name };
  if (rr.nameTruncated) out.rrname_truncated = true;
  out.rrtype = rr.typeName;
  out.ttl = rr.ttl;
  if (rr.soa) out.soa = { ...rr.soa };
  else if (rr.srv) out.srv = { ...rr.srv };
  else out.rdata = rr.data;
  return out;
}

function groupedValue(rr: DnsAnswer): unknown {
  if (rr.soa) return { ...rr.soa };
  if (rr.srv) return { ...rr.srv };
  return rr.data;
}

export function dnsEve(m: DnsMessage): Record<string, unknown> {
  const q = m.questions[0];
  if (!m.isResponse) {
    const out: Record<string, unknown> = { type: 'query', id: m.id };
    if (q) {
      out.rrname = q.name;
      if (q.nameTruncated) out.rrname_truncated = true;
      out.rrtype = q.typeName;
    }
    out.tx_id = m.txId;
    out.opcode = m.opcode;
    return out;
  }
  const f = m.flags;
  const out: Record<string, unknown> = { version: 2, type: 'answer', id: m.id, flags: f.toString(16) };
  if (f & 0x8000) out.qr = true;
  if (f & 0x0400) out.aa = true;
  if (f & 0x0200) out.tc = true;
  if (f & 0x0100) out.rd = true;
  if (f & 0x0080) out.ra = true;
  if (f & 0x0040) out.z = true;
  out.opcode = m.opcode;
  if (q) {
    out.rrname = q.name;
    out.rrtype = q.typeName;
  }
  out.rcode = m.rcode;
  if (m.answers.length > 0) {
    out.answers = m.answers.map(answerEve);
    const grouped: Record<string, unknown[]> = {};
    for (const rr of m.answers) (grouped[rr.typeName] ??= []).push(groupedValue(rr));
    out.grouped = grouped;
  }
  if (m.authorities.length > 0) out.authorities = m.authorities.map(answerEve);
  return out;
}
