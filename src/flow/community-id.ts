/**
 * Community ID v1 (corelight/community-id-spec): base64(SHA-1(seed ‖ addrA ‖ addrB ‖ proto ‖ 0 ‖ portA ‖ portB))
 * with the endpoints ordered (lower address first, then lower port) so both directions give the same id, and
 * ICMP type/code mapped to port equivalents. Computed once per flow, when a record is written.
 */
import * as crypto from 'node:crypto';
import { compareWords, writeIpBytes } from '../address/index.js';
import { hasPorts, icmpCounterpart, isIcmp } from './flow-hash.js';

export interface CommunityIdInput {
  ipVersion: number;
  /** Four words each; IPv4 IPv4-mapped in word 3. */
  src: ArrayLike<number>;
  dst: ArrayLike<number>;
  proto: number;
  /** TCP/UDP/SCTP ports; for ICMP the type (srcPort) and code (dstPort) of the flow's first packet. */
  srcPort: number;
  dstPort: number;
}

export function communityId(f: CommunityIdInput, seed = 0): string {
  let sp = f.srcPort;
  let dp = f.dstPort;
  let oneWay = false;
  if (isIcmp(f.proto)) {
    const c = icmpCounterpart(f.proto, sp);
    if (c >= 0) dp = c;
    else oneWay = true;
  }
  const ports = hasPorts(f.proto) || isIcmp(f.proto);
  let a = f.src;
  let b = f.dst;
  const cmp = compareWords(a, b);
  // The spec keeps a one-way ICMP message as sent; everything else is ordered so both directions agree.
  if (!oneWay && (cmp > 0 || (cmp === 0 && ports && sp > dp))) {
    a = f.dst;
    b = f.src;
    const t = sp;
    sp = dp;
    dp = t;
  }
  const v4 = f.ipVersion === 4;
  const buf = Buffer.alloc(2 + (v4 ? 8 : 32) + 2 + (ports ? 4 : 0));
  buf.writeUInt16BE(seed & 0xffff, 0);
  let off = writeIpBytes(a, v4 ? 4 : 6, buf, 2);
  off = writeIpBytes(b, v4 ? 4 : 6, buf, off);
  buf[off++] = f.proto & 255;
  buf[off++] = 0;
  if (ports) {
    buf.writeUInt16BE(sp & 0xffff, off);
    buf.writeUInt16BE(dp & 0xffff, off + 2);
  }
  return '1:' + sha1Base64(buf);
}

/** One-shot `crypto.hash` (Node ≥ 20.12) is ~2.5× faster than a Hash object for these 40-byte inputs. */
function sha1Base64(buf: Buffer): string {
  if (typeof crypto.hash === 'function') return crypto.hash('sha1', buf, 'base64');
  return crypto.createHash('sha1').update(buf).digest('base64');
}
