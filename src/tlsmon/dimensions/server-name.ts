/**
 * What a TLS 1.3 client still shows of where it goes: the server name it asked for (SNI), or that it hid it with
 * Encrypted Client Hello. A DNS name is ordinary; no name, or an address literal, is what clients of hard-coded
 * servers (and much C2) send. Visible in every handshake, so a policy can judge TLS 1.3 first contacts with it.
 */
import type { HandshakeFeatures } from '../features.js';
import type { Policy } from '../policy/schema.js';
import type { DimensionOutcome } from './result.js';

const ADDRESS_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|\[?[0-9a-f:]*:[0-9a-f:.]*\]?)$/i;
/** A host name: dot-separated labels (a single label such as an intranet host or "localhost" is a name too). */
const DNS_NAME =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z]([a-z0-9-]{0,61}[a-z0-9])?\.?$/i;

export function serverName(
  f: HandshakeFeatures,
  s: NonNullable<Policy['reputation']['serverName']>,
): DimensionOutcome {
  if (f.ech) return { raw: 'ech', score: s.ech, note: `Encrypted Client Hello (outer name ${f.sni ?? '-'})` };
  const sni = f.sni;
  if (sni === undefined || sni === '') return { raw: 'none', score: s.unnamed, note: 'no SNI' };
  if (ADDRESS_LITERAL.test(sni)) return { raw: 'address', score: s.unnamed, note: sni };
  if (!DNS_NAME.test(sni)) return { raw: 'not a DNS name', score: s.unnamed, note: sni };
  return { raw: 'named', score: s.named };
}
