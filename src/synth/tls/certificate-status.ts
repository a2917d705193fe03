/** CertificateStatus carrying a stapled OCSP response (RFC 6066 §8): status_type ocsp(1), vec24 DER. */
import { handshake } from './record.js';
import { cat, u8, vec24 } from './wire.js';
import { HS_CERTIFICATE_STATUS } from './constants.js';

export function certificateStatus(ocspResponseDer: Buffer): Buffer {
  return handshake(HS_CERTIFICATE_STATUS, cat(u8(1), vec24(ocspResponseDer)));
}
