/**
 * DNS over HTTP/2 (RFC 8484): a stream whose request or response carries `application/dns-message` (a POST body,
 * a GET's `dns=` query parameter in base64url, the response body). Its DNS message is logged as a `dns` record —
 * one per stream, the response when there is one (it repeats the question), as Suricata's doh2 logs it — and the
 * connection becomes `doh2` (app_proto_orig `http2`). Bodies are kept up to one DNS message's maximum size.
 */
import type { HeaderEntry } from './hpack.js';

/** A DNS message is at most 65535 bytes. */
export const MAX_DOH_BODY = 65535;
export const DNS_MESSAGE_TYPE = 'application/dns-message';

/** Whether the header list says its body is a DNS message. */
export function carriesDns(headers: readonly HeaderEntry[]): boolean {
  for (const h of headers)
    if ('name' in h && h.name === 'content-type' && h.value.trim().toLowerCase().startsWith(DNS_MESSAGE_TYPE))
      return true;
  return false;
}

/** The DNS query of a GET (`?dns=` base64url, RFC 8484 §4.1), if the path has one. */
export function getQuery(path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  for (const part of path.slice(q + 1).split('&')) {
    if (!part.startsWith('dns=')) continue;
    const v = part.slice(4);
    if (!/^[A-Za-z0-9_-]*={0,2}$/.test(v) || v.length > ((MAX_DOH_BODY + 2) / 3) * 4) return undefined;
    return Buffer.from(v, 'base64url');
  }
  return undefined;
}
