/**
 * CIDR prefixes over words. An IPv4 prefix covers part of ::ffff:0:0/96 (IPv4 /24 is 120 bits of the
 * 128-bit form), so containment is one masked comparison of words for either family. The families stay
 * apart as Suricata and the feeds mean them: an IPv6 prefix never contains an IPv4 address, even one
 * as wide as ::/0 (whose bits would cover the mapped range).
 */
import { ipProblem, parseIpInto } from './parse.js';
import { formatIp } from './format.js';
import { AddressError, isIpv4Words, ipFamily, type IpVersion, type IpWords } from './types.js';

export interface Cidr {
  /** Family of the prefix: 4 for IPv4 (and IPv4-mapped text of /96 or longer). */
  readonly version: IpVersion;
  /** Network address, host bits cleared. */
  readonly words: Uint32Array;
  /** Prefix length within its family (an IPv4 /24 is 24). */
  readonly length: number;
  /** Prefix length over the 128-bit form (an IPv4 /24 is 120). */
  readonly bits: number;
}

/** MASKS[n]: the top n bits of a 32-bit word (shared with prefix-set.ts; not part of the public surface). */
export const MASKS = Uint32Array.from({ length: 33 }, (_, n) =>
  n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0,
);

/** The top `bits` bits of `w` into `out` (the network address of the prefix holding `w`). */
export function maskIp(w: IpWords, bits: number, out: Uint32Array = new Uint32Array(4)): Uint32Array {
  for (let i = 0; i < 4; i++) {
    const take = bits - 32 * i;
    out[i] = take >= 32 ? w[i] >>> 0 : take <= 0 ? 0 : (w[i] & MASKS[take]) >>> 0;
  }
  return out;
}

/** The prefix of `length` bits (within the family) holding the address, e.g. its /24. */
export function cidrOf(w: IpWords, length: number, version: IpVersion = ipFamily(w)): Cidr {
  const max = version === 4 ? 32 : 128;
  if (!Number.isInteger(length) || length < 0 || length > max)
    throw new RangeError(`prefix length ${length} is outside 0…${max}`);
  const bits = version === 4 ? 96 + length : length;
  return { version, words: maskIp(w, bits), length, bits };
}

const scratch = new Uint32Array(4);

function scanCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const v = parseIpInto(addr, scratch);
  if (v === 0) return `the address: ${ipProblem(addr)}`;
  let bits = 128;
  if (slash >= 0) {
    const l = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(l)) return `prefix length '${l}' is not a number`;
    // An IPv4 length counts within IPv4; IPv6 text (even IPv4-mapped) counts over 128 bits.
    const mappedText = v === 4 && addr.includes(':');
    bits = v === 4 && !mappedText ? 96 + Number(l) : Number(l);
    const max = v === 4 && !mappedText ? 32 : 128;
    if (Number(l) > max) return `prefix length ${l} is over ${max}`;
  }
  // IPv4-mapped text shorter than /96 names IPv6 space, not IPv4 addresses.
  const version: IpVersion = v === 4 && bits >= 96 ? 4 : 6;
  const words = maskIp(scratch, bits);
  return { version, words, length: version === 4 ? bits - 96 : bits, bits };
}

/** 'a.b.c.d/len', 'x::/len' or a bare address (a host prefix); undefined when not valid. */
export function tryParseCidr(text: string): Cidr | undefined {
  const r = scanCidr(text);
  return typeof r === 'string' ? undefined : r;
}

/** Like tryParseCidr, but throws AddressError naming the text and what is wrong with it. */
export function parseCidr(text: string): Cidr {
  const r = scanCidr(text);
  if (typeof r !== 'string') return r;
  throw new AddressError(text, r, 'a CIDR prefix');
}

export function cidrContains(c: Cidr, w: IpWords): boolean {
  const n = c.words;
  if (c.version === 6 && isIpv4Words(w)) return false;
  const bits = c.bits;
  for (let i = 0; i < 4; i++) {
    const take = bits - 32 * i;
    if (take <= 0) return true;
    const m = take >= 32 ? 0xffffffff : MASKS[take];
    if (((w[i] ^ n[i]) & m) !== 0) return false;
  }
  return true;
}

/** 'a.b.c.d/len' or 'x::/len' (host bits cleared, RFC 5952 IPv6). */
export function formatCidr(c: Cidr): string {
  return `${formatIp(c.words, c.version)}/${c.length}`;
}

/** True when the prefix is a single address (/32, /128). */
export function isHostCidr(c: Cidr): boolean {
  return c.bits === 128;
}
