/** T-42: is the leaf's issuer one the operator trusts (matched on CN or as a DN substring, case-insensitive). */
import type { HandshakeFeatures } from '../features.js';
import { certificateUnavailableReason } from '../features.js';
import type { Policy } from '../policy/schema.js';
import { unavailable, type DimensionOutcome } from './result.js';

export function issuer(
  f: HandshakeFeatures,
  s: NonNullable<Policy['reputation']['issuer']>,
): DimensionOutcome {
  const why = certificateUnavailableReason(f);
  if (why) return unavailable(why);
  const leaf = f.chain[0];
  const dn = leaf.issuer.toLowerCase();
  const cn = (leaf.issuerCN ?? '').toLowerCase();
  const hit = s.trusted.find((t) => {
    const x = t.toLowerCase();
    return x === cn || dn.includes(x);
  });
  return hit
    ? { raw: leaf.issuer, score: s.trustedScore, note: `trusted: ${hit}` }
    : { raw: leaf.issuer, score: s.otherwise };
}
