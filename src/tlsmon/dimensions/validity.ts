/** T-22: is the time of the connection inside the leaf's validity period; tiers grade how long ago it expired. */
import type { HandshakeFeatures } from '../features.js';
import { certificateUnavailableReason } from '../features.js';
import type { Policy } from '../policy/schema.js';
import { unavailable, type DimensionOutcome } from './result.js';

export function validity(
  f: HandshakeFeatures,
  s: NonNullable<Policy['certificate']['validity']>,
): DimensionOutcome {
  const why = certificateUnavailableReason(f);
  if (why) return unavailable(why);
  const leaf = f.chain[0];
  const now = f.tsUs / 1000;
  if (now < leaf.notBefore) {
    return {
      raw: 'not yet valid',
      score: s.notYetValid ?? s.invalid,
      finding: 'notYetValid',
      note: `valid from ${new Date(leaf.notBefore).toISOString()}`,
    };
  }
  if (now <= leaf.notAfter) return { raw: 'valid', score: s.valid };
  const expiredS = (now - leaf.notAfter) / 1000;
  const days = (expiredS / 86400).toFixed(1);
  for (const t of s.tiers) {
    // Within a grace tier: weighed, not a finding (the tier is the policy's judgement of a late renewal).
    if (expiredS < t.within) return { raw: 'expired', score: t.score, note: `expired ${days} days ago` };
  }
  return { raw: 'expired', score: s.invalid, finding: 'expired', note: `expired ${days} days ago` };
}
