/**
 * Presentation form of resource-record data (RFC 1035 §3.3, RFC 3596, RFC 2782): the text a log shows.
 * Types without a presentation rule here are shown as lower-case hex of the raw rdata (RFC 3597's spirit).
 * Names inside rdata may use compression, so they are read against the whole message.
 */
import { formatIp, readIpBytes } from '../../address/index.js';
import { bytesText, readName, type NameResult } from './names.js';
import {
  TYPE_A,
  TYPE_AAAA,
  TYPE_CNAME,
  TYPE_MX,
  TYPE_NS,
  TYPE_OPT,
  TYPE_PTR,
  TYPE_SOA,
  TYPE_SRV,
  TYPE_TXT,
} from './rr-types.js';
import type { DnsAnswer } from './types.js';

const TYPE_MB = 7;
const TYPE_MG = 8;
const TYPE_MR = 9;
const TYPE_NULL = 10;
const TYPE_HINFO = 13;
const TYPE_DNAME = 39;
const TYPE_SSHFP = 44;
const TYPE_SPF = 99;

const words = new Uint32Array(4);

/** Character-string bytes (RFC 1035 §3.3) as text, escaped the way Suricata writes raw bytes. */
export function printableText(buf: Buffer, off: number, len: number): string {
  return bytesText(buf.toString('latin1', off, off + len));
}

function hex(buf: Buffer, off: number, len: number): string {
  return buf.toString('hex', off, off + len);
}

/** `19:8c:34:…`: how Suricata writes an SSHFP fingerprint. */
function colonHex(buf: Buffer, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++)
    s += (i > 0 ? ':' : '') + (buf[off + i] < 16 ? '0' : '') + buf[off + i].toString(16);
  return s;
}

/** Reads consecutive character-strings filling `len` bytes; undefined when one overruns. */
function characterStrings(buf: Buffer, off: number, len: number): string[] | undefined {
  const out: string[] = [];
  const end = off + len;
  let p = off;
  while (p < end) {
    const n = buf[p];
    if (p + 1 + n > end) return undefined;
    out.push(printableText(buf, p + 1, n));
    p += 1 + n;
  }
  return out;
}

/**
 * Fills `rr.data` (and the structured field for SOA/SRV/MX/TXT) from the rdata at `off`. Returns '' or a
 * description of what is malformed; on error `rr.data` holds the raw rdata as hex.
 */
export function presentRdata(
  buf: Buffer,
  msgStart: number,
  msgEnd: number,
  off: number,
  len: number,
  rr: DnsAnswer,
  nr: NameResult,
): string {
  const end = off + len;
  switch (rr.type) {
    case TYPE_A:
      if (len !== 4) return bad(rr, buf, off, len, `A record with ${len} data bytes (want 4)`);
      readIpBytes(buf, off, 4, words);
      rr.data = formatIp(words, 4);
      return '';
    case TYPE_AAAA:
      if (len !== 16) return bad(rr, buf, off, len, `AAAA record with ${len} data bytes (want 16)`);
      readIpBytes(buf, off, 16, words);
      rr.data = formatIp(words, 6);
      return '';
    case TYPE_CNAME:
    case TYPE_NS:
    case TYPE_PTR:
    case TYPE_DNAME:
    case TYPE_MB:
    case TYPE_MG:
    case TYPE_MR: {
      readName(buf, msgStart, end, off, nr);
      if (nr.next < 0) return bad(rr, buf, off, len, nr.error);
      rr.data = nr.name;
      if (nr.truncated) rr.dataTruncated = true;
      return '';
    }
    case TYPE_MX: {
      if (len < 3) return bad(rr, buf, off, len, `MX record with ${len} data bytes`);
      readName(buf, msgStart, end, off + 2, nr);
      if (nr.next < 0) return bad(rr, buf, off, len, nr.error);
      rr.preference = buf.readUInt16BE(off);
      rr.data = nr.name;
      if (nr.truncated) rr.dataTruncated = true;
      return '';
    }
    case TYPE_SOA: {
      readName(buf, msgStart, end, off, nr);
      if (nr.next < 0) return bad(rr, buf, off, len, nr.error);
      const mname = nr.name;
      readName(buf, msgStart, end, nr.next, nr);
      if (nr.next < 0) return bad(rr, buf, off, len, nr.error);
      const rname = nr.name;
      const p = nr.next;
      if (p + 20 > end) return bad(rr, buf, off, len, 'SOA record cut short before its counters');
      rr.soa = {
        mname,
        rname,
        serial: buf.readUInt32BE(p),
        refresh: buf.readUInt32BE(p + 4),
        retry: buf.readUInt32BE(p + 8),
        expire: buf.readUInt32BE(p + 12),
        minimum: buf.readUInt32BE(p + 16),
      };
      const s = rr.soa;
      rr.data = `${mname} ${rname} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
      return '';
    }
    case TYPE_SRV: {
      if (len < 7) return bad(rr, buf, off, len, `SRV record with ${len} data bytes`);
      readName(buf, msgStart, end, off + 6, nr);
      if (nr.next < 0) return bad(rr, buf, off, len, nr.error);
      rr.srv = {
        priority: buf.readUInt16BE(off),
        weight: buf.readUInt16BE(off + 2),
        port: buf.readUInt16BE(off + 4),
        name: nr.name,
      };
      rr.data = `${rr.srv.priority} ${rr.srv.weight} ${rr.srv.port} ${nr.name}`;
      return '';
    }
    case TYPE_TXT:
    case TYPE_SPF: {
      const strings = characterStrings(buf, off, len);
      if (!strings) return bad(rr, buf, off, len, 'TXT character-string runs past its record');
      rr.txt = strings;
      rr.data = strings.join('');
      return '';
    }
    case TYPE_HINFO: {
      const strings = characterStrings(buf, off, len);
      if (!strings) return bad(rr, buf, off, len, 'HINFO character-string runs past its record');
      rr.data = strings.join(' ');
      return '';
    }
    case TYPE_SSHFP:
      if (len < 2) return bad(rr, buf, off, len, `SSHFP record with ${len} data bytes`);
      rr.data = `${buf[off]} ${buf[off + 1]} ${hex(buf, off + 2, len - 2)}`;
      rr.sshfp = { algo: buf[off], type: buf[off + 1], fingerprint: colonHex(buf, off + 2, len - 2) };
      return '';
    case TYPE_OPT: {
      // Options are code, length, data; a malformed list keeps the options read before it.
      const opts: { code: number; data: string }[] = [];
      let p = off;
      while (p + 4 <= end) {
        const n = buf.readUInt16BE(p + 2);
        if (p + 4 + n > end) break;
        opts.push({ code: buf.readUInt16BE(p), data: hex(buf, p + 4, n) });
        p += 4 + n;
      }
      rr.opt = opts;
      rr.data = hex(buf, off, len);
      return '';
    }
    case TYPE_NULL:
      rr.data = printableText(buf, off, len);
      return '';
    default:
      rr.data = hex(buf, off, len);
      return '';
  }
}

function bad(rr: DnsAnswer, buf: Buffer, off: number, len: number, why: string): string {
  rr.data = hex(buf, off, len);
  return why;
}
