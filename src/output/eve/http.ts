/**
 * EVE `http` object with Suricata's field names: hostname (lower case, no port — libhtp normalises it so),
 * http_port when the Host header named one, url, http_user_agent, http_content_type, http_refer,
 * http_method, protocol, status, redirect, length (response body bytes). Absent facts are left out, as
 * Suricata does, rather than written as empty strings.
 */
import type { HttpTransaction } from '../../proto/index.js';
import { MemberWriter, num, raw, str, type EveBytesOut } from './json-out.js';
import { writeHttp2Eve } from './http2.js';

/** The record's `"http":{…}` member, written straight into the output. */
export function writeHttpEve(o: EveBytesOut, t: HttpTransaction): void {
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
  raw(o, '}');
}
