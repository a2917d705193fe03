/**
 * ServerKeyExchange for ECDHE (RFC 8422 §5.4): named curve, the server's public point, a TLS 1.2
 * signature scheme and the signature. The point and signature are random bytes of the right sizes: no one
 * can check them without the private key, and a monitor only reads the curve and scheme.
 */
import { handshake } from './record.js';
import { cat, u16, u8, vec16, vec8 } from './wire.js';
import { GROUP_SECP256R1, GROUP_SECP384R1, GROUP_X25519, HS_SERVER_KEY_EXCHANGE } from './constants.js';
import type { Prng } from '../prng.js';

/** Public key size for each named group: X25519 32 bytes, P-256/P-384 uncompressed points. */
export function publicKeySize(group: number): number {
  switch (group) {
    case GROUP_X25519:
      return 32;
    case GROUP_SECP256R1:
      return 65;
    case GROUP_SECP384R1:
      return 97;
    default:
      return 32;
  }
}

export function ecPublicKey(rng: Prng, group: number): Buffer {
  const key = rng.bytes(publicKeySize(group));
  if (group !== GROUP_X25519) key[0] = 4; // uncompressed point
  return key;
}

export function serverKeyExchangeEcdhe(
  rng: Prng,
  group: number,
  signatureScheme: number,
  signatureLen: number,
): Buffer {
  const params = cat(u8(3), u16(group), vec8(ecPublicKey(rng, group))); // 3 = named_curve
  return handshake(HS_SERVER_KEY_EXCHANGE, cat(params, u16(signatureScheme), vec16(rng.bytes(signatureLen))));
}
