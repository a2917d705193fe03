/** T-43: revocation status from the stapled OCSP response (verified) and configured CRLs. */
import type { HandshakeFeatures } from '../features.js';
import { certificateUnavailableReason } from '../features.js';
import type { Policy } from '../policy/schema.js';
import type { TlsmonServices } from '../services.js';
import { unavailable, type DimensionOutcome } from './result.js';

export function status(
  f: HandshakeFeatures,
  s: NonNullable<Policy['reputation']['status']>,
  svc: TlsmonServices,
): DimensionOutcome {
  const why = certificateUnavailableReason(f);
  if (why) return unavailable(why);
  if (!svc.revocation) return unavailable('no revocation checker configured');
  const r = svc.revocation.status(f.chain, f.ocspResponse, f.tsUs / 1000);
  const score = r.status === 'good' ? s.notRevoked : r.status === 'revoked' ? s.revoked : s.unknown;
  return { raw: r.status, score, note: r.source, finding: r.status === 'revoked' ? 'revoked' : undefined };
}
