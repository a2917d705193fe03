/**
 * Address text to words. One scanner, no regular expressions and no allocation on the success path: feeds
 * of hundreds of thousands of lines and AS range tables parse through `parseIpInto`. Strict like glibc's
 * inet_pton: four decimal IPv4 parts without leading zeros (010 is octal to some parsers), IPv6 per
 * RFC 4291 §2.2 with an embedded IPv4 only in the last 32 bits, no zone index (an address with a zone
 * means nothing without its interface, and nothing in moat stores one).
 */
import { AddressError, type Ip, type IpVersion } from './types.js';

// Failure codes of the scanner (negative; success returns 4 or 6 / the IPv4 value).
const E_EMPTY = -1;
const E_V4_PARTS = -2;
const E_V4_RANGE = -3;
const E_V4_ZERO = -4;
const E_CHAR = -5;
const E_GROUP_LONG = -6;
const E_DOUBLE = -7;
const E_FEW = -8;
const E_MANY = -9;
const E_V4_NOT_LAST = -10;
const E_ZONE = -11;
const E_COLON = -12;

/** Where E_CHAR found its character. */
let errAt = 0;
const groups = new Uint32Array(8);

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Dotted IPv4 in text[start, end): the uint32 value, or a failure code. */
function scanV4(t: string, start: number, end: number): number {
  let value = 0;
  let parts = 0;
  let cur = -1;
  let digits = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? t.charCodeAt(i) : 46;
    if (c === 46) {
      if (cur < 0 || parts === 4) return E_V4_PARTS;
      value = value * 256 + cur;
      parts++;
      cur = -1;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && cur === 0) return E_V4_ZERO;
      cur = cur < 0 ? c - 48 : cur * 10 + (c - 48);
      digits++;
      if (cur > 255) return E_V4_RANGE;
    } else {
      errAt = i;
      return E_CHAR;
    }
  }
  return parts === 4 ? value : E_V4_PARTS;
}

/** IPv6 text into out[off..off+3]: 6, or a failure code. */
function scanV6(t: string, out: Uint32Array, off: number): number {
  const n = t.length;
  let g = 0;
  let dbl = -1;
  let i = 0;
  if (t.charCodeAt(0) === 58) {
    if (t.charCodeAt(1) !== 58) return E_COLON;
    dbl = 0;
    i = 2;
  }
  while (i < n) {
    let v = 0;
    let j = i;
    for (; j < n; j++) {
      const h = hexValue(t.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
    }
    const c = j < n ? t.charCodeAt(j) : -1;
    if (c === 46) {
      // Embedded IPv4: the rest of the text, two groups' worth.
      if (g > 6) return E_MANY;
      const v4 = scanV4(t, i, n);
      // 'a.b.c.d:80' reads as a port (an unexpected ':'); after groups, or before '::', as a misplaced IPv4.
      const misplaced = g > 0 || dbl >= 0 || t.charCodeAt(errAt + 1) === 58;
      if (v4 === E_CHAR && t.charCodeAt(errAt) === 58 && misplaced) return E_V4_NOT_LAST;
      if (v4 < 0) return v4;
      groups[g++] = v4 >>> 16;
      groups[g++] = v4 & 0xffff;
      break;
    }
    if (j === i) {
      if (c === 37) return E_ZONE;
      // An empty group: ':::' or a character that starts no group.
      errAt = j;
      return E_CHAR;
    }
    if (j - i > 4) return E_GROUP_LONG;
    if (g === 8) return E_MANY;
    groups[g++] = v;
    if (c < 0) break;
    if (c === 37) return E_ZONE;
    if (c !== 58) {
      errAt = j;
      return E_CHAR;
    }
    if (t.charCodeAt(j + 1) === 58) {
      if (dbl >= 0) return E_DOUBLE;
      dbl = g;
      i = j + 2;
    } else {
      if (j + 1 === n) return E_COLON;
      i = j + 1;
    }
  }
  if (dbl < 0) {
    if (g < 8) return E_FEW;
  } else if (g > 7) return E_MANY;
  // Expand: the groups after '::' move to the end, zeros fill the gap.
  const tail = dbl < 0 ? 0 : g - dbl;
  for (let k = 0; k < tail; k++) groups[7 - k] = groups[g - 1 - k];
  for (let k = dbl < 0 ? 8 : dbl; k < 8 - tail; k++) groups[k] = 0;
  for (let k = 0; k < 4; k++) out[off + k] = ((groups[2 * k] << 16) | groups[2 * k + 1]) >>> 0;
  return 6;
}

function scan(text: string, out: Uint32Array, off: number): number {
  if (text.length === 0) return E_EMPTY;
  if (text.indexOf(':') < 0) {
    const v4 = scanV4(text, 0, text.length);
    if (v4 < 0) return v4;
    out[off] = 0;
    out[off + 1] = 0;
    out[off + 2] = 0xffff;
    out[off + 3] = v4;
    return 4;
  }
  const r = scanV6(text, out, off);
  if (r < 0) return r;
  return out[off] === 0 && out[off + 1] === 0 && out[off + 2] === 0xffff ? 4 : 6;
}

function reason(code: number, text: string): string {
  switch (code) {
    case E_EMPTY:
      return 'empty';
    case E_V4_PARTS:
      return 'an IPv4 address has four dot-separated decimal parts';
    case E_V4_RANGE:
      return 'an IPv4 part is over 255';
    case E_V4_ZERO:
      return 'an IPv4 part has a leading zero';
    case E_CHAR:
      return `unexpected '${text[errAt]}' at position ${errAt + 1}`;
    case E_GROUP_LONG:
      return 'an IPv6 group has more than four hex digits';
    case E_DOUBLE:
      return "more than one '::'";
    case E_FEW:
      return "fewer than eight IPv6 groups and no '::'";
    case E_MANY:
      return 'more than eight IPv6 groups';
    case E_V4_NOT_LAST:
      return 'an embedded IPv4 address may only end an IPv6 address';
    case E_ZONE:
      return 'zone indexes (%…) are not supported';
    case E_COLON:
      return "a single ':' at the start or end";
    default:
      return 'not an address';
  }
}

/**
 * Parses into out[off..off+3] without allocating: the family (4 for IPv4 and IPv4-mapped IPv6 text), or 0
 * when the text is no address (out is then undefined garbage).
 */
export function parseIpInto(text: string, out: Uint32Array, off = 0): IpVersion | 0 {
  const r = scan(text, out, off);
  return r === 4 || r === 6 ? r : 0;
}

/** The address, or undefined when the text is none (for validation, where a throw would cost more). */
export function tryParseIp(text: string): Ip | undefined {
  const words = new Uint32Array(4);
  const v = parseIpInto(text, words);
  return v === 0 ? undefined : { version: v, words };
}

/** The address; throws AddressError naming the text and what is wrong with it. */
export function parseIp(text: string): Ip {
  const words = new Uint32Array(4);
  const r = scan(text, words, 0);
  if (r !== 4 && r !== 6) throw new AddressError(text, reason(r, text));
  return { version: r, words };
}

/** Why `text` is no address (for messages built elsewhere); undefined when it is one. */
export function ipProblem(text: string): string | undefined {
  const r = scan(text, new Uint32Array(4), 0);
  return r === 4 || r === 6 ? undefined : reason(r, text);
}
