/**
 * A ClientHello in SSL 2.0 record format offering TLS 1.0 (RFC 5246 Appendix E.2), as old clients sent
 * for compatibility with SSL 2.0 servers: 2-byte header with the top bit set, 3-byte cipher specs and a
 * challenge in place of the random. Parsers must tolerate it (the TLS server answers in TLS records).
 */
import { cat, u16, u8 } from './wire.js';
import { TLS10 } from './constants.js';

export function sslv2ClientHello(ciphers: readonly number[], challenge: Buffer): Buffer {
  const specs = Buffer.concat(ciphers.map((c) => Buffer.from([(c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff])));
  const body = cat(u8(1), u16(TLS10), u16(specs.length), u16(0), u16(challenge.length), specs, challenge);
  if (body.length > 0x7fff) throw new Error('synth: SSLv2 hello too long for a 2-byte header');
  return cat(Buffer.from([0x80 | (body.length >> 8), body.length & 0xff]), body);
}

/** A Windows-XP-era offer: TLS suites as 0x00XXYY plus SSL 2.0 kinds (0x0X0080). */
export const LEGACY_SSLV2_CIPHERS = [
  0x000004, 0x000005, 0x00000a, 0x010080, 0x070080, 0x030080, 0x000009, 0x060040, 0x000064, 0x000062,
  0x000003, 0x000006, 0x020080, 0x040080, 0x000013, 0x000012, 0x000063, 0x00002f, 0x000035,
];
