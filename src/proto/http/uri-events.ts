/**
 * Events libhtp raises on a request's target and Host header, with its names as Suricata logs them: a Host header
 * whose host (or port) libhtp's relaxed validation rejects, and, when the configuration asks for a second decoding
 * pass (`double-decode-path`/`double-decode-query`), a path or query that a second pass still shortens.
 */
import { isIPv6 } from 'node:net';

/** libhtp's URL decoding with its defaults: each valid %HH becomes its byte; anything else is kept. */
function percentDecode(s: string): string {
  return s.includes('%')
    ? s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
    : s;
}

/** A label character libhtp accepts: '_', '-', or alphanumeric (Rust's `char::is_alphanumeric` on a Latin-1 byte). */
function labelChar(c: number): boolean {
  return (
    c === 0x5f ||
    c === 0x2d ||
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0xaa ||
    c === 0xb2 ||
    c === 0xb3 ||
    c === 0xb5 ||
    (c >= 0xb9 && c <= 0xba) ||
    (c >= 0xbc && c <= 0xbe) ||
    (c >= 0xc0 && c <= 0xff && c !== 0xd7 && c !== 0xf7)
  );
}

/** libhtp's relaxed hostname check: a bracketed IPv6 address, or dot-separated labels of ≤ 63 label characters. */
export function validHostname(h: string): boolean {
  if (h.length === 0 || h.length > 255) return false;
  const v6 = /^\[([^#?/\]]+)\]/.exec(h);
  if (v6) return isIPv6(v6[1]);
  if (h.startsWith('.') || h.includes('..')) return false;
  for (const label of h.split('.')) {
    if (label.length > 63) return false;
    for (let i = 0; i < label.length; i++) if (!labelChar(label.charCodeAt(i))) return false;
  }
  return true;
}

/**
 * Is the Host header value invalid to libhtp? undefined when libhtp cannot even take a host from it (no event
 * then). The host is a bracketed IPv6 literal or what precedes ':', '/', '?' or '#'; a port must be 1–65535;
 * anything else after the host makes it invalid.
 */
export function hostHeaderInvalid(value: string): boolean | undefined {
  let s = value.startsWith('//') ? value.slice(2) : value;
  if (s.startsWith('/')) return undefined;
  s = s.replace(/^ +/, '');
  const m = /^(\[[^/?#\]]+\]?|[^/?#:]+)/.exec(s);
  if (!m) return undefined;
  const host = m[1].replace(/ +$/, '');
  const rest = s.slice(m[1].length);
  let valid = validHostname(host);
  const pm = /^: *([^/?#]+)/.exec(rest);
  if (pm) {
    const port = pm[1].trim().split(' ')[0];
    const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(n >= 1 && n <= 65535)) valid = false;
  } else if (rest.length > 0) valid = false;
  return !valid;
}

/** The path and query of a request target (origin form, or absolute form past its authority). */
function pathAndQuery(uri: string): { path: string; query: string | undefined } {
  let rest = uri;
  if (!rest.startsWith('/')) {
    const abs = /^[^:]*:(\/\/[^/?#]*)?/.exec(rest);
    if (abs) rest = rest.slice(abs[0].length);
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  return q < 0 ? { path: rest, query: undefined } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}

/**
 * Which part of the target a second decoding pass still shortens ('path' or 'query'), when that part's double
 * decoding is configured — libhtp's "URI path/query is double encoded" (double_encoded_uri). undefined: none.
 */
export function doubleEncodedPart(
  uri: string,
  decodePath: boolean,
  decodeQuery: boolean,
): 'path' | 'query' | undefined {
  if (!uri.includes('%')) return undefined;
  const { path, query } = pathAndQuery(uri);
  if (decodePath) {
    const once = percentDecode(path);
    if (percentDecode(once).length < once.length) return 'path';
  }
  if (decodeQuery && query !== undefined) {
    const once = percentDecode(query);
    if (percentDecode(once).length < once.length) return 'query';
  }
  return undefined;
}
