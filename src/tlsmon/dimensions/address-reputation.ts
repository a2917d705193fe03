/** T-46: address reputation from feeds that count how many lists name an address (IPsum levels). */
import type { HandshakeFeatures } from '../features.js';
import type { Policy } from '../policy/schema.js';
import type { TlsmonServices } from '../services.js';
import { levelScore } from '../strategies.js';
import { unavailable, type DimensionOutcome } from './result.js';

export function addressReputation(
  f: HandshakeFeatures,
  s: NonNullable<Policy['reputation']['addressReputation']>,
  svc: TlsmonServices,
): DimensionOutcome {
  if (!svc.addressReputation) return unavailable('no address reputation feed loaded');
  const ips = s.check === 'both' ? [f.srcIp, f.dstIp] : s.check === 'src' ? [f.srcIp] : [f.dstIp];
  let count = 0;
  let note: string | undefined;
  for (const ip of ips) {
    const hit = svc.addressReputation.lookup(ip, f);
    if (hit && hit.count > count) {
      count = hit.count;
      note = `${ip} named by ${hit.count} list(s) (${hit.list})`;
    }
  }
  return {
    raw: count,
    score: levelScore(count, s.levels),
    note,
    finding: count >= s.badAt ? 'poorReputation' : undefined,
  };
}
