/**
 * T-45: is the peer's country one this network usually talks to. Usual = on the policy's allow list, or seen at
 * least `learnAfter` times from the source's network (/24 for IPv4, /48 for IPv6) within the window; deny wins.
 */
import { cidrOf, formatCidr } from '../../address/index.js';
import type { HandshakeFeatures } from '../features.js';
import type { Policy } from '../policy/schema.js';
import type { TlsmonServices } from '../services.js';
import { unavailable, type DimensionOutcome } from './result.js';

/** The network a source belongs to for "usual locations": its /24 (IPv4) or /48 (IPv6). */
export function sourceNetwork(f: HandshakeFeatures): string {
  if (f.ipVersion === 4) return formatCidr(cidrOf(f.src, 24, 4));
  // A history key, not an address to show: the first word in hex then the next group ('20010db8:1::/48'
  // for 2001:db8:1::/48). Stored counters are keyed so; RFC 5952 text here would orphan what they learned.
  return `${(f.src[0] >>> 0).toString(16)}:${(f.src[1] >>> 16).toString(16)}::/48`;
}

export function geoKey(f: HandshakeFeatures, country: string): string {
  return `${sourceNetwork(f)}|${country}`;
}

export function geolocation(
  f: HandshakeFeatures,
  s: NonNullable<Policy['reputation']['geolocation']>,
  svc: TlsmonServices,
): DimensionOutcome {
  if (!svc.geo) return unavailable('no geolocation database configured');
  const ips = s.check === 'both' ? [f.srcIp, f.dstIp] : s.check === 'src' ? [f.srcIp] : [f.dstIp];
  const seen: string[] = [];
  let worst = Infinity;
  for (const ip of ips) {
    const cc = svc.geo.country(ip);
    if (!cc) continue;
    seen.push(`${ip}=${cc}`);
    let usual: boolean;
    if (s.deny.includes(cc)) usual = false;
    else if (s.allow.includes(cc)) usual = true;
    else usual = (svc.history?.count('geo', geoKey(f, cc), s.window, f.tsUs / 1e6) ?? 0) >= s.learnAfter;
    worst = Math.min(worst, usual ? s.usual : s.unusual);
  }
  if (seen.length === 0) return unavailable('address not in the geolocation database');
  return { raw: seen.join(' '), score: worst };
}
