/**
 * Words to text. IPv6 follows RFC 5952 §4: lower case, no leading zeros, the longest run of two or more zero
 * groups (the first on a tie) as '::'. IPv4-mapped words printed as IPv6 keep hex groups (::ffff:102:304),
 * not §5's dotted tail: that is what moat's EVE has always written, and EVE stays byte-identical.
 */
import type { IpWords } from './types.js';

export function formatIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function group(w: IpWords, i: number): number {
  const word = w[i >> 1] >>> 0;
  return i & 1 ? word & 0xffff : word >>> 16;
}

export function formatIpv6(w: IpWords): string {
  // Longest run of ≥2 zero groups, the first one on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (group(w, i) !== 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < 8 && group(w, j) === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s.length > 0 && !s.endsWith(':')) s += ':';
    s += group(w, i).toString(16);
  }
  return s;
}

/** The address as text: dotted IPv4 when `version` is 4, else RFC 5952 IPv6 (as the packet carried it). */
export function formatIp(w: IpWords, version: number): string {
  return version === 4 ? formatIpv4(w[3] >>> 0) : formatIpv6(w);
}

/** All eight IPv6 groups without '::' and without leading zeros (a spelling some callers key on). */
export function formatIpv6Full(w: IpWords): string {
  let s = group(w, 0).toString(16);
  for (let i = 1; i < 8; i++) s += `:${group(w, i).toString(16)}`;
  return s;
}
