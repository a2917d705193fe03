/**
 * One training/evaluation set from every seed source at once (B-4 "one or more threat-intelligence
 * sources"): USTC-TFC2016 per-remote-address traffic, IPsum (positive-unlabelled) addresses with the
 * extra feeds as address evidence, and unlabelled traffic for self-training. Each sample keeps its source
 * so a combined model is also scored per source.
 *
 * Two facts of the data shape what a sample may use:
 * - USTC's benign captures are anonymised (servers 1.2.x.x): address features (neighbour density, AS,
 *   hosting) would learn the anonymisation, not the class, so USTC samples get traffic features only, and
 *   they are never grouped by AS (their AS is meaningless) — always by /24.
 * - An address present in two sources becomes one sample: USTC flows, label positive when either source
 *   says so (a C2 listed on ≥ 3 lists is positive whatever the capture said).
 */
import type { AddressSample } from './ustc-conversations.js';
import { ADDRESS_FEATURES, FEATURE_INDEX, TRAFFIC_FEATURES, type FeatureName } from '../features.js';

/**
 * What each labelled source can measure. USTC's conversation tables have counts and times but no TLS or DNS
 * names, and their addresses are anonymised; IPsum rows are addresses without traffic; benign captures measure
 * everything. A feature one labelled source cannot measure tells the tree which source a row came from — with
 * USTC beside benign captures, `ipv6` (-1 for USTC, 0 for real addresses) alone would split them perfectly,
 * and the benign rows would teach nothing about traffic.
 */
const NO_NAMES: readonly FeatureName[] = [
  'tls_ratio',
  'distinct_ja3',
  'listed_tls_ratio',
  'dns_entropy',
  'listed_domain_ratio',
];
const MEASURED: Record<number, readonly FeatureName[]> = {
  0: TRAFFIC_FEATURES.filter((f) => !NO_NAMES.includes(f)),
  1: ADDRESS_FEATURES,
  3: [...TRAFFIC_FEATURES, ...ADDRESS_FEATURES],
};

/**
 * The features every labelled source present measures (indices for TreeParams.features); undefined when that
 * leaves nothing (e.g. USTC with IPsum: traffic against addresses) — then every feature is used, as before.
 */
export function sharedFeatures(sources: Iterable<number>): number[] | undefined {
  let shared: Set<FeatureName> | undefined;
  for (const s of new Set(sources)) {
    const m = MEASURED[s];
    if (!m) continue;
    shared = shared ? new Set([...shared].filter((f) => m.includes(f))) : new Set(m);
  }
  if (!shared || shared.size === 0) return undefined;
  return [...shared].map((f) => FEATURE_INDEX[f]).sort((a, b) => a - b);
}

export const SOURCE_USTC = 0;
export const SOURCE_IPSUM = 1;
export const SOURCE_UNLABELLED = 2;
/** Public addresses of benign captures (real traffic, label 0). */
export const SOURCE_BENIGN = 3;
export const SOURCE_NAMES = ['ustc-tfc2016', 'ipsum', 'unlabelled traffic', 'benign captures'] as const;

export interface CombinedSample extends AddressSample {
  source: number;
  /** false: the address is anonymised/synthetic; only traffic features apply. */
  addressFeatures: boolean;
  /** true: no label (self-training pool only). */
  unlabelled: boolean;
}

export interface CombinedSources {
  ustc?: AddressSample[];
  ipsum?: AddressSample[];
  unlabelled?: AddressSample[];
  /** Real benign traffic (every public address of benign captures): label 0, address features too. */
  benign?: AddressSample[];
}

export interface CombinedSet {
  samples: CombinedSample[];
  /** Addresses found in more than one labelled source (merged into one sample). */
  merged: number;
  /** Unlabelled addresses that were labelled by a source (their flows go to the IPsum seed). */
  unlabelledDropped: number;
}

export function combineSources(src: CombinedSources): CombinedSet {
  const byIp = new Map<string, CombinedSample>();
  let merged = 0;
  for (const s of src.ustc ?? [])
    byIp.set(s.ip, { ...s, source: SOURCE_USTC, addressFeatures: false, unlabelled: false });
  for (const s of src.ipsum ?? []) {
    const old = byIp.get(s.ip);
    if (old) {
      merged++;
      old.y = Math.max(old.y, s.y);
      continue;
    }
    byIp.set(s.ip, { ...s, source: SOURCE_IPSUM, addressFeatures: true, unlabelled: false });
  }
  for (const s of src.benign ?? []) {
    // A listed address met in a benign capture stays what its list says; it lends its traffic.
    const old = byIp.get(s.ip);
    if (old) {
      merged++;
      if (old.flows.length === 0) old.flows = s.flows;
      continue;
    }
    byIp.set(s.ip, { ...s, y: 0, source: SOURCE_BENIGN, addressFeatures: true, unlabelled: false });
  }
  let unlabelledDropped = 0;
  for (const s of src.unlabelled ?? []) {
    // A labelled address must not come back as its own unlabelled twin: a listed (IPsum) address lends
    // the seed its traffic; a USTC address already has its capture's flows.
    const old = byIp.get(s.ip);
    if (old) {
      if (old.source === SOURCE_IPSUM && old.flows.length === 0) old.flows = s.flows;
      unlabelledDropped++;
      continue;
    }
    byIp.set(s.ip, { ...s, y: 0, source: SOURCE_UNLABELLED, addressFeatures: true, unlabelled: true });
  }
  const samples = [...byIp.values()].sort((a, b) =>
    a.source !== b.source ? a.source - b.source : a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0,
  );
  return { samples, merged, unlabelledDropped };
}
