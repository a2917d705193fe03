/**
 * CIDR prefixes over the engine's address form (four 32-bit words, IPv4-mapped), so a selector compares
 * numbers against the flow's own address words without formatting them.
 */
import { parseIp } from './address.js';

export interface Cidr {
  readonly words: Uint32Array;
  /** Prefix length over the 128-bit form (an IPv4 /24 is /120 here). */
  readonly bits: number;
  readonly text: string;
}

export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const max = ip.ipVersion === 4 ? 32 : 128;
  const len = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(len) || len < 0 || len > max) return undefined;
  return { words: ip.words, bits: ip.ipVersion === 4 ? 96 + len : len, text };
}

export function cidrContains(c: Cidr, addr: ArrayLike<number>): boolean {
  let left = c.bits;
  for (let i = 0; i < 4 && left > 0; i++) {
    const take = left >= 32 ? 32 : left;
    const mask = take === 32 ? 0xffffffff : ~(0xffffffff >>> take) >>> 0;
    if (((addr[i] ^ c.words[i]) & mask) >>> 0 !== 0) return false;
    left -= take;
  }
  return true;
}
