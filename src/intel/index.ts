/** Threat intel (B-4 seed data): feed parsers, the store with provenance and expiry, the lookup index. */
export * from './feeds/index.js';
export { IntelStore, INTEL_SCHEMA, type IndicatorRow, type LoadSummary } from './store.js';
export { IntelIndex, type IntelHit } from './intel-index.js';
export { GeoLookup, type GeoFacts } from './geo.js';
export { AsnRanges } from './asn-ranges.js';
export { splitCsvLine } from './feeds/csv.js';
