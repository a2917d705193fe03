/** T-24 certificate blacklist (by SHA-1, as abuse.ch SSLBL lists them) and T-35 address blacklist. */
import type { HandshakeFeatures } from '../features.js';
import { certificateUnavailableReason } from '../features.js';
import type { Policy } from '../policy/schema.js';
import type { TlsmonServices } from '../services.js';
import { unavailable, type DimensionOutcome } from './result.js';

export function certificateBlacklist(
  f: HandshakeFeatures,
  s: NonNullable<Policy['certificate']['blacklist']>,
  svc: TlsmonServices,
): DimensionOutcome {
  if (!svc.certBlacklist) return unavailable('no certificate blacklist loaded');
  const why = certificateUnavailableReason(f);
  if (why) return unavailable(why);
  for (const c of f.chain) {
    const list = svc.certBlacklist.lookup(c.sha1.replace(/:/g, ''));
    if (list)
      return {
        raw: 'listed',
        score: s.listed,
        finding: 'certificateListed',
        note: `${c.subjectCN ?? c.subject} on ${list}`,
      };
  }
  return { raw: 'not listed', score: s.notListed };
}

export function addressBlacklist(
  f: HandshakeFeatures,
  s: NonNullable<Policy['address']['blacklist']>,
  svc: TlsmonServices,
): DimensionOutcome {
  if (!svc.addressBlacklist) return unavailable('no address blacklist loaded');
  const ips = s.check === 'both' ? [f.srcIp, f.dstIp] : s.check === 'src' ? [f.srcIp] : [f.dstIp];
  for (const ip of ips) {
    const hit = svc.addressBlacklist.lookup(ip);
    if (hit)
      return { raw: 'listed', score: s.listed, finding: 'addressListed', note: `${ip} on ${hit.list}` };
  }
  return { raw: 'not listed', score: s.notListed };
}
