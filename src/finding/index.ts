/**
 * The inspection stage's result: the typed findings inspectors return and every output renders. Below the
 * inspectors and the outputs alike, so both import it and neither imports the other.
 */
export { isAlert } from './finding.js';
export type {
  Alert,
  AlertAction,
  AlertDirection,
  CacheAlert,
  CacheEntryFacts,
  Finding,
  ModelAlert,
  ModelVerdictFacts,
  Note,
  ReviewAlert,
  ReviewFacts,
  RuleAlert,
  Signature,
  TaggedPacketNote,
  TlsAlert,
  TlsScore,
  TlsScoreDecision,
  TlsScoreDimension,
  TlsScoreGroup,
  TlsScoreNote,
  TrafficNote,
  TrafficTags,
} from './finding.js';
