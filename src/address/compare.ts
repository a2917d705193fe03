/** Equality and ordering over words: IPv4 sorts before IPv6, each family by numeric value. */
import { isIpv4Words, type IpWords } from './types.js';

export function equalIp(a: IpWords, b: IpWords): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** Negative, zero or positive as `a` sorts before, with or after `b` (a comparator for Array.sort). */
export function compareIp(a: IpWords, b: IpWords): number {
  const a4 = isIpv4Words(a);
  if (a4 !== isIpv4Words(b)) return a4 ? -1 : 1;
  return compareWords(a, b);
}

/**
 * Plain numeric order of the 128-bit values (the mapped IPv4 range sits between ::1 and 64:ff9b::). The
 * offsets read addresses packed four words each in one larger array.
 */
export function compareWords(a: IpWords, b: IpWords, aOff = 0, bOff = 0): number {
  for (let i = 0; i < 4; i++) {
    const x = a[aOff + i] >>> 0;
    const y = b[bOff + i] >>> 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
