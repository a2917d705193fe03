/**
 * JA4 client fingerprint (FoxIO, BSD-3 — the other JA4+ methods are under another licence and not implemented):
 * a_b_c where a = protocol, version, SNI flag, cipher and extension counts, ALPN first/last characters;
 * b = truncated SHA-256 of the sorted ciphers; c = of the sorted extensions (without SNI and ALPN) and the
 * signature algorithms in wire order. GREASE is ignored everywhere.
 */
import { createHash } from 'node:crypto';
import type { ClientHello } from './types.js';
import { EXT_ALPN, EXT_SERVER_NAME, isGrease } from './constants.js';

const VERSIONS: Record<number, string> = {
  0x0304: '13',
  0x0303: '12',
  0x0302: '11',
  0x0301: '10',
  0x0300: 's3',
  0x0002: 's2',
  0xfeff: 'd1',
  0xfefd: 'd2',
  0xfefc: 'd3',
};

const hex4 = (v: number): string => v.toString(16).padStart(4, '0');
const two = (n: number): string => String(Math.min(n, 99)).padStart(2, '0');
const hash12 = (s: string): string =>
  s === '' ? '000000000000' : createHash('sha256').update(s).digest('hex').slice(0, 12);

/**
 * ALPN characters as the reference implementation that produced the JA4 corpus (FoxIO ja4, commit 0e54bc8)
 * computes them: the first and last character of the first ALPN value, a byte outside ASCII shown as '9'
 * (so 0xBA 0xAD gives "99"), a missing one as '0' (no ALPN "00", a one-byte value "h0").
 */
function alpnChars(alpn: string | undefined): string {
  if (alpn === undefined || alpn.length === 0) return '00';
  const ch = (c: number): string => (c < 0x80 ? String.fromCharCode(c) : '9');
  return ch(alpn.charCodeAt(0)) + (alpn.length > 1 ? ch(alpn.charCodeAt(alpn.length - 1)) : '0');
}

export function computeJa4(h: ClientHello, protocol: 't' | 'q' | 'd' = 't'): string {
  const versions = h.supportedVersions.filter((v) => !isGrease(v));
  const v = versions.length > 0 ? Math.max(...versions) : h.version;
  const ciphers = h.ciphers.filter((c) => !isGrease(c));
  const exts = h.extensions.filter((e) => !isGrease(e));
  const a =
    protocol +
    (VERSIONS[v] ?? '00') +
    (h.extensions.includes(EXT_SERVER_NAME) ? 'd' : 'i') +
    two(ciphers.length) +
    two(exts.length) +
    alpnChars(h.alpns[0]);
  const b = hash12(ciphers.map(hex4).sort().join(','));
  const extPart = exts
    .filter((e) => e !== EXT_SERVER_NAME && e !== EXT_ALPN)
    .map(hex4)
    .sort()
    .join(',');
  const sigs = h.signatureAlgorithms
    .filter((s) => !isGrease(s))
    .map(hex4)
    .join(',');
  // No signature algorithms: the string ends without an underscore (JA4 spec).
  const c = hash12(sigs === '' ? extPart : `${extPart}_${sigs}`);
  return `${a}_${b}_${c}`;
}
