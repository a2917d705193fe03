/**
 * Neighbourhood groups for honest splits: every sample of a group lands on the same side of train/test,
 * so neighbours (the same /24 — /48 for IPv6 — or the same AS) never help predict each other, and one
 * remote address (always inside one /24) never sits on both sides.
 */
import { tryParseIp } from '../address/index.js';
import type { GeoLookup } from '../intel/index.js';

export type GroupBy = '24' | 'asn';

/** The /24 (IPv4) or /48 (IPv6) of an address as a 32-bit group id; the top bit marks IPv6. */
export function neighbourhoodGroup(ip: string): number {
  const a = tryParseIp(ip);
  if (!a) return 0;
  const w = a.words;
  if (a.version === 4) return w[3] >>> 8;
  // /48: fold the top 48 bits into 31 and mark IPv6.
  const top = w[0] * 65536 + (w[1] >>> 16);
  return (((Math.floor(top / 4294967296) ^ top) >>> 1) | 0x80000000) >>> 0;
}

/** FNV-1a of a short key: AS numbers hashed into the same 32-bit id space as the /24 ids, tagged apart. */
function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * The AS of the address when the lookup knows it, else its /24 (/48). `asnOk: false` marks addresses that
 * are not real (anonymised captures), whose AS would say nothing about neighbourhood: they keep the /24.
 */
export function splitGroup(ip: string, by: GroupBy, geo?: GeoLookup, asnOk = true): number {
  if (by === 'asn' && asnOk && geo?.enabled) {
    const asn = geo.lookup(ip).asn;
    if (asn !== undefined) return fnv(`AS${asn}`);
  }
  return neighbourhoodGroup(ip);
}
