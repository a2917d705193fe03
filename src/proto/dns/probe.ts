/**
 * Is this DNS? Decided by content: a sane opcode, a few questions, section counts the message length can
 * hold, and a first question name made of well-formed labels. The usual ports (53, 5353, 5355) and those the
 * configuration names (detection-ports) relax a few checks, as Suricata detects DNS there by port. No allocation.
 */
import { PROBE_MATCH, PROBE_NEED_MORE, PROBE_NO, type ProbeResult } from '../../flow/index.js';
import { DNS_HEADER_LEN } from './message.js';

/** Questions per message a probe accepts; real resolvers send one, mDNS a handful. */
const MAX_PROBE_QUESTIONS = 16;

function isDnsPort(p: number): boolean {
  return p === 53 || p === 5353 || p === 5355;
}

/**
 * Checks the message `buf[off, off+avail)` whose full length is `msgLen` (≥ avail when a TCP segment cut
 * it). Returns NEED_MORE when the available bytes end inside the first question.
 */
export function probeDnsMessage(
  buf: Buffer,
  off: number,
  avail: number,
  msgLen: number,
  portHint: boolean,
): ProbeResult {
  if (msgLen < DNS_HEADER_LEN) return PROBE_NO;
  if (avail < DNS_HEADER_LEN) return PROBE_NEED_MORE;
  const flags = buf.readUInt16BE(off + 2);
  const opcode = (flags >> 11) & 15;
  // An unassigned opcode is DNS on a DNS port (Suricata detects it there and raises dns.invalid_opcode).
  if ((opcode === 3 || opcode > 6) && !portHint) return PROBE_NO;
  const qd = buf.readUInt16BE(off + 4);
  const an = buf.readUInt16BE(off + 6);
  const ns = buf.readUInt16BE(off + 8);
  const ar = buf.readUInt16BE(off + 10);
  const isResponse = (flags & 0x8000) !== 0;
  // Only UPDATE (5) may carry zero questions… and responses that echo nothing back (rare, but real).
  if (qd === 0 && !(isResponse && portHint) && opcode !== 5) return PROBE_NO;
  if (qd > MAX_PROBE_QUESTIONS && !portHint) return PROBE_NO;
  // A query carries no answers (mDNS known-answer lists excepted, which use port 5353).
  if (!isResponse && an > 0 && !portHint) return PROBE_NO;
  // Minimal sizes: a question is ≥ 5 bytes, a resource record ≥ 11.
  if (DNS_HEADER_LEN + qd * 5 + (an + ns + ar) * 11 > msgLen) return PROBE_NO;
  if (qd === 0) return PROBE_MATCH;
  // Walk the first question's labels. No backward pointer can be legal before any name exists; a forward one
  // is odd but parsed by resolvers and Suricata, so a DNS port accepts it (suricata-verify dns-forward-pointer).
  let p = off + DNS_HEADER_LEN;
  const end = off + avail;
  let total = 0;
  for (;;) {
    if (p >= end) return avail < msgLen ? PROBE_NEED_MORE : PROBE_NO;
    const l = buf[p];
    if (l === 0) break;
    if ((l & 0xc0) === 0xc0 && portHint) {
      // The pointer's second byte ends the name: p + 1 plays the part of the terminating zero.
      p += 1;
      break;
    }
    if (l > 63) return PROBE_NO;
    total += l + 1;
    // Past 255 bytes a name is not a real one; a DNS port still takes it (Suricata parses and truncates it).
    if (total > 255 && !portHint) return PROBE_NO;
    p += 1 + l;
  }
  if (p + 5 > end) return avail < msgLen ? PROBE_NEED_MORE : PROBE_NO;
  const qtype = buf.readUInt16BE(p + 1);
  const qclass = buf.readUInt16BE(p + 3) & 0x7fff;
  if (qtype === 0) return PROBE_NO;
  // IN, CH, HS, NONE, ANY.
  if (qclass !== 1 && qclass !== 3 && qclass !== 4 && qclass !== 254 && qclass !== 255) return PROBE_NO;
  return PROBE_MATCH;
}

/** `portHint`: a port the configuration names for DNS (detection-ports), beside the usual ones. */
export function probeDnsDatagram(
  buf: Buffer,
  off: number,
  len: number,
  srcPort: number,
  dstPort: number,
  portHint = false,
): ProbeResult {
  const r = probeDnsMessage(buf, off, len, len, portHint || isDnsPort(srcPort) || isDnsPort(dstPort));
  return r === PROBE_NEED_MORE ? PROBE_NO : r;
}

/** DNS over TCP (RFC 1035 §4.2.2, RFC 7766): a two-byte length, then the message. */
export function probeDnsStream(
  buf: Buffer,
  off: number,
  len: number,
  srcPort: number,
  dstPort: number,
  portHint = false,
): ProbeResult {
  if (len < 2) return PROBE_NEED_MORE;
  const msgLen = buf.readUInt16BE(off);
  if (msgLen < DNS_HEADER_LEN) return PROBE_NO;
  return probeDnsMessage(
    buf,
    off + 2,
    Math.min(len - 2, msgLen),
    msgLen,
    portHint || isDnsPort(srcPort) || isDnsPort(dstPort),
  );
}
