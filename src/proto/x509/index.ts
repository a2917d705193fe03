/** X.509: DER certificates to CertificateInfo, parsed once per distinct certificate. */
import { certificateCache } from './cache.js';
import type { ParseResult } from './certificate.js';

export type { CertificateInfo, DnAttribute, Rdns } from './types.js';
export { parseCertificate, sha1Fingerprint, type ParseResult } from './certificate.js';
export { CertificateCache, certificateCache } from './cache.js';
export { formatCertTime } from './time.js';
export { formatDn } from './name.js';

/**
 * Parses the certificate at buf[off, off+len), or returns the cached result for the same bytes. Malformed
 * DER gives `{ ok: false, error }` naming the field and byte offset (the TLS layer reports it as an anomaly).
 * The result is shared by every handshake that carries the same certificate: treat it as read-only.
 */
export function parseCertificateOnce(buf: Buffer, off: number, len: number): ParseResult {
  return certificateCache.parse(buf, off, len);
}
