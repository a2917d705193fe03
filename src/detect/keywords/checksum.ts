/**
 * The checksum keywords (`ipv4-csum`, `tcpv4-csum`, `tcpv6-csum`, `udpv4-csum`, `udpv6-csum`, `icmpv4-csum`,
 * `icmpv6-csum`, each `valid` or `invalid`), as Suricata's detect-csum reads them: a packet of another family or
 * protocol never matches; otherwise the checksum is computed over the packet (RFC 1071, with the RFC 793/768/
 * 8200 pseudo-header) and compared with the one it carries. The sum is computed only for packets that reach a
 * rule using the keyword. A packet whose checksum cannot be computed from what was captured (cut short, an IP
 * fragment, an IPv6 extension header moat does not walk) matches neither.
 */
import { RuleError } from '../rule.js';
import type { DecodedPacket } from '../../decode/index.js';
import { needValue, type KeywordHandler } from './context.js';

export type ChecksumLayer = 'ipv4' | 'tcpv4' | 'tcpv6' | 'udpv4' | 'udpv6' | 'icmpv4' | 'icmpv6';

export interface ChecksumTest {
  layer: ChecksumLayer;
  valid: boolean;
}

const LAYERS: readonly ChecksumLayer[] = ['ipv4', 'tcpv4', 'tcpv6', 'udpv4', 'udpv6', 'icmpv4', 'icmpv6'];

function handler(layer: ChecksumLayer): KeywordHandler {
  return (c, v, k) => {
    const word = needValue(v, k).trim().toLowerCase();
    if (word !== 'valid' && word !== 'invalid')
      throw new RuleError(`takes 'valid' or 'invalid', got '${word}'`, undefined, k);
    (c.rule.checksums ??= []).push({ layer, valid: word === 'valid' });
  };
}

export const CHECKSUM_KEYWORDS: Record<string, KeywordHandler> = Object.fromEntries(
  LAYERS.map((l) => [`${l}-csum`, handler(l)]),
);

/** One's-complement sum of `len` bytes from `off`, added to `sum`, not folded. */
function addBytes(buf: Uint8Array, off: number, len: number, sum: number): number {
  const end = off + len - 1;
  let i = off;
  for (; i < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i === end) sum += buf[i] << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

const NEXT_HEADER_EXT = new Set([0, 43, 60]);

/** The transport header's offset and length in `pkt.buf`, or -1 when it cannot be read whole. */
function transport(pkt: DecodedPacket): { off: number; len: number } | undefined {
  const b = pkt.buf;
  const l3 = pkt.l3Off;
  if (pkt.ipVersion === 4) {
    if (l3 + 20 > b.length) return undefined;
    const ihl = (b[l3] & 0x0f) * 4;
    const total = (b[l3 + 2] << 8) | b[l3 + 3];
    // A fragment's transport checksum covers the whole datagram.
    if ((b[l3 + 6] & 0x20) !== 0 || (((b[l3 + 6] & 0x1f) << 8) | b[l3 + 7]) !== 0) return undefined;
    if (total < ihl || l3 + total > b.length) return undefined;
    return { off: l3 + ihl, len: total - ihl };
  }
  if (pkt.ipVersion === 6) {
    if (l3 + 40 > b.length) return undefined;
    const end = l3 + 40 + ((b[l3 + 4] << 8) | b[l3 + 5]);
    if (end > b.length) return undefined;
    let nh = b[l3 + 6];
    let off = l3 + 40;
    // Hop-by-hop, routing and destination options; a fragment header (44) or anything else ends the walk.
    while (NEXT_HEADER_EXT.has(nh)) {
      if (off + 8 > end) return undefined;
      nh = b[off];
      off += (b[off + 1] + 1) * 8;
    }
    if (nh !== pkt.proto || off > end) return undefined;
    return { off, len: end - off };
  }
  return undefined;
}

/** Whether the packet's checksum at `layer` is valid; undefined when the keyword does not apply or cannot tell. */
export function checksumValid(layer: ChecksumLayer, pkt: DecodedPacket): boolean | undefined {
  const b = pkt.buf;
  const v6 = layer === 'tcpv6' || layer === 'udpv6' || layer === 'icmpv6';
  if (pkt.ipVersion !== (v6 ? 6 : 4) || pkt.truncated) return undefined;
  if (layer === 'ipv4') {
    const ihl = (b[pkt.l3Off] & 0x0f) * 4;
    if (ihl < 20 || pkt.l3Off + ihl > b.length) return undefined;
    return fold(addBytes(b, pkt.l3Off, ihl, 0)) === 0xffff;
  }
  const proto = layer.startsWith('tcp') ? 6 : layer.startsWith('udp') ? 17 : v6 ? 58 : 1;
  if (pkt.proto !== proto) return undefined;
  const t = transport(pkt);
  if (!t) return undefined;
  const minHeader = proto === 6 ? 20 : 8;
  if (t.len < minHeader) return undefined;
  // UDP over IPv4 may carry no checksum at all (RFC 768): nothing to be wrong.
  if (proto === 17 && !v6 && b[t.off + 6] === 0 && b[t.off + 7] === 0) return true;
  let sum = 0;
  if (proto !== 1) {
    // The pseudo-header: addresses, the protocol and the transport length.
    const l3 = pkt.l3Off;
    sum = v6 ? addBytes(b, l3 + 8, 32, 0) : addBytes(b, l3 + 12, 8, 0);
    sum += proto + t.len;
  }
  return fold(addBytes(b, t.off, t.len, sum)) === 0xffff;
}

/** Every checksum test of a rule holds for the packet. */
export function checksumsMatch(tests: readonly ChecksumTest[], pkt: DecodedPacket): boolean {
  for (const t of tests) {
    const ok = checksumValid(t.layer, pkt);
    if (ok === undefined || ok !== t.valid) return false;
  }
  return true;
}
