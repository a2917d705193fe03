/** The client's JA3 on a fingerprint blacklist (abuse.ch SSLBL JA3): evidence visible even when TLS 1.3 hides the rest. */
import type { HandshakeFeatures } from '../features.js';
import type { Policy } from '../policy/schema.js';
import type { TlsmonServices } from '../services.js';
import { unavailable, type DimensionOutcome } from './result.js';

export function fingerprint(
  f: HandshakeFeatures,
  s: NonNullable<Policy['reputation']['fingerprint']>,
  svc: TlsmonServices,
): DimensionOutcome {
  if (!svc.fingerprintBlacklist) return unavailable('no fingerprint blacklist loaded');
  if (!f.ja3) return unavailable('no JA3 (no ClientHello seen)');
  const list = svc.fingerprintBlacklist.lookup(f.ja3);
  if (list)
    return { raw: 'listed', score: s.listed, finding: 'fingerprintListed', note: `JA3 ${f.ja3} on ${list}` };
  return { raw: 'not listed', score: s.notListed };
}
