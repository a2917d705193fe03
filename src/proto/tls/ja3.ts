/**
 * JA3 and JA3S (Salesforce, BSD-3): decimal fields joined by "-", groups by ",", GREASE removed, MD5 of the string.
 * JA3: version, ciphers, extensions, curves, point formats. JA3S: version, cipher, extensions.
 */
import { createHash } from 'node:crypto';
import type { ClientHello, ServerHello } from './types.js';
import { isGrease } from './constants.js';

const list = (v: readonly number[]): string =>
  v
    .filter((x) => !isGrease(x))
    .map(String)
    .join('-');

export function ja3String(h: ClientHello): string {
  return [
    String(h.version),
    list(h.ciphers),
    list(h.extensions),
    list(h.groups),
    list(h.ecPointFormats),
  ].join(',');
}

export function ja3sString(s: ServerHello): string {
  return [String(s.legacyVersion), String(s.cipher), list(s.extensions)].join(',');
}

export function computeJa3(h: ClientHello): { string: string; hash: string } {
  const s = ja3String(h);
  return { string: s, hash: createHash('md5').update(s).digest('hex') };
}

export function computeJa3s(sh: ServerHello): { string: string; hash: string } {
  const s = ja3sString(sh);
  return { string: s, hash: createHash('md5').update(s).digest('hex') };
}
