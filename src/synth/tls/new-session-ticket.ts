/** TLS 1.2 NewSessionTicket (RFC 5077 §3.3): lifetime hint and an opaque ticket. */
import { handshake } from './record.js';
import { cat, u32, vec16 } from './wire.js';
import { HS_NEW_SESSION_TICKET } from './constants.js';

export function newSessionTicket(lifetimeS: number, ticket: Buffer): Buffer {
  return handshake(HS_NEW_SESSION_TICKET, cat(u32(lifetimeS), vec16(ticket)));
}
