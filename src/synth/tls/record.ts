/** TLS records and handshake message framing (RFC 5246 §6.2, §7.4; RFC 8446 §5.1). */
import { cat, u16, u24, u8 } from './wire.js';
import { CONTENT_APPLICATION_DATA, CONTENT_CHANGE_CIPHER_SPEC, TLS12 } from './constants.js';
import type { Prng } from '../prng.js';

/** Handshake message: type, 24-bit length, body. */
export function handshake(type: number, body: Buffer): Buffer {
  return cat(u8(type), u24(body.length), body);
}

/**
 * Wraps `fragment` in records of `type`, at most `maxFragment` bytes each (2^14 by the RFC; servers that
 * cut their flight into small records exercise a parser's handshake-across-records path).
 */
export function records(type: number, version: number, fragment: Buffer, maxFragment = 16384): Buffer {
  const out: Buffer[] = [];
  for (let off = 0; off < fragment.length || off === 0; off += maxFragment) {
    const part = fragment.subarray(off, Math.min(fragment.length, off + maxFragment));
    out.push(cat(u8(type), u16(version), u16(part.length), part));
    if (fragment.length === 0) break;
  }
  return Buffer.concat(out);
}

export function changeCipherSpec(version = TLS12): Buffer {
  return records(CONTENT_CHANGE_CIPHER_SPEC, version, Buffer.from([1]));
}

/**
 * A record of ciphertext: random bytes of the size an AEAD record of `plainLen` bytes has.
 * TLS 1.2 GCM: 8-byte explicit nonce + plaintext + 16-byte tag. TLS 1.3: plaintext + 1 type byte + tag,
 * always sent as application_data with legacy version 0x0303.
 */
export function encryptedRecord(rng: Prng, type: number, plainLen: number, tls13 = false): Buffer {
  const len = tls13 ? plainLen + 1 + 16 : 8 + plainLen + 16;
  return records(tls13 ? CONTENT_APPLICATION_DATA : type, TLS12, rng.bytes(len));
}

/** Application data of `total` plaintext bytes as full-size encrypted records. */
export function applicationData(rng: Prng, total: number, tls13: boolean): Buffer {
  const out: Buffer[] = [];
  for (let left = total; left > 0; left -= 16384) {
    out.push(encryptedRecord(rng, CONTENT_APPLICATION_DATA, Math.min(left, 16384), tls13));
  }
  return Buffer.concat(out);
}
