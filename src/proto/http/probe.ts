/**
 * Is this HTTP/1.x? By content, on any port: a request line (a method token, a space, a target) or a
 * status line ("HTTP/1."). A known method is enough; an unknown token must show " HTTP/1." before the end
 * of its line or an origin-form target ("/…"), so text protocols with verb-space lines (SMTP "EHLO x", IRC "NICK y") are not taken for HTTP.
 * No allocation: tokens are compared byte by byte.
 */
import { PROBE_MATCH, PROBE_NEED_MORE, PROBE_NO, type ProbeResult } from '../../flow/index.js';

const KNOWN_METHODS = [
  'GET',
  'POST',
  'HEAD',
  'PUT',
  'DELETE',
  'OPTIONS',
  'CONNECT',
  'TRACE',
  'PATCH',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'SEARCH',
  'REPORT',
  'MKACTIVITY',
  'CHECKOUT',
  'MERGE',
  'M-SEARCH',
  'NOTIFY',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'QUERY',
  'PURGE',
  'BCOPY',
  'BMOVE',
  'POLL',
].map((m) => Buffer.from(m, 'latin1'));

/** The longest method token accepted; methods in the wild are ≤ 12 characters. */
const MAX_METHOD_LEN = 24;
/** How far a first line may run before an unknown-method request must have shown its version. */
const MAX_PROBE_LINE = 2048;

function isTokenChar(c: number): boolean {
  // RFC 9110 tchar, restricted to what methods use in practice: letters, digits, '-', '_', '.'.
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x5f ||
    c === 0x2e
  );
}

function upper(c: number): number {
  return c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
}

function isKnownMethod(buf: Buffer, off: number, len: number): boolean {
  for (const m of KNOWN_METHODS) {
    if (m.length !== len) continue;
    let i = 0;
    while (i < len && upper(buf[off + i]) === m[i]) i++;
    if (i === len) return true;
  }
  return false;
}

const HTTP1 = Buffer.from('HTTP/1.', 'latin1');

/**
 * Does `buf[off, end)` start with "HTTP/1." (case-insensitive; only "HTTP/" when `prefixLen` is 5)?
 * NEED_MORE when it is a prefix of it.
 */
function statusLinePrefix(buf: Buffer, off: number, end: number, prefixLen = HTTP1.length): ProbeResult {
  for (let i = 0; i < prefixLen; i++) {
    if (off + i >= end) return PROBE_NEED_MORE;
    if (upper(buf[off + i]) !== HTTP1[i]) return PROBE_NO;
  }
  return PROBE_MATCH;
}

/** Does the line starting at `off` contain " HTTP/1." before its end? */
function lineShowsVersion(buf: Buffer, off: number, end: number): ProbeResult {
  const limit = Math.min(end, off + MAX_PROBE_LINE);
  for (let p = off; p < limit; p++) {
    const c = buf[p];
    if (c === 0x0a) return PROBE_NO;
    if (c === 0x20 && statusLinePrefix(buf, p + 1, limit) === PROBE_MATCH) return PROBE_MATCH;
  }
  return end - off < MAX_PROBE_LINE ? PROBE_NEED_MORE : PROBE_NO;
}

/**
 * A plausible start of an HTTP request line at `off`. `strict` (protocol detection) wants a known method or
 * a visible version; within a connection already known to be HTTP any method token will do.
 */
export function probeRequestLine(buf: Buffer, off: number, len: number, strict = true): ProbeResult {
  const end = off + len;
  let i = off;
  while (i < end && i - off <= MAX_METHOD_LEN && isTokenChar(buf[i])) i++;
  if (i === end) return i - off <= MAX_METHOD_LEN ? PROBE_NEED_MORE : PROBE_NO;
  if (buf[i] !== 0x20 || i === off) return PROBE_NO;
  // A known method and a space is HTTP's signature (Suricata's detection patterns are "GET|20|" …); libhtp skips
  // any further spaces before the target.
  if (isKnownMethod(buf, off, i - off)) return PROBE_MATCH;
  if (i + 1 >= end) return PROBE_NEED_MORE;
  const t = buf[i + 1];
  if (t <= 0x20 || t >= 0x7f) return PROBE_NO;
  // An origin-form target ("/…") after a method token is HTTP's shape; verb-space protocols send words.
  if (!strict || t === 0x2f) return PROBE_MATCH;
  return lineShowsVersion(buf, i + 1, end);
}

/**
 * A plausible start of an HTTP/1.x status line at `off`. Within a connection already known to be HTTP
 * (`strict` false) a damaged version ("HTTP/!.4") is still a status line, as servers and Zeek take it.
 */
export function probeStatusLine(buf: Buffer, off: number, len: number, strict = true): ProbeResult {
  return statusLinePrefix(buf, off, off + len, strict ? HTTP1.length : 5);
}

export function probeHttp(buf: Buffer, off: number, len: number): ProbeResult {
  const s = probeStatusLine(buf, off, len);
  if (s === PROBE_MATCH) return s;
  const r = probeRequestLine(buf, off, len);
  if (r === PROBE_MATCH) return r;
  return s === PROBE_NEED_MORE || r === PROBE_NEED_MORE ? PROBE_NEED_MORE : PROBE_NO;
}
