/**
 * EVE `http` object with Suricata's field names: hostname (lower case, no port — libhtp normalises it so),
 * http_port when the Host header named one, url, http_user_agent, http_content_type, http_refer,
 * http_method, protocol, status, redirect, length (response body bytes). Absent facts are left out, as
 * Suricata does, rather than written as empty strings.
 */
import type { HttpTransaction } from '../../proto/http/types.js';

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
