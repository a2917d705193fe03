/**
 * Request and status lines (RFC 9112 §3, §4) and the header fields a log needs, filled into an
 * `HttpTransaction`. Tolerant like the servers it watches: extra spaces, lower-case methods, a missing
 * version (HTTP/0.9), a request line with no target.
 */
import { headerValue, headerValueNoNul, headerValues, type MessageHead } from './header-block.js';
import type { HttpTransaction } from './types.js';

export function newTransaction(depth: number): HttpTransaction {
  return { requestHeaders: [], requestBodyLength: 0, responseHeaders: [], responseBodyLength: 0, depth };
}

/** A version token as servers accept it: "HTTP/1.1", also damaged ones like "HTTP/1." (Zeek logs those). */
const VERSION_RE = /^HTTP\/[^ \t]*$/i;

/**
 * Splits a request line into method, target and version (any may be absent when malformed): the method
 * ends at the first blank, the version is a trailing "HTTP/…" token, and the target is what lies between
 * (it may hold spaces, as some clients send them unescaped).
 */
export function parseRequestLine(line: string): { method: string; uri?: string; version?: string } {
  const t = line.trim();
  const sp = t.search(/[ \t]/);
  if (sp < 0) return { method: t };
  const method = t.slice(0, sp);
  const rest = t.slice(sp).trim();
  // "GET  HTTP/1.1": the target is missing (Zeek logs the URI as empty).
  if (VERSION_RE.test(rest)) return { method, uri: '', version: rest };
  const v = rest.search(/[ \t]+HTTP\/[^ \t]*$/i);
  if (v >= 0) return { method, uri: rest.slice(0, v), version: rest.slice(v).trim() };
  return { method, uri: rest };
}

/** Host without its port: "[::1]:8080" → "[::1]" / 8080; "example.com:81" → "example.com" / 81. */
export function splitHostPort(value: string): { host: string; port?: number } {
  const v = value.trim();
  if (v.startsWith('[')) {
    const close = v.indexOf(']');
    if (close > 0) {
      const rest = v.slice(close + 1);
      const port = /^:\d{1,5}$/.test(rest) ? Number(rest.slice(1)) : undefined;
      // Suricata keeps the brackets of an IPv6 literal in `hostname` (suricata-verify http-ipv6).
      return { host: v.slice(0, close + 1), port };
    }
    return { host: v };
  }
  const colon = v.lastIndexOf(':');
  if (colon > 0 && v.indexOf(':') === colon) {
    const p = v.slice(colon + 1);
    if (/^\d{1,5}$/.test(p)) return { host: v.slice(0, colon), port: Number(p) };
    if (p.length === 0) return { host: v.slice(0, colon) };
  }
  return { host: v };
}

export function fillRequest(tx: HttpTransaction, head: MessageHead): void {
  const rl = parseRequestLine(head.startLine);
  tx.method = rl.method;
  tx.uri = rl.uri;
  tx.protocol = rl.version;
  tx.requestHeaders = head.headers;
  const host = headerValue(head.headers, 'host');
  if (host !== undefined) {
    const hp = splitHostPort(host);
    tx.hostname = hp.host;
    if (hp.port !== undefined) tx.port = hp.port;
  } else if (rl.uri && /^[a-z][a-z0-9+.-]*:\/\//i.test(rl.uri)) {
    // Absolute form (proxy requests): the authority names the host.
    const authority = rl.uri.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split(/[/?#]/)[0];
    const hp = splitHostPort(authority.slice(authority.lastIndexOf('@') + 1));
    tx.hostname = hp.host;
    if (hp.port !== undefined) tx.port = hp.port;
  }
  tx.userAgent = headerValue(head.headers, 'user-agent');
  tx.referer = headerValue(head.headers, 'referer');
}

/** Parses a status line; undefined when it is not one. */
export function parseStatusLine(
  line: string,
): { version: string; status?: number; msg?: string } | undefined {
  const m = /^(HTTP\/[^ \t]*)(?:[ \t]+(\d{3}))?(?:[ \t]+(.*))?$/i.exec(line.trim());
  if (!m) return undefined;
  return { version: m[1], status: m[2] !== undefined ? Number(m[2]) : undefined, msg: m[3] };
}

export function fillResponse(
  tx: HttpTransaction,
  head: MessageHead,
  status: number | undefined,
  version: string,
  msg?: string,
): void {
  tx.status = status;
  tx.statusMsg = msg;
  tx.responseProtocol = version;
  tx.responseHeaders = head.headers;
  tx.contentType = headerValue(head.headers, 'content-type');
  tx.redirect = headerValue(head.headers, 'location');
}

export const enum Framing {
  None,
  Length,
  Chunked,
  UntilClose,
  Invalid,
}

/**
 * Body framing a head's fields announce (RFC 9112 §6.3): chunked when it is the final transfer coding,
 * else Content-Length when valid; `length` receives the Content-Length.
 */
export function bodyFraming(
  headers: Array<[string, string]>,
  out: { length: number; problem: string },
  isRequest = false,
): Framing {
  out.problem = '';
  const te = headerValues(headers, 'transfer-encoding');
  if (te !== undefined) {
    const codings = te
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s.length > 0);
    // A request body cannot run to the close, so a request naming chunked anywhere is read as chunked
    // (what servers that accept "chunked, identity" do — the smuggling case Zeek's 261 traces show).
    const chunked = isRequest ? codings.includes('chunked') : codings[codings.length - 1] === 'chunked';
    if (chunked) {
      if (headerValue(headers, 'content-length') !== undefined) {
        out.problem = 'both Transfer-Encoding and Content-Length';
      }
      return Framing.Chunked;
    }
    if (codings.length > 0) return isRequest ? Framing.Invalid : Framing.UntilClose;
  }
  const cl = headerValues(headers, 'content-length');
  if (cl === undefined) return Framing.None;
  // Repeated identical values ("5, 5") are one length (RFC 9110 §8.6).
  const values = new Set(cl.split(',').map((s) => s.trim()));
  // Leading zeros do not change the number ("000…050" is 50).
  const v = values.size === 1 ? [...values][0].replace(/^0+(?=\d)/, '') : '';
  if (!/^\d{1,15}$/.test(v)) {
    out.problem = `Content-Length ${JSON.stringify(cl.slice(0, 40))} is not a usable number`;
    return Framing.Invalid;
  }
  out.length = Number(v);
  return Framing.Length;
}

/**
 * A response body's framing as libhtp decides it (what Suricata sees, and what browsers accept): chunked when
 * Transfer-Encoding mentions "chunked" anywhere (case and NUL bytes aside, whatever the version or a Content-Length
 * beside it), else the first Content-Length's digits (junk around them tolerated), else until the close.
 */
export function responseFraming(
  headers: Array<[string, string]>,
  out: { length: number; problem: string },
): Framing {
  out.problem = '';
  const te = headerValueNoNul(headers, 'transfer-encoding');
  const cl = headerValueNoNul(headers, 'content-length');
  if (te !== undefined && te.replace(/\0/g, '').toLowerCase().includes('chunked')) {
    if (cl !== undefined) out.problem = 'both Transfer-Encoding and Content-Length';
    return Framing.Chunked;
  }
  if (cl === undefined) return Framing.None;
  const m = /^[ \t]*[^0-9]*([0-9]+)/.exec(cl);
  if (!m || m[1].replace(/^0+(?=\d)/, '').length > 15) {
    out.problem = `Content-Length ${JSON.stringify(cl.slice(0, 40))} is not a usable number`;
    return Framing.Invalid;
  }
  out.length = Number(m[1]);
  if (!/^\s*\d+\s*$/.test(cl))
    out.problem = `Content-Length ${JSON.stringify(cl.slice(0, 40))} has bytes around its digits`;
  return Framing.Length;
}

/** A Content-Range value ("bytes 500-1000/146515") as Suricata reads it; -1 where "*" stands; undefined if malformed. */
export function parseContentRange(value: string): { start: number; end: number; size: number } | undefined {
  const m = /^\s*(?:bytes\s+)?(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(value);
  if (!m) return undefined;
  const n = (x: string | undefined): number => (x === undefined || x === '*' ? -1 : Number(x));
  return { start: n(m[1]), end: n(m[2]), size: n(m[3]) };
}
