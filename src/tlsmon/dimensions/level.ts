/**
 * T-41: validation level from certificate-policy OIDs (CA/Browser Forum: 2.23.140.1.1 EV, .2.2 OV, .2.1 DV,
 * .2.3 IV, plus the EV OIDs CAs used before the Forum's) and certificate type from the names it covers.
 */
import type { HandshakeFeatures } from '../features.js';
import { certificateUnavailableReason } from '../features.js';
import type { Policy } from '../policy/schema.js';
import type { CertificateInfo } from '../../proto/index.js';
import { unavailable, type DimensionOutcome } from './result.js';

const EV_OIDS = new Set([
  '2.23.140.1.1',
  '2.16.840.1.114412.2.1', // DigiCert
  '2.16.840.1.114028.10.1.2', // Entrust
  '1.3.6.1.4.1.4146.1.1', // GlobalSign
  '1.3.6.1.4.1.6449.1.2.1.5.1', // Sectigo (Comodo)
  '2.16.840.1.114413.1.7.23.3', // GoDaddy
  '2.16.840.1.114414.1.7.23.3', // Starfield
  '2.16.840.1.113733.1.7.23.6', // Symantec / VeriSign
  '2.16.840.1.113733.1.7.48.1', // Thawte
  '1.3.6.1.4.1.8024.0.2.100.1.2', // QuoVadis
  '1.3.6.1.4.1.34697.2.1', // AffirmTrust
  '2.16.578.1.26.1.3.3', // Buypass
]);
const OV_OIDS = new Set(['2.23.140.1.2.2', '2.23.140.1.2.3']);
const DV_OIDS = new Set(['2.23.140.1.2.1']);

export type ValidationLevel = 'EV' | 'OV' | 'DV' | 'unknown';
export type CertificateType = 'single' | 'multi' | 'wildcard';

export function validationLevel(c: CertificateInfo): ValidationLevel {
  if (c.policies.some((o) => EV_OIDS.has(o))) return 'EV';
  if (c.policies.some((o) => OV_OIDS.has(o))) return 'OV';
  if (c.policies.some((o) => DV_OIDS.has(o))) return 'DV';
  return 'unknown';
}

export function certificateType(c: CertificateInfo): CertificateType {
  const names = new Set(c.sanDns.map((n) => n.toLowerCase()));
  if (names.size === 0 && c.subjectCN) names.add(c.subjectCN.toLowerCase());
  for (const n of names) if (n.startsWith('*.')) return 'wildcard';
  return names.size > 1 ? 'multi' : 'single';
}

export function level(f: HandshakeFeatures, s: NonNullable<Policy['reputation']['level']>): DimensionOutcome {
  const why = certificateUnavailableReason(f);
  if (why) return unavailable(why);
  const lv = validationLevel(f.chain[0]);
  const ty = certificateType(f.chain[0]);
  return { raw: `${lv}/${ty}`, score: s.levels[lv] + s.types[ty] };
}
