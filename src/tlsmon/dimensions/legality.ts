/**
 * T-21: the presented chain verifies to a root trusted at the handshake's time (and, by default, names the SNI).
 * Each kind of failure is its own finding, scored by the policy's per-outcome scores and possibly decisive.
 */
import type { HandshakeFeatures } from '../features.js';
import { certificateUnavailableReason } from '../features.js';
import type { Policy } from '../policy/schema.js';
import type { TlsmonServices } from '../services.js';
import { unavailable, type DimensionOutcome } from './result.js';

/** Baseline Requirements 6.1.5: certificates valid beyond 2013-12-31 need RSA ≥ 2048 (EC ≥ 256) bits. */
const BR_KEY_SIZE_CUTOFF_MS = Date.UTC(2013, 11, 31, 23, 59, 59);

export function legality(
  f: HandshakeFeatures,
  s: NonNullable<Policy['certificate']['legality']>,
  svc: TlsmonServices,
): DimensionOutcome {
  const why = certificateUnavailableReason(f);
  if (why) return unavailable(why);
  if (!svc.chain) return unavailable('no trust store configured');
  for (const [i, c] of f.chain.entries()) {
    // Roots are judged by the store that trusts them (a 1024-bit root left Mozilla's store in 2014-15); leaves and
    // intermediates by the CA/Browser Forum rule: keys below the minimum only in certificates valid past 2013.
    if (i > 0 && c.subject === c.issuer) continue;
    if (c.notAfter <= BR_KEY_SIZE_CUTOFF_MS) continue;
    const min =
      c.keyType === 'RSA' || c.keyType === 'DSA' ? s.minRsaBits : c.keyType === 'EC' ? s.minEcBits : 0;
    if (c.keyBits > 0 && c.keyBits < min) {
      return {
        raw: 'illegal',
        score: s.illegal,
        finding: 'weakKey',
        note: `weak key: certificate ${i} has a ${c.keyBits}-bit ${c.keyType} key`,
      };
    }
  }
  const v = svc.chain.verify(f.chain, f.sni, s.checkName, f.tsUs / 1000, s.platforms);
  if (v.legal) return { raw: 'legal', score: s.legal, note: v.reason };
  const score =
    v.kind === 'unknownIssuer'
      ? (s.unknownIssuer ?? s.illegal)
      : v.kind === 'distrustedRoot'
        ? (s.distrustedRoot ?? s.illegal)
        : v.kind === 'nameMismatch'
          ? (s.nameMismatch ?? s.illegal)
          : s.illegal;
  return { raw: 'illegal', score, finding: v.kind === 'legal' ? undefined : v.kind, note: v.reason };
}
