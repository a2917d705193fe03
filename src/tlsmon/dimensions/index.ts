/** The dimension table: group → dimension name → evaluator (T-21…T-47). Adding a dimension is one file and one line. */
import type { HandshakeFeatures } from '../features.js';
import type { Policy } from '../policy/schema.js';
import type { TlsmonServices } from '../services.js';
import type { DimensionOutcome } from './result.js';
import { legality } from './legality.js';
import { validity } from './validity.js';
import { heat } from './heat.js';
import { addressBlacklist, certificateBlacklist } from './blacklist.js';
import { level } from './level.js';
import { issuer } from './issuer.js';
import { status } from './status.js';
import { domainAge, domainReputation } from './domain.js';
import { geolocation } from './geolocation.js';
import { addressReputation } from './address-reputation.js';
import { serverName } from './server-name.js';
import { fingerprint } from './fingerprint.js';

export type Group = 'certificate' | 'address' | 'reputation';
type Evaluator = (f: HandshakeFeatures, strategy: never, svc: TlsmonServices) => DimensionOutcome;

export const DIMENSIONS: Record<Group, Record<string, Evaluator>> = {
  certificate: {
    legality: legality as Evaluator,
    validity: validity as Evaluator,
    heat: ((f, s, svc) => heat('cert', f, s, svc)) as Evaluator,
    blacklist: certificateBlacklist as Evaluator,
  },
  address: {
    linkPairHeat: ((f, s, svc) => heat('pair', f, s, svc)) as Evaluator,
    serviceHeat: ((f, s, svc) => heat('service', f, s, svc)) as Evaluator,
    destinationHeat: ((f, s, svc) => heat('dst', f, s, svc)) as Evaluator,
    sourceHeat: ((f, s, svc) => heat('src', f, s, svc)) as Evaluator,
    blacklist: addressBlacklist as Evaluator,
  },
  reputation: {
    level: level as Evaluator,
    issuer: issuer as Evaluator,
    status: status as Evaluator,
    domainReputation: domainReputation as Evaluator,
    geolocation: geolocation as Evaluator,
    addressReputation: addressReputation as Evaluator,
    domainAge: domainAge as Evaluator,
    serverName: serverName as Evaluator,
    fingerprint: fingerprint as Evaluator,
  },
};

/** Popularity dimensions: evidence *for* a service, never against a first contact (see score.ts). */
export const HEAT_DIMENSIONS: ReadonlySet<string> = new Set([
  'certificate.heat',
  'address.linkPairHeat',
  'address.serviceHeat',
  'address.destinationHeat',
  'address.sourceHeat',
]);

export function groupDimensions(
  p: Policy,
  g: Group,
): Array<[string, { weight: number; unavailable?: number }]> {
  return Object.entries(p[g]).filter(([, d]) => d !== undefined) as Array<
    [string, { weight: number; unavailable?: number }]
  >;
}
