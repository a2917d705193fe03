/**
 * EVE `http` object with Suricata's field names: hostname (lower case, no port — libhtp normalises it so),
 * http_port when the Host header named one, url, http_user_agent, http_content_type, http_refer,
 * http_method, protocol, status, redirect, length (response body bytes). Absent facts are left out, as
 * Suricata does, rather than written as empty strings.
 */
import type { HttpTransaction } from '../../proto/http/types.js';
import { num, raw, str, type EveBytesOut } from './json-out.js';

export function httpEve(t: HttpTransaction): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (t.hostname !== undefined) out.hostname = t.hostname.toLowerCase().replace(/\.$/, '');
  if (t.port !== undefined) out.http_port = t.port;
  if (t.uri !== undefined) out.url = t.uri;
  if (t.userAgent !== undefined) out.http_user_agent = t.userAgent;
  if (t.contentType !== undefined) out.http_content_type = t.contentType;
  if (t.referer !== undefined) out.http_refer = t.referer;
  if (t.method !== undefined) out.http_method = t.method;
  if (t.protocol !== undefined) out.protocol = t.protocol;
  else if (t.responseProtocol !== undefined) out.protocol = t.responseProtocol;
  if (t.status !== undefined) out.status = t.status;
  if (t.redirect !== undefined) out.redirect = t.redirect;
  out.length = t.responseBodyLength;
  return out;
}

/** httpEve(t), written straight into the output as the record's `"http":{…}` member. */
export function writeHttpEve(o: EveBytesOut, t: HttpTransaction): void {
  raw(o, '"http":{');
  // Members after the first carry their leading comma; `length` is always there, so the object is never empty.
  let sep = '"';
  const member = (name: string): void => {
    raw(o, sep);
    raw(o, name);
    raw(o, '":');
    sep = ',"';
  };
  if (t.hostname !== undefined) {
    member('hostname');
    str(o, t.hostname.toLowerCase().replace(/\.$/, ''));
  }
  if (t.port !== undefined) {
    member('http_port');
    num(o, t.port);
  }
  if (t.uri !== undefined) {
    member('url');
    str(o, t.uri);
  }
  if (t.userAgent !== undefined) {
    member('http_user_agent');
    str(o, t.userAgent);
  }
  if (t.contentType !== undefined) {
    member('http_content_type');
    str(o, t.contentType);
  }
  if (t.referer !== undefined) {
    member('http_refer');
    str(o, t.referer);
  }
  if (t.method !== undefined) {
    member('http_method');
    str(o, t.method);
  }
  const protocol = t.protocol ?? t.responseProtocol;
  if (protocol !== undefined) {
    member('protocol');
    str(o, protocol);
  }
  if (t.status !== undefined) {
    member('status');
    num(o, t.status);
  }
  if (t.redirect !== undefined) {
    member('redirect');
    str(o, t.redirect);
  }
  member('length');
  num(o, t.responseBodyLength);
  raw(o, '}');
}
