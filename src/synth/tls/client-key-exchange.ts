/** ClientKeyExchange for ECDHE: the client's public point as an 8-bit vector (RFC 8422 §5.7). */
import { handshake } from './record.js';
import { vec8 } from './wire.js';
import { HS_CLIENT_KEY_EXCHANGE } from './constants.js';
import { ecPublicKey } from './server-key-exchange.js';
import type { Prng } from '../prng.js';

export function clientKeyExchangeEcdhe(rng: Prng, group: number): Buffer {
  return handshake(HS_CLIENT_KEY_EXCHANGE, vec8(ecPublicKey(rng, group)));
}
