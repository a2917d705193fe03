/** The data component: keyed pseudonymisation, desensitisation of text, the privacy check. */
export { Pseudonymiser } from './pseudonymise.js';
export { desensitise, PATTERNS, type DesensitiseOptions } from './text.js';
export { checkPrivacy, assertPrivate, PrivacyError, type PrivacyFinding } from './privacy.js';
export { pseudonymisePcap, PcapRewriteError } from './pcap.js';
export { pseudonymisePcapng, type PcapngRewriteStats } from './pcapng.js';
export { pseudonymiseCapture } from './capture.js';
export { SessionCollector, sessionsOfCapture, type CapturedSession } from './sessions.js';
export { scrubImage, type ScrubResult } from './scrub.js';
export {
  HONEYPOT_INTRUSION,
  LABEL_PRIORITY,
  honeypotLabel,
  isMaliciousLabel,
  primaryLabel,
  type HoneypotInstanceInput,
  type SandboxRunInput,
} from './label.js';
export { buildDataset, collectOwnSessions, type BuildOptions, type PublicSet } from './build.js';
export {
  DATASET_FORMAT,
  DatasetPrivacyError,
  verifyDataset,
  codeVersion,
  type DatasetManifest,
  type VerifyResult,
} from './manifest.js';
export {
  signManifest,
  signingKey,
  checkManifestSignature,
  manifestDigest,
  ManifestSignatureError,
  type ManifestSignature,
  type SignatureCheck,
} from './manifest-sign.js';
export {
  recordSandboxIncidents,
  recordHoneypotIncidents,
  subscribeHoneypotIncidents,
  INCIDENT_LABEL,
  type HoneypotSessionInput,
  type IncidentSink,
} from './incidents.js';
