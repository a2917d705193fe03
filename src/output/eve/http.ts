/**
 * EVE `http` object with Suricata's field names: hostname (lower case, no port — libhtp normalises it so),
 * http_port when the Host header named one, url, http_user_agent, http_content_type, http_refer,
 * http_method, protocol, status, redirect, length (response body bytes). Absent facts are left out, as
 * Suricata does, rather than written as empty strings.
 */
import { parseContentRange, type HttpTransaction } from '../../proto/index.js';
import { MemberWriter, num, raw, str, type EveBytesOut } from './json-out.js';
import { writeHttp2Eve } from './http2.js';

/** The http logger's `dump-all-headers`: which sides' headers the event lists in full. */
export type HttpHeaderDump = 'request' | 'response' | 'both';

/** Suricata's bounds on a dumped header (MAX_SIZE_HEADER_NAME/VALUE, one byte kept for its terminator). */
const MAX_NAME = 255;
const MAX_VALUE = 2047;

/**
 * `request_headers`/`response_headers`: one `{name, value}` per header as libhtp keeps them — a repeated name
 * (any case) is one entry, its values joined with ", " (Content-Length: the first), under the first spelling —
 * name and value cut to
 * Suricata's bounds. No headers: no member.
 */
function writeHeaderList(o: EveBytesOut, w: MemberWriter, key: string, hs: Array<[string, string]>): void {
  if (hs.length === 0) return;
  const merged = new Map<string, [string, string]>();
  for (const [n, v] of hs) {
    const k = n.toLowerCase();
    const e = merged.get(k);
    // A repeated Content-Length is not joined: libhtp keeps the first (and flags a differing one).
    if (e) {
      if (k !== 'content-length') e[1] += `, ${v}`;
    } else merged.set(k, [n, v]);
  }
  w.key(key);
  raw(o, '[');
  let first = true;
  for (const [n, v] of merged.values()) {
    raw(o, first ? '{"name":' : ',{"name":');
    first = false;
    str(o, cut(n, MAX_NAME));
    raw(o, ',"value":');
    str(o, cut(v, MAX_VALUE));
    raw(o, '}');
  }
  raw(o, ']');
}

/** At most `max` bytes of a latin1 (byte-per-character) header string. */
const cut = (s: string, max: number): string => (s.length > max ? s.slice(0, max) : s);

/**
 * The record's `"http":{…}` member, written straight into the output. `dump` adds the full header lists (the
 * http event only: Suricata's alerts carry the basic and extended fields without them).
 */
export function writeHttpEve(o: EveBytesOut, t: HttpTransaction, dump?: HttpHeaderDump): void {
  if (t.http2) return writeHttp2Eve(o, t.http2);
  raw(o, '"http":{');
  const w = new MemberWriter(o);
  if (t.hostname !== undefined) {
    w.key('hostname');
    str(o, t.hostname.toLowerCase().replace(/\.$/, ''));
  }
  if (t.port !== undefined) {
    w.key('http_port');
    num(o, t.port);
  }
  if (t.uri !== undefined) {
    w.key('url');
    str(o, t.uri);
  }
  if (t.userAgent !== undefined) {
    w.key('http_user_agent');
    str(o, t.userAgent);
  }
  if (t.contentType !== undefined) {
    w.key('http_content_type');
    str(o, t.contentType);
  }
  if (t.referer !== undefined) {
    w.key('http_refer');
    str(o, t.referer);
  }
  if (t.method !== undefined) {
    w.key('http_method');
    str(o, t.method);
  }
  const protocol = t.protocol ?? t.responseProtocol;
  if (protocol !== undefined) {
    w.key('protocol');
    str(o, protocol);
  }
  if (t.status !== undefined) {
    w.key('status');
    num(o, t.status);
  }
  if (t.redirect !== undefined) {
    w.key('redirect');
    str(o, t.redirect);
  }
  w.key('length');
  num(o, t.responseBodyLength);
  writeContentRange(o, w, t.responseHeaders);
  if (dump === 'request' || dump === 'both') writeHeaderList(o, w, 'request_headers', t.requestHeaders);
  if (dump === 'response' || dump === 'both') writeHeaderList(o, w, 'response_headers', t.responseHeaders);
  raw(o, '}');
}

/** `content_range` of a partial response (Suricata's extended http fields): the raw value and what it says. */
function writeContentRange(o: EveBytesOut, w: MemberWriter, hs: Array<[string, string]>): void {
  let value: string | undefined;
  for (const [n, v] of hs) if (n.toLowerCase() === 'content-range') value ??= v;
  if (value === undefined) return;
  w.key('content_range');
  raw(o, '{"raw":');
  str(o, value);
  const r = parseContentRange(value);
  if (r) {
    for (const [k, v] of [
      ['start', r.start],
      ['end', r.end],
      ['size', r.size],
    ] as const) {
      if (v < 0) continue;
      raw(o, `,"${k}":`);
      num(o, v);
    }
  }
  raw(o, '}');
}
