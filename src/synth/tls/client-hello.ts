/** ClientHello (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2). */
import { handshake } from './record.js';
import { cat, u16, u16list, vec16, vec8 } from './wire.js';
import { HS_CLIENT_HELLO, TLS12 } from './constants.js';

export interface ClientHelloFields {
  /** legacy_version: 0x0303 even for TLS 1.3 clients. */
  version?: number;
  random: Buffer;
  sessionId: Buffer;
  ciphers: readonly number[];
  /** Already-encoded extensions, in wire order. */
  extensions: readonly Buffer[];
}

/** The handshake message (type 1 + 24-bit length + body). */
export function clientHello(f: ClientHelloFields): Buffer {
  if (f.random.length !== 32) throw new Error('synth: ClientHello.random must be 32 bytes');
  const body = cat(
    u16(f.version ?? TLS12),
    f.random,
    vec8(f.sessionId),
    vec16(u16list(f.ciphers)),
    vec8(Buffer.from([0])), // compression: null only
    vec16(...f.extensions),
  );
  return handshake(HS_CLIENT_HELLO, body);
}
