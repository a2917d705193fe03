/** TLS 1.2 Certificate message: a 24-bit list of 24-bit-length DER certificates, leaf first (RFC 5246 §7.4.2). */
import { handshake } from './record.js';
import { vec24 } from './wire.js';
import { HS_CERTIFICATE } from './constants.js';

export function certificateMessage(chain: readonly Buffer[]): Buffer {
  return handshake(HS_CERTIFICATE, vec24(...chain.map((der) => vec24(der))));
}
