/** ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) and the SSLv2-compatible form (RFC 5246 appendix E.2). */
import { hash } from 'node:crypto';
import type { ClientHello } from './types.js';
import {
  EXT_ALPN,
  EXT_ENCRYPTED_CLIENT_HELLO,
  EXT_EC_POINT_FORMATS,
  EXT_PRE_SHARED_KEY,
  EXT_SERVER_NAME,
  EXT_SESSION_TICKET,
  EXT_SIGNATURE_ALGORITHMS,
  EXT_SUPPORTED_GROUPS,
  EXT_SUPPORTED_VERSIONS,
} from './constants.js';
import type { Wire } from './wire.js';

function u16List(w: Wire, lenBytes: 1 | 2, what: string): number[] {
  const n = lenBytes === 1 ? w.u8(what) : w.u16(what);
  const v = w.sub(n, what);
  const out: number[] = [];
  while (v.left >= 2) out.push(v.u16(what));
  return out;
}

function u8List(w: Wire, what: string): number[] {
  const v = w.sub(w.u8(what), what);
  const out: number[] = [];
  while (v.left > 0) out.push(v.u8(what));
  return out;
}

/** Parses the extension block into `h` (shared by both hello forms). */
function extensions(w: Wire, h: ClientHello): void {
  if (w.left < 2) return;
  const all = w.sub(w.u16('extensions length'), 'extensions');
  while (all.left >= 4) {
    const type = all.u16('extension type');
    const e = all.sub(all.u16('extension length'), 'extension', type);
    h.extensions.push(type);
    switch (type) {
      case EXT_SERVER_NAME: {
        if (e.left < 2) break;
        const list = e.sub(e.u16('server_name list'), 'server_name list');
        while (list.left >= 3) {
          const nameType = list.u8('name type');
          const n = list.u16('name length');
          list.need(n, 'host name');
          if (nameType === 0 && h.sni === undefined)
            h.sni = list.buf.toString('latin1', list.pos, list.pos + n);
          list.pos += n;
        }
        break;
      }
      case EXT_ALPN: {
        if (e.left < 2) break;
        const list = e.sub(e.u16('alpn list'), 'alpn list');
        while (list.left >= 1) {
          const n = list.u8('alpn length');
          list.need(n, 'alpn');
          h.alpns.push(list.buf.toString('latin1', list.pos, list.pos + n));
          list.pos += n;
        }
        break;
      }
      case EXT_SUPPORTED_VERSIONS:
        if (e.left >= 1) h.supportedVersions = u16List(e, 1, 'supported_versions');
        break;
      case EXT_SUPPORTED_GROUPS:
        if (e.left >= 2) h.groups = u16List(e, 2, 'supported_groups');
        break;
      case EXT_EC_POINT_FORMATS:
        if (e.left >= 1) h.ecPointFormats = u8List(e, 'ec_point_formats');
        break;
      case EXT_SIGNATURE_ALGORITHMS:
        if (e.left >= 2) h.signatureAlgorithms = u16List(e, 2, 'signature_algorithms');
        break;
      case EXT_SESSION_TICKET:
        if (e.left > 0) {
          h.offersResumption = true;
          h.ticketHash = hash('sha256', e.buf.subarray(e.pos, e.pos + e.left), 'hex');
        }
        break;
      case EXT_ENCRYPTED_CLIENT_HELLO:
        h.ech = true;
        break;
      case EXT_PRE_SHARED_KEY:
        h.offersResumption = true;
        break;
    }
  }
}

function empty(version: number, sslv2: boolean): ClientHello {
  return {
    version,
    ciphers: [],
    extensions: [],
    alpns: [],
    supportedVersions: [],
    groups: [],
    ecPointFormats: [],
    signatureAlgorithms: [],
    sessionIdLength: 0,
    offersResumption: false,
    sslv2Compat: sslv2,
  };
}

/** `w` spans the handshake message body (after type and length). */
export function parseClientHello(w: Wire): ClientHello {
  const h = empty(w.u16('client version'), false);
  w.need(32, 'client random');
  h.random = Buffer.from(w.buf.subarray(w.pos, w.pos + 32));
  w.pos += 32;
  h.sessionIdLength = w.u8('session id length');
  w.need(h.sessionIdLength, 'session id');
  if (h.sessionIdLength > 0) h.sessionId = w.buf.toString('hex', w.pos, w.pos + h.sessionIdLength);
  w.skip(h.sessionIdLength, 'session id');
  const cs = w.sub(w.u16('cipher suites length'), 'cipher suites');
  while (cs.left >= 2) h.ciphers.push(cs.u16('cipher suite'));
  w.skip(w.u8('compression methods length'), 'compression methods');
  extensions(w, h);
  return h;
}

/**
 * SSLv2-format ClientHello: `w` spans the message after the 2-byte record header, starting at msg type 1.
 * Cipher specs are 3 bytes; TLS suites appear as 0x00XXXX. No extensions exist in this form.
 */
export function parseSslv2ClientHello(w: Wire): ClientHello {
  w.u8('msg type');
  const h = empty(w.u16('version'), true);
  const specLen = w.u16('cipher specs length');
  const sidLen = w.u16('session id length');
  const challengeLen = w.u16('challenge length');
  const specs = w.sub(specLen, 'cipher specs');
  while (specs.left >= 3) {
    const hi = specs.u8('spec');
    const v = specs.u16('spec');
    if (hi === 0) h.ciphers.push(v);
  }
  h.sessionIdLength = sidLen;
  w.skip(sidLen, 'session id');
  w.skip(Math.min(challengeLen, w.left), 'challenge');
  return h;
}
