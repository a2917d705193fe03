/**
 * One DNS message from wire bytes (RFC 1035 §4.1): header, question, answer, authority and additional
 * sections. Damaged input is a state, not a throw: a section that cannot be read ends the walk, the message
 * keeps what was read (marked `truncated`) and the problem is reported with Suricata's DNS event names.
 */
import type { AppAnomaly } from '../../flow/index.js';
import { MAX_NAME_CHARS, MAX_NAME_SEGMENTS, newNameResult, readName } from './names.js';
import { presentRdata } from './rdata.js';
import { rcodeName, rrTypeName, TYPE_OPT } from './rr-types.js';
import type { DnsAnswer, DnsMessage, DnsQuestion } from './types.js';

export const DNS_HEADER_LEN = 12;
/** Records read per message across all sections; a 64 KiB message holds at most ~5,900 minimal RRs. */
export const MAX_RECORDS_PER_MESSAGE = 1024;

export const FLAG_QR = 0x8000;
export const FLAG_AA = 0x0400;
export const FLAG_TC = 0x0200;
export const FLAG_RD = 0x0100;
export const FLAG_RA = 0x0080;
export const FLAG_Z = 0x0040;

export interface DnsParseResult {
  /** Undefined when not even the header and question section could be read. */
  message: DnsMessage | undefined;
  /** Problems seen, in order (usually none: allocated only when needed). */
  anomalies: AppAnomaly[] | undefined;
}

const nr = newNameResult();

function nameEvent(error: string): string {
  return error.includes('pointers') ? 'dns.infinite_loop' : 'dns.malformed_data';
}

function addAnomaly(res: DnsParseResult, event: string, detail: string): void {
  (res.anomalies ??= []).push({ event, detail });
}

/** The anomaly a record that runs past the message raises, per section (answers, authorities, additionals). */
const SECTION_EVENTS = ['dns.malformed_data', 'dns.invalid_authorities', 'dns.invalid_additionals'];

/** Parses `buf[off, off+len)` as one DNS message. */
export function parseDnsMessage(
  buf: Buffer,
  off: number,
  len: number,
  transport: 'udp' | 'tcp',
  txId = 0,
): DnsParseResult {
  const res: DnsParseResult = { message: undefined, anomalies: undefined };
  // Name flags over the whole message (Suricata's DNSNameFlags).
  let cut = false;
  let labelLimit = false;
  if (len < DNS_HEADER_LEN) {
    addAnomaly(res, 'dns.malformed_data', `message of ${len} bytes is shorter than the 12-byte header`);
    return res;
  }
  const end = off + len;
  const id = buf.readUInt16BE(off);
  const flags = buf.readUInt16BE(off + 2);
  const qd = buf.readUInt16BE(off + 4);
  const an = buf.readUInt16BE(off + 6);
  const ns = buf.readUInt16BE(off + 8);
  const ar = buf.readUInt16BE(off + 10);
  const opcode = (flags >> 11) & 15;
  const msg: DnsMessage = {
    id,
    isResponse: (flags & FLAG_QR) !== 0,
    opcode,
    flags,
    rcode: rcodeName(flags & 15),
    rcodeValue: flags & 15,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
    dir: 0,
    transport,
    txId,
    truncated: false,
  };
  if (opcode === 3 || opcode > 6) addAnomaly(res, 'dns.invalid_opcode', `opcode ${opcode} is unassigned`);
  if ((flags & FLAG_Z) !== 0) addAnomaly(res, 'dns.z_flag_set', 'reserved Z bit is set');

  let p = off + DNS_HEADER_LEN;
  let records = 0;
  for (let i = 0; i < qd; i++) {
    if (++records > MAX_RECORDS_PER_MESSAGE) {
      addAnomaly(res, 'dns.malformed_data', `more than ${MAX_RECORDS_PER_MESSAGE} records announced`);
      msg.truncated = true;
      break;
    }
    readName(buf, off, end, p, nr);
    if (nr.next < 0 || nr.next + 4 > end) {
      const why = nr.next < 0 ? nr.error : `question ${i + 1} of ${qd} is cut short`;
      addAnomaly(res, nr.next < 0 ? nameEvent(why) : 'dns.malformed_data', why);
      // A message whose question section cannot be read carries nothing to log (Suricata drops it too),
      // unless it is a response: a bare header with an rcode is still an answer worth logging.
      if (i === 0 && !msg.isResponse) return res;
      msg.truncated = true;
      res.message = msg;
      return res;
    }
    const type = buf.readUInt16BE(nr.next);
    const q: DnsQuestion = {
      name: nr.name,
      type,
      typeName: rrTypeName(type),
      qclass: buf.readUInt16BE(nr.next + 2),
    };
    if (nr.truncated) q.nameTruncated = true;
    cut ||= nr.truncated;
    labelLimit ||= nr.labelLimit;
    msg.questions.push(q);
    p = nr.next + 4;
  }
  res.message = msg;

  // Answers, authorities, additionals — by index: no tuples or iterator for each of the many small messages.
  for (let section = 0; section < 3; section++) {
    const count = section === 0 ? an : section === 1 ? ns : ar;
    const into = section === 0 ? msg.answers : section === 1 ? msg.authorities : msg.additionals;
    const event = SECTION_EVENTS[section];
    for (let i = 0; i < count; i++) {
      if (msg.truncated) return res;
      if (++records > MAX_RECORDS_PER_MESSAGE) {
        addAnomaly(res, 'dns.malformed_data', `more than ${MAX_RECORDS_PER_MESSAGE} records announced`);
        msg.truncated = true;
        return res;
      }
      readName(buf, off, end, p, nr);
      if (nr.next < 0) {
        addAnomaly(res, nameEvent(nr.error), nr.error);
        msg.truncated = true;
        return res;
      }
      const q = nr.next;
      if (q + 10 > end) {
        addAnomaly(res, event, `resource record at offset ${p - off} is cut short (${end - p} bytes left)`);
        msg.truncated = true;
        return res;
      }
      const type = buf.readUInt16BE(q);
      const rdLen = buf.readUInt16BE(q + 8);
      if (q + 10 + rdLen > end) {
        addAnomaly(res, event, `rdata of ${rdLen} bytes at offset ${q + 10 - off} runs past the message end`);
        msg.truncated = true;
        return res;
      }
      const rr: DnsAnswer = {
        name: nr.name,
        type,
        typeName: rrTypeName(type),
        rclass: buf.readUInt16BE(q + 2),
        ttl: buf.readUInt32BE(q + 4),
        data: '',
      };
      if (nr.truncated) rr.nameTruncated = true;
      cut ||= nr.truncated;
      labelLimit ||= nr.labelLimit;
      const problem = presentRdata(buf, off, end, q + 10, rdLen, rr, nr);
      if (problem) addAnomaly(res, event, problem);
      if (type === TYPE_OPT && into === msg.additionals) {
        // RFC 6891 §6.1.3: the OPT TTL's top byte extends the header's 4-bit rcode.
        const ext = rr.ttl >>> 24;
        if (ext !== 0) {
          msg.rcodeValue = (ext << 4) | (flags & 15);
          msg.rcode = rcodeName(msg.rcodeValue);
        }
      }
      into.push(rr);
      p = q + 10 + rdLen;
    }
  }
  // Once per message, as Suricata sets them on the transaction from the whole message's name flags.
  if (cut)
    addAnomaly(res, 'dns.name_too_long', `a name is longer than ${MAX_NAME_CHARS} characters and was cut`);
  if (labelLimit)
    addAnomaly(res, 'dns.too_many_labels', `a name has more than ${MAX_NAME_SEGMENTS} labels and pointers`);
  return res;
}
