/**
 * EVE `dns` object as Suricata 8 writes it, in its two layouts:
 *
 * - **version 3** (the default): one event per message, `{version: 3, type: request|response, tx_id, id, flags,
 *   qr?, aa?, tc?, rd?, ra?, z?, opcode, rcode, queries: [{rrname, rrtype}], answers, grouped, authorities,
 *   additionals}`;
 * - **version 2** (`version: 2` in the logger's configuration): one `{type: query, id, rrname, rrtype, tx_id, z?,
 *   opcode}` event per question of a request, and one `{version: 2, type: answer, id, flags …, rrname, rrtype,
 *   rcode, answers, grouped, authorities}` per response.
 *
 * Both share the record writer: `rdata` for A/AAAA/CNAME/MX/NS/PTR/TXT/NULL (a TXT record with several strings is
 * one entry per string), objects for SOA, SRV, SSHFP and OPT, nothing else for other types, as Suricata does.
 * The logger options (`requests`, `responses`, `types`, `formats`) select what is written: a message is logged
 * when one of its questions has a logged type, and only those questions are listed. An alert about a DNS
 * message carries the version 3 object whatever the logger's version, as Suricata 8's alerts do.
 */
import type { DnsAnswer, DnsMessage } from '../../proto/index.js';
import { rrTypeNumber } from '../../proto/index.js';
import { json, num, raw, str, type EveBytesOut } from './json-out.js';

/** suricata.yaml's `eve-log: types: - dns: {…}` options. */
export interface DnsLogOptions {
  /** 3 (default) or 2. */
  version?: 2 | 3;
  /** Log requests (default yes). */
  requests?: boolean;
  /** Log responses (default yes). */
  responses?: boolean;
  /** Record types to log, by mnemonic (`a`, `aaaa`, `https` …); all when unset. */
  types?: readonly string[];
  /** Answer formats: `detailed` (an entry per record), `grouped` (data by type); both when unset. */
  formats?: readonly string[];
}

/** The options compiled for the packet path. */
export interface DnsLogConfig {
  readonly version: 2 | 3;
  readonly requests: boolean;
  readonly responses: boolean;
  /** Every type logged, unknown ones included (no option narrowed the logger, as Suricata's all-bits flags). */
  readonly allTypes: boolean;
  /** The type numbers logged when not allTypes. */
  readonly types: ReadonlySet<number>;
  /** `types` was given. */
  readonly typesGiven: boolean;
  readonly detailed: boolean;
  readonly grouped: boolean;
}

/** The record types Suricata's logger knows (its `types:` names); others are logged only when nothing narrows it. */
const KNOWN_TYPES = (
  'a ns md mf cname soa mb mg mr null wks ptr hinfo minfo mx txt rp afsdb x25 isdn rt nsap nsapptr sig key px ' +
  'gpos aaaa loc nxt srv atma naptr kx cert a6 dname opt apl ds sshfp ipseckey rrsig nsec dnskey dhcid nsec3 ' +
  'nsec3param tlsa hip cds cdnskey https spf tkey tsig maila any uri'
).split(' ');

function typeNumbers(names: readonly string[]): Set<number> {
  const out = new Set<number>();
  for (const n of names) {
    const lower = n.toLowerCase();
    if (!KNOWN_TYPES.includes(lower)) continue;
    const t = rrTypeNumber(lower);
    if (t !== undefined) out.add(t);
  }
  return out;
}

const ALL_KNOWN = typeNumbers(KNOWN_TYPES);

export function dnsLogConfig(opts: DnsLogOptions = {}): DnsLogConfig {
  const requests = opts.requests ?? true;
  const responses = opts.responses ?? true;
  // An empty `formats:` is the default, both (suricata-verify dns-eve-empty-format).
  const formats = opts.formats?.length ? opts.formats.map((f) => f.toLowerCase()) : undefined;
  const detailed = formats === undefined || formats.includes('detailed');
  const grouped = formats === undefined || formats.includes('grouped');
  return {
    version: opts.version ?? 3,
    requests,
    responses,
    allTypes: opts.types === undefined && requests && responses && detailed && grouped,
    types: opts.types === undefined ? ALL_KNOWN : typeNumbers(opts.types),
    typesGiven: opts.types !== undefined,
    detailed,
    grouped,
  };
}

export const DEFAULT_DNS_LOG = dnsLogConfig();

/** What an alert carries: version 3, every question, both formats. */
const ALERT_DNS_LOG: DnsLogConfig = DEFAULT_DNS_LOG;

function typeLogged(c: DnsLogConfig, type: number): boolean {
  return c.allTypes || c.types.has(type);
}

/**
 * How many events the logger writes for the message: 0 (filtered out), 1, or in version 2 one per logged question
 * of a request. Suricata selects messages by their questions' types, so it never logs one without a question;
 * moat logs such a message (an mDNS announcement, a bare error response) unless `types` narrows the logger.
 */
export function dnsEventCount(c: DnsLogConfig, m: DnsMessage): number {
  if (m.isResponse ? !c.responses : !c.requests) return 0;
  if (m.questions.length === 0) return c.typesGiven ? 0 : 1;
  let n = 0;
  for (const q of m.questions) if (typeLogged(c, q.type)) n++;
  if (n === 0) return 0;
  return c.version === 2 && !m.isResponse ? n : 1;
}

/** An SOA, SRV, SSHFP or OPT object (few and small: JSON.stringify is fine here). */
function objectData(rr: DnsAnswer): string | undefined {
  if (rr.soa) return JSON.stringify({ ...rr.soa });
  if (rr.srv) return JSON.stringify({ ...rr.srv });
  if (rr.sshfp)
    return JSON.stringify({ fingerprint: rr.sshfp.fingerprint, algo: rr.sshfp.algo, type: rr.sshfp.type });
  return undefined;
}

/** Types whose data Suricata writes as text (`rdata`); the others have an object or nothing. */
const TEXT_DATA = new Set([1, 28, 5, 15, 2, 12, 16, 10]);
const TYPE_TXT = 16;

/** One detailed entry: `{"rrname":…,"rrtype":…,"ttl":…,<data>}`, `text` standing for the data when given. */
function writeEntry(o: EveBytesOut, rr: DnsAnswer, text: string | undefined): void {
  raw(o, '{"rrname":');
  str(o, rr.name);
  if (rr.nameTruncated) raw(o, ',"rrname_truncated":true');
  raw(o, ',"rrtype":');
  str(o, rr.typeName);
  raw(o, ',"ttl":');
  num(o, rr.ttl);
  if (text !== undefined) {
    raw(o, ',"rdata":');
    str(o, text);
    if (rr.dataTruncated) raw(o, ',"rdata_truncated":true');
  } else if (rr.soa) {
    raw(o, ',"soa":');
    json(o, JSON.stringify({ ...rr.soa }));
  } else if (rr.sshfp) {
    raw(o, ',"sshfp":');
    json(o, objectData(rr) ?? '{}');
  } else if (rr.srv) {
    raw(o, ',"srv":');
    json(o, JSON.stringify({ ...rr.srv }));
  } else if (rr.opt) {
    raw(o, ',"opt":');
    json(o, JSON.stringify(rr.opt.map((x) => ({ code: x.code, data: x.data }))));
  }
  raw(o, '}');
}

/** The detailed entries of records, TXT strings one entry each; `skipEmptyOpt` for the additional section. */
function writeRecords(o: EveBytesOut, rrs: readonly DnsAnswer[], skipEmptyOpt = false): void {
  let first = true;
  raw(o, '[');
  for (const rr of rrs) {
    if (skipEmptyOpt && rr.opt !== undefined && rr.opt.length === 0) continue;
    if (rr.type === TYPE_TXT && rr.txt) {
      for (const s of rr.txt) {
        raw(o, first ? '' : ',');
        first = false;
        writeEntry(o, rr, s);
      }
      continue;
    }
    raw(o, first ? '' : ',');
    first = false;
    writeEntry(o, rr, TEXT_DATA.has(rr.type) && !rr.opt ? rr.data : undefined);
  }
  raw(o, ']');
}

/** Data by type (`grouped`), types in order of first appearance; types without loggable data are left out. */
function writeGrouped(o: EveBytesOut, rrs: readonly DnsAnswer[]): void {
  raw(o, '{');
  let firstType = true;
  const has = (rr: DnsAnswer): boolean =>
    (TEXT_DATA.has(rr.type) && (rr.type !== TYPE_TXT || rr.txt !== undefined)) ||
    rr.soa !== undefined ||
    rr.srv !== undefined ||
    rr.sshfp !== undefined;
  for (let i = 0; i < rrs.length; i++) {
    const t = rrs[i].typeName;
    if (!has(rrs[i])) continue;
    let seen = false;
    for (let k = 0; k < i && !seen; k++) seen = rrs[k].typeName === t && has(rrs[k]);
    if (seen) continue;
    if (!firstType) raw(o, ',');
    firstType = false;
    str(o, t);
    raw(o, ':[');
    let first = true;
    for (let k = i; k < rrs.length; k++) {
      const rr = rrs[k];
      if (rr.typeName !== t || !has(rr)) continue;
      const obj = objectData(rr);
      const texts = obj !== undefined ? undefined : rr.type === TYPE_TXT && rr.txt ? rr.txt : [rr.data];
      if (texts) {
        for (const s of texts) {
          if (!first) raw(o, ',');
          first = false;
          str(o, s);
        }
      } else if (obj !== undefined) {
        if (!first) raw(o, ',');
        first = false;
        json(o, obj);
      }
    }
    raw(o, ']');
  }
  raw(o, '}');
}

function writeAnswers(o: EveBytesOut, m: DnsMessage, c: DnsLogConfig): void {
  if (m.answers.length === 0) return;
  if (c.detailed) {
    raw(o, ',"answers":');
    writeRecords(o, m.answers);
  }
  if (c.grouped) {
    raw(o, ',"grouped":');
    writeGrouped(o, m.answers);
  }
}

/** `,"flags":"…","qr":true …` — the header's flags word and its set bits. */
function writeFlags(o: EveBytesOut, f: number): void {
  raw(o, ',"flags":"');
  raw(o, f.toString(16));
  raw(o, '"');
  if (f & 0x8000) raw(o, ',"qr":true');
  if (f & 0x0400) raw(o, ',"aa":true');
  if (f & 0x0200) raw(o, ',"tc":true');
  if (f & 0x0100) raw(o, ',"rd":true');
  if (f & 0x0080) raw(o, ',"ra":true');
  if (f & 0x0040) raw(o, ',"z":true');
}

function writeV3(o: EveBytesOut, m: DnsMessage, c: DnsLogConfig): void {
  raw(
    o,
    m.isResponse
      ? '"dns":{"version":3,"type":"response","tx_id":'
      : '"dns":{"version":3,"type":"request","tx_id":',
  );
  num(o, m.txId);
  raw(o, ',"id":');
  num(o, m.id);
  writeFlags(o, m.flags);
  raw(o, ',"opcode":');
  num(o, m.opcode);
  raw(o, ',"rcode":');
  str(o, m.rcode);
  if (m.questions.length > 0) {
    raw(o, ',"queries":[');
    let first = true;
    for (const q of m.questions) {
      if (!typeLogged(c, q.type)) continue;
      raw(o, first ? '{"rrname":' : ',{"rrname":');
      first = false;
      str(o, q.name);
      raw(o, ',"rrtype":');
      str(o, q.typeName);
      if (q.nameTruncated) raw(o, ',"rrname_truncated":true');
      raw(o, '}');
    }
    raw(o, ']');
  }
  writeAnswers(o, m, c);
  if (m.authorities.length > 0) {
    raw(o, ',"authorities":');
    writeRecords(o, m.authorities);
  }
  if (m.additionals.some((rr) => rr.opt === undefined || rr.opt.length > 0)) {
    raw(o, ',"additionals":');
    writeRecords(o, m.additionals, true);
  }
  raw(o, '}');
}

/** Version 2: the `index`-th logged question of a request, or the response. */
function writeV2(o: EveBytesOut, m: DnsMessage, c: DnsLogConfig, index: number): void {
  if (!m.isResponse) {
    let q = m.questions[0];
    for (let i = 0, k = 0; i < m.questions.length; i++) {
      if (!typeLogged(c, m.questions[i].type)) continue;
      if (k++ === index) {
        q = m.questions[i];
        break;
      }
    }
    raw(o, '"dns":{"type":"query","id":');
    num(o, m.id);
    if (q) {
      raw(o, ',"rrname":');
      str(o, q.name);
      if (q.nameTruncated) raw(o, ',"rrname_truncated":true');
      raw(o, ',"rrtype":');
      str(o, q.typeName);
    }
    raw(o, ',"tx_id":');
    num(o, m.txId);
    if (m.flags & 0x0040) raw(o, ',"z":true');
    raw(o, ',"opcode":');
    num(o, m.opcode);
    raw(o, '}');
    return;
  }
  raw(o, '"dns":{"version":2,"type":"answer","id":');
  num(o, m.id);
  writeFlags(o, m.flags);
  raw(o, ',"opcode":');
  num(o, m.opcode);
  const q = m.questions[0];
  if (q) {
    // A response's question is written without the truncation flag.
    raw(o, ',"rrname":');
    str(o, q.name);
    raw(o, ',"rrtype":');
    str(o, q.typeName);
  }
  raw(o, ',"rcode":');
  str(o, m.rcode);
  writeAnswers(o, m, c);
  if (m.authorities.length > 0) {
    raw(o, ',"authorities":');
    writeRecords(o, m.authorities);
  }
  raw(o, '}');
}

/**
 * The record's `"dns":{…}` member, written straight into the output, in the logger's layout; `index` picks the
 * question of a version 2 request (see dnsEventCount).
 */
export function writeDnsEve(
  o: EveBytesOut,
  m: DnsMessage,
  c: DnsLogConfig = DEFAULT_DNS_LOG,
  index = 0,
): void {
  if (c.version === 2) writeV2(o, m, c, index);
  else writeV3(o, m, c);
}

/** The `"dns":{…}` member an alert about the message carries: version 3, as Suricata 8's alerts. */
export function writeDnsAlertMember(o: EveBytesOut, m: DnsMessage): void {
  writeV3(o, m, ALERT_DNS_LOG);
}
