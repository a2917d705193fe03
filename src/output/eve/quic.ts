/**
 * EVE `quic` object as Suricata 8 writes it: `version` (Google's as "Q046", others in hex), `sni`, `ua`, `cyu`
 * (Google QUIC), `ja3` (a ClientHello) or `ja3s` (a ServerHello) with hash and string, `ja4`, and `extensions`
 * ({name, type, values}) of the hello.
 */
import { quicVersionName, type QuicRecord } from '../../proto/index.js';
import { num, raw, str, type EveBytesOut } from './json-out.js';
import { tlsExtensionName } from './tls-extension-names.js';

export function writeQuicEve(o: EveBytesOut, q: QuicRecord): void {
  raw(o, '"quic":{"version":');
  str(o, quicVersionName(q.version));
  if (q.sni !== undefined) {
    raw(o, ',"sni":');
    str(o, q.sni);
  }
  if (q.ua !== undefined) {
    raw(o, ',"ua":');
    str(o, q.ua);
  }
  if (q.cyu) {
    raw(o, ',"cyu":[{"hash":');
    str(o, q.cyu.hash);
    raw(o, ',"string":');
    str(o, q.cyu.string);
    raw(o, '}]');
  }
  if (q.ja3) {
    raw(o, q.client ? ',"ja3":{"hash":' : ',"ja3s":{"hash":');
    str(o, q.ja3.hash);
    raw(o, ',"string":');
    str(o, q.ja3.string);
    raw(o, '}');
  }
  if (q.ja4 !== undefined) {
    raw(o, ',"ja4":');
    str(o, q.ja4);
  }
  if (q.extensions.length > 0) {
    raw(o, ',"extensions":[');
    q.extensions.forEach((e, i) => {
      raw(o, i === 0 ? '{' : ',{');
      const name = tlsExtensionName(e.type);
      if (name !== undefined) {
        raw(o, '"name":');
        str(o, name);
        raw(o, ',');
      }
      raw(o, '"type":');
      num(o, e.type);
      if (e.values) {
        raw(o, ',"values":[');
        e.values.forEach((v, k) => {
          if (k > 0) raw(o, ',');
          str(o, v);
        });
        raw(o, ']');
      }
      raw(o, '}');
    });
    raw(o, ']');
  }
  raw(o, '}');
}
