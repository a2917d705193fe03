/**
 * Desensitises classic pcap captures: Ethernet MACs and IPv4/IPv6 addresses are replaced with
 * their keyed pseudonyms (checksums recomputed), and transport payloads — which cannot be desensitised
 * reliably — are obfuscated by cutting them off (the frame keeps its headers, caplen shrinks).
 * Link types: Ethernet, BSD null/loop, raw IP and Linux SLL. Damaged records end the rewrite with an
 * error naming the offset; pcapng is rewritten by `pcapng.ts` with the same frame rewriter.
 */
import { formatIpv4, formatIpv6Full, parseIp, readIpBytes } from '../address/index.js';
import type { Pseudonymiser } from './pseudonymise.js';

export class PcapRewriteError extends Error {}

function sum16(b: Buffer, off: number, len: number, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < len; i += 2) s += b.readUInt16BE(off + i);
  if (len & 1) s += b[off + len - 1] << 8;
  return s;
}
const fold = (s: number): number => {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
};

const words = new Uint32Array(4);

function rewriteIp(pkt: Buffer, o: number, p: Pseudonymiser, keepPayload: boolean): number {
  const v = pkt[o] >> 4;
  if (v === 4 && o + 20 <= pkt.length) {
    const ihl = (pkt[o] & 15) * 4;
    for (const at of [o + 12, o + 16]) {
      readIpBytes(pkt, at, 4, words);
      pkt.writeUInt32BE(parseIp(p.ipv4(formatIpv4(words[3]))).words[3], at);
    }
    pkt.writeUInt16BE(0, o + 10);
    pkt.writeUInt16BE(fold(sum16(pkt, o, Math.min(ihl, pkt.length - o))), o + 10);
    return transport(pkt, o + ihl, pkt[o + 9], keepPayload, () => sum16(pkt, o + 12, 8));
  }
  if (v === 6 && o + 40 <= pkt.length) {
    for (const at of [o + 8, o + 24]) {
      readIpBytes(pkt, at, 16, words);
      // The pseudonymiser keys on the eight-group spelling (its memo and the privacy check see that text).
      const out = parseIp(p.ipv6(formatIpv6Full(words))).words;
      for (let i = 0; i < 4; i++) pkt.writeUInt32BE(out[i], at + 4 * i);
    }
    return transport(pkt, o + 40, pkt[o + 6], keepPayload, () => sum16(pkt, o + 8, 32));
  }
  // Not IP, or a header cut short: nothing after the link header can be vouched for.
  return keepPayload ? pkt.length : Math.min(o, pkt.length);
}

/** Recomputes TCP/UDP checksums over what is kept; returns the new captured length. */
function transport(
  pkt: Buffer,
  o: number,
  proto: number,
  keepPayload: boolean,
  pseudo: () => number,
): number {
  if (proto === 6 && o + 20 <= pkt.length) {
    const hl = (pkt[o + 12] >> 4) * 4;
    const end = keepPayload ? pkt.length : Math.min(pkt.length, o + hl);
    pkt.writeUInt16BE(0, o + 16);
    pkt.writeUInt16BE(fold(sum16(pkt, o, end - o, pseudo() + 6 + (end - o))), o + 16);
    return end;
  }
  if (proto === 17 && o + 8 <= pkt.length) {
    const end = keepPayload ? pkt.length : o + 8;
    pkt.writeUInt16BE(0, o + 6);
    return end;
  }
  return keepPayload ? pkt.length : Math.min(pkt.length, o + 8);
}

/** Link types whose frames can be rewritten: Ethernet, BSD null/loop, raw IP, Linux SLL, raw IPv4/IPv6. */
export const REWRITABLE_LINKS = new Set([0, 1, 101, 113, 228, 229]);

function rewriteMac(pkt: Buffer, at: number, p: Pseudonymiser): void {
  const mac = [...pkt.subarray(at, at + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
  if (mac === 'ff:ff:ff:ff:ff:ff' || mac === '00:00:00:00:00:00') return;
  const fake = p
    .mac(mac)
    .split(':')
    .map((x) => parseInt(x, 16));
  for (let i = 0; i < 6; i++) pkt[at + i] = fake[i];
}

/**
 * Rewrites one captured frame in place (addresses → pseudonyms, checksums recomputed) and returns the
 * length to keep (payloads cut unless `keepPayload`). Shared by the pcap and pcapng writers.
 */
export function rewriteFrame(pkt: Buffer, link: number, p: Pseudonymiser, keepPayload: boolean): number {
  switch (link) {
    case 1: {
      if (pkt.length < 14) return keepPayload ? pkt.length : 0;
      rewriteMac(pkt, 0, p);
      rewriteMac(pkt, 6, p);
      let et = pkt.readUInt16BE(12);
      let ipOff = 14;
      if (et === 0x8100 && pkt.length >= 18) {
        et = pkt.readUInt16BE(16);
        ipOff = 18;
      }
      if (et === 0x0800 || et === 0x86dd) return rewriteIp(pkt, ipOff, p, keepPayload);
      // ARP and everything else carry addresses we do not parse: only the link header stays.
      return keepPayload ? pkt.length : Math.min(pkt.length, ipOff);
    }
    case 0: {
      // BSD loopback: a 4-byte address family in the writer's byte order (2 = IPv4, 24/28/30 = IPv6)
      if (pkt.length < 4) return pkt.length;
      const v = pkt[4] >> 4;
      if (v === 4 || v === 6) return rewriteIp(pkt, 4, p, keepPayload);
      return keepPayload ? pkt.length : 4;
    }
    case 101:
    case 228:
    case 229:
      return rewriteIp(pkt, 0, p, keepPayload);
    case 113: {
      // Linux cooked capture: the link-layer address at 6..13 (length at 4), protocol at 14
      if (pkt.length < 16) return keepPayload ? pkt.length : 0;
      if (pkt.readUInt16BE(4) === 6) rewriteMac(pkt, 6, p);
      const et = pkt.readUInt16BE(14);
      if (et === 0x0800 || et === 0x86dd) return rewriteIp(pkt, 16, p, keepPayload);
      return keepPayload ? pkt.length : 16;
    }
    default:
      throw new PcapRewriteError(
        `link type ${link} not supported (Ethernet, null/loopback, raw IP and Linux SLL only)`,
      );
  }
}

export function pseudonymisePcap(
  input: Buffer,
  p: Pseudonymiser,
  opts: { keepPayload?: boolean } = {},
): Buffer {
  if (input.length < 24) throw new PcapRewriteError('not a pcap file: shorter than the 24-byte header');
  const magic = input.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && input.readUInt32BE(0) !== 0xa1b2c3d4 && input.readUInt32BE(0) !== 0xa1b23c4d)
    throw new PcapRewriteError(`not a classic pcap file (magic 0x${magic.toString(16)})`);
  const u32 = (o: number): number => (le ? input.readUInt32LE(o) : input.readUInt32BE(o));
  const link = u32(20) & 0xffff;
  if (!REWRITABLE_LINKS.has(link)) rewriteFrame(Buffer.alloc(0), link, p, false);
  const parts: Buffer[] = [Buffer.from(input.subarray(0, 24))];
  let o = 24;
  while (o + 16 <= input.length) {
    const caplen = u32(o + 8);
    if (o + 16 + caplen > input.length)
      throw new PcapRewriteError(`record at offset ${o} claims ${caplen} bytes past the end of the file`);
    const head = Buffer.from(input.subarray(o, o + 16));
    const pkt = Buffer.from(input.subarray(o + 16, o + 16 + caplen));
    const keep = rewriteFrame(pkt, link, p, opts.keepPayload ?? false);
    if (le) head.writeUInt32LE(keep, 8);
    else head.writeUInt32BE(keep, 8);
    parts.push(head, pkt.subarray(0, keep));
    o += 16 + caplen;
  }
  return Buffer.concat(parts);
}
