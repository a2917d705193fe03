/** T-21: the presented chain verifies to a trusted root (and, by default, names the SNI). */
import type { HandshakeFeatures } from '../features.js';
import { certificateUnavailableReason } from '../features.js';
import type { Policy } from '../policy/schema.js';
import type { TlsmonServices } from '../services.js';
import { unavailable, type DimensionOutcome } from './result.js';

export function legality(
  f: HandshakeFeatures,
  s: NonNullable<Policy['certificate']['legality']>,
  svc: TlsmonServices,
): DimensionOutcome {
  const why = certificateUnavailableReason(f);
  if (why) return unavailable(why);
  if (!svc.chain) return unavailable('no trust store configured');
  for (const [i, c] of f.chain.entries()) {
    const min =
      c.keyType === 'RSA' || c.keyType === 'DSA' ? s.minRsaBits : c.keyType === 'EC' ? s.minEcBits : 0;
    if (c.keyBits > 0 && c.keyBits < min) {
      return {
        raw: 'illegal',
        score: s.illegal,
        note: `weak key: certificate ${i} has a ${c.keyBits}-bit ${c.keyType} key`,
      };
    }
  }
  const v = svc.chain.verify(f.chain, f.sni, s.checkName, f.tsUs / 1000);
  return { raw: v.legal ? 'legal' : 'illegal', score: v.legal ? s.legal : s.illegal, note: v.reason };
}
