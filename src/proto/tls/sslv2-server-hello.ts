/**
 * SSLv2 SERVER-HELLO (the answer to an SSLv2 CLIENT-HELLO from a server that speaks only SSLv2): message
 * type 4, session-id-hit, certificate type, version, then the lengths of the certificate, the cipher specs
 * and the connection id. Read so an SSLv2 exchange yields version "SSLv2", its cipher and its certificate.
 */
import type { ServerHello } from './types.js';
import type { Wire } from './wire.js';

export interface Sslv2ServerHello {
  hello: ServerHello;
  /** The certificate (X.509 when certificate type is 1) as an offset and length in the reader's buffer. */
  certOff: number;
  certLen: number;
}

/** `w` spans the message after the 2-byte record header, starting at msg type 4. */
export function parseSslv2ServerHello(w: Wire): Sslv2ServerHello {
  w.u8('msg type');
  const hit = w.u8('session id hit');
  const certType = w.u8('certificate type');
  const version = w.u16('version');
  const certLen = w.u16('certificate length');
  const specsLen = w.u16('cipher specs length');
  w.u16('connection id length');
  w.need(certLen, 'certificate');
  const certOff = w.pos;
  w.pos += certLen;
  const specs = w.sub(specsLen, 'cipher specs');
  // SSLv2 kinds are 3 bytes; the first one the server lists is the one used.
  const cipher = specs.left >= 3 ? (specs.u8('spec') << 16) | specs.u16('spec') : 0;
  return {
    hello: {
      legacyVersion: version,
      version,
      cipher,
      extensions: [],
      sessionIdEchoed: hit !== 0,
      isHelloRetryRequest: false,
    },
    certOff,
    certLen: certType === 1 ? certLen : 0,
  };
}
