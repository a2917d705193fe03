/** The data component: keyed pseudonymisation, desensitisation of text, the privacy check. */
export { Pseudonymiser } from './pseudonymise.js';
export { desensitise, PATTERNS, type DesensitiseOptions } from './text.js';
export { checkPrivacy, assertPrivate, PrivacyError, type PrivacyFinding } from './privacy.js';
export { pseudonymisePcap, PcapRewriteError } from './pcap.js';
export { pseudonymisePcapng, type PcapngRewriteStats } from './pcapng.js';
export { pseudonymiseCapture } from './capture.js';
