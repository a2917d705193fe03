/**
 * EVE `dns` object in Suricata 7's default "version 2" layout: a query is `{type: 'query', id, rrname,
 * rrtype, tx_id, opcode}`; a response is `{version: 2, type: 'answer', id, flags, qr, aa?, tc?, rd?, ra?,
 * z?, opcode, rrname, rrtype, rcode, answers, grouped, authorities}` with the detailed and grouped answer
 * formats both on (Suricata's default). SOA and SRV data are objects (`soa`, `srv`) instead of `rdata`.
 * Suricata writes one query event per question; this logger writes the first question, which is the only
 * one in practice (multi-question queries are refused by every major resolver).
 */
import type { DnsAnswer, DnsMessage } from '../../proto/index.js';
import { json, num, raw, str, type EveBytesOut } from './json-out.js';

/** An SOA or SRV object (few and small: JSON.stringify is fine here), or the record's data as text. */
function writeRdata(o: EveBytesOut, rr: DnsAnswer): void {
  if (rr.soa) {
    raw(o, '"soa":');
    json(o, JSON.stringify({ ...rr.soa }));
  } else if (rr.srv) {
    raw(o, '"srv":');
    json(o, JSON.stringify({ ...rr.srv }));
  } else {
    raw(o, '"rdata":');
    str(o, rr.data);
  }
}

/** `"rrname":…[,"rrname_truncated":true],"rrtype":…` — a question's or a resource record's owner and type. */
function writeNameAndType(o: EveBytesOut, name: string, truncated: boolean, typeName: string): void {
  raw(o, '"rrname":');
  str(o, name);
  if (truncated) raw(o, ',"rrname_truncated":true');
  raw(o, ',"rrtype":');
  str(o, typeName);
}

function writeAnswers(o: EveBytesOut, rrs: readonly DnsAnswer[]): void {
  raw(o, '[');
  for (let i = 0; i < rrs.length; i++) {
    const rr = rrs[i];
    raw(o, i > 0 ? ',{' : '{');
    writeNameAndType(o, rr.name, rr.nameTruncated === true, rr.typeName);
    raw(o, ',"ttl":');
    num(o, rr.ttl);
    raw(o, ',');
    writeRdata(o, rr);
    raw(o, '}');
  }
  raw(o, ']');
}

/** Answers grouped by type (`grouped`), types in order of first appearance. */
function writeGrouped(o: EveBytesOut, rrs: readonly DnsAnswer[]): void {
  raw(o, '{');
  let firstType = true;
  for (let i = 0; i < rrs.length; i++) {
    const t = rrs[i].typeName;
    let seen = false;
    for (let k = 0; k < i && !seen; k++) seen = rrs[k].typeName === t;
    if (seen) continue;
    if (!firstType) raw(o, ',');
    firstType = false;
    str(o, t);
    raw(o, ':[');
    let first = true;
    for (let k = i; k < rrs.length; k++) {
      const rr = rrs[k];
      if (rr.typeName !== t) continue;
      if (!first) raw(o, ',');
      first = false;
      if (rr.soa) json(o, JSON.stringify({ ...rr.soa }));
      else if (rr.srv) json(o, JSON.stringify({ ...rr.srv }));
      else str(o, rr.data);
    }
    raw(o, ']');
  }
  raw(o, '}');
}

/** The record's `"dns":{…}` member, written straight into the output. */
export function writeDnsEve(o: EveBytesOut, m: DnsMessage): void {
  const q = m.questions[0];
  if (!m.isResponse) {
    raw(o, '"dns":{"type":"query","id":');
    num(o, m.id);
    if (q) {
      raw(o, ',');
      writeNameAndType(o, q.name, q.nameTruncated === true, q.typeName);
    }
    raw(o, ',"tx_id":');
    num(o, m.txId);
    raw(o, ',"opcode":');
    num(o, m.opcode);
    raw(o, '}');
    return;
  }
  const f = m.flags;
  raw(o, '"dns":{"version":2,"type":"answer","id":');
  num(o, m.id);
  raw(o, ',"flags":"');
  raw(o, f.toString(16));
  raw(o, '"');
  if (f & 0x8000) raw(o, ',"qr":true');
  if (f & 0x0400) raw(o, ',"aa":true');
  if (f & 0x0200) raw(o, ',"tc":true');
  if (f & 0x0100) raw(o, ',"rd":true');
  if (f & 0x0080) raw(o, ',"ra":true');
  if (f & 0x0040) raw(o, ',"z":true');
  raw(o, ',"opcode":');
  num(o, m.opcode);
  if (q) {
    // A response's question is written without the truncation flag.
    raw(o, ',');
    writeNameAndType(o, q.name, false, q.typeName);
  }
  raw(o, ',"rcode":');
  str(o, m.rcode);
  if (m.answers.length > 0) {
    raw(o, ',"answers":');
    writeAnswers(o, m.answers);
    raw(o, ',"grouped":');
    writeGrouped(o, m.answers);
  }
  if (m.authorities.length > 0) {
    raw(o, ',"authorities":');
    writeAnswers(o, m.authorities);
  }
  raw(o, '}');
}
