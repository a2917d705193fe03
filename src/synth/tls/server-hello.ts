/** ServerHello, also as HelloRetryRequest (RFC 5246 §7.4.1.3, RFC 8446 §4.1.3-4). */
import { handshake } from './record.js';
import { cat, u16, u8, vec16, vec8 } from './wire.js';
import { HRR_RANDOM, HS_SERVER_HELLO, TLS12 } from './constants.js';

export interface ServerHelloFields {
  version?: number;
  random: Buffer;
  /** TLS 1.2: the session id (echoed on resumption); TLS 1.3: the client's legacy_session_id echoed. */
  sessionId: Buffer;
  cipher: number;
  extensions: readonly Buffer[];
}

export function serverHello(f: ServerHelloFields): Buffer {
  if (f.random.length !== 32) throw new Error('synth: ServerHello.random must be 32 bytes');
  const body = cat(
    u16(f.version ?? TLS12),
    f.random,
    vec8(f.sessionId),
    u16(f.cipher),
    u8(0),
    f.extensions.length > 0 ? vec16(...f.extensions) : Buffer.alloc(0),
  );
  return handshake(HS_SERVER_HELLO, body);
}

/** A HelloRetryRequest is a ServerHello whose random is the fixed HRR value. */
export function helloRetryRequest(f: Omit<ServerHelloFields, 'random'>): Buffer {
  return serverHello({ ...f, random: HRR_RANDOM });
}
