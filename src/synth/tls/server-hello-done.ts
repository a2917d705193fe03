/** ServerHelloDone: an empty handshake message (RFC 5246 §7.4.5). */
import { handshake } from './record.js';
import { HS_SERVER_HELLO_DONE } from './constants.js';

export function serverHelloDone(): Buffer {
  return handshake(HS_SERVER_HELLO_DONE, Buffer.alloc(0));
}
