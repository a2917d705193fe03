/**
 * The sticky buffers of an app-layer record: what `tls.sni`, `http.uri`, `dns.query` … look at, in Suricata's
 * forms (http.request_line "GET / HTTP/1.1", http.header "Name: value\r\n" per header, http.header_names
 * "\r\nName\r\n…\r\n\r\n"). Transformed buffers ("http.host|dotprefix") are derived on demand from their base.
 */
import zlib from 'node:zlib';
import type { AppRecord } from '../proto/index.js';
import type { CertificateInfo } from '../proto/index.js';
import type { HttpTransaction } from '../proto/index.js';
import type { BaseBuffer, BufferName } from './rule.js';
import { transformsOf, type Transform } from './transforms.js';

/** One buffer, or several instances of a multi-buffer (tls.certs: one per certificate) a rule may match in any one of. */
export type AppBuffer = Buffer | readonly Buffer[];
export type AppBuffers = Partial<Record<BufferName, AppBuffer>>;
/** Buffers that have several instances per record. */
const MULTI = new Set<string>(['tls.certs', 'tls.subjectaltname']);

export function isMultiBuffer(name: BufferName): boolean {
  return MULTI.has(name.split('|')[0]);
}

const b = (s: string | undefined): Buffer | undefined =>
  s === undefined ? undefined : Buffer.from(s, 'latin1');

function header(hs: Array<[string, string]>, name: string): string | undefined {
  const n = name.toLowerCase();
  const vals = hs.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  // Repeated headers are one buffer, values joined as libhtp joins them.
  return vals.length === 0 ? undefined : vals.join(', ');
}

function headerBlock(hs: Array<[string, string]>): string | undefined {
  return hs.length === 0 ? undefined : hs.map(([k, v]) => `${k}: ${v}\r\n`).join('');
}

function headerNames(hs: Array<[string, string]>): string | undefined {
  return hs.length === 0 ? undefined : `\r\n${hs.map(([k]) => `${k}\r\n`).join('')}\r\n`;
}

/**
 * A kept body as inspected: gzip and deflate content codings are undone, as libhtp does for Suricata; a body cut
 * short decodes as far as it goes.
 */
function body(parts: Buffer[] | undefined, coding: string | undefined): Buffer | undefined {
  if (!parts || parts.length === 0) return undefined;
  const raw = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  const c = coding?.trim().toLowerCase();
  if (c !== 'gzip' && c !== 'x-gzip' && c !== 'deflate') return raw;
  const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 1 << 20 };
  try {
    return c === 'deflate' ? inflateAny(raw, opts) : zlib.gunzipSync(raw, opts);
  } catch {
    return raw;
  }
}

/** "deflate" is zlib-wrapped by the RFC but raw in some servers: try both. */
function inflateAny(raw: Buffer, opts: zlib.ZlibOptions): Buffer {
  try {
    return zlib.inflateSync(raw, opts);
  } catch {
    return zlib.inflateRawSync(raw, opts);
  }
}

function httpBuffers(h: HttpTransaction): Partial<Record<BaseBuffer, Buffer>> {
  const req = h.requestHeaders;
  const res = h.responseHeaders;
  const requestLine =
    h.method === undefined
      ? undefined
      : [h.method, h.uri ?? '', h.protocol].filter((x) => x !== undefined).join(' ');
  const responseLine =
    h.status === undefined
      ? undefined
      : `${h.responseProtocol ?? 'HTTP/1.1'} ${String(h.status)}${h.statusMsg !== undefined ? ` ${h.statusMsg}` : ''}`;
  return {
    'http.uri': b(h.uri),
    'http.method': b(h.method),
    'http.host': b(h.hostname?.toLowerCase()),
    'http.user_agent': b(h.userAgent),
    'http.header': b(headerBlock(req)),
    'http.header_names': b(headerNames(req)),
    'http.protocol': b(h.protocol),
    'http.request_line': b(requestLine),
    'http.start': b(
      requestLine === undefined ? undefined : `${requestLine}\r\n${headerBlock(req) ?? ''}\r\n`,
    ),
    'http.cookie': b(header(req, 'cookie')),
    'http.referer': b(h.referer ?? header(req, 'referer')),
    'http.accept': b(header(req, 'accept')),
    'http.accept_enc': b(header(req, 'accept-encoding')),
    'http.accept_lang': b(header(req, 'accept-language')),
    'http.connection': b(header(req, 'connection')),
    'http.content_type': b(header(req, 'content-type')),
    'http.content_len': b(header(req, 'content-length')),
    'http.request_body': body(h.requestBody, header(req, 'content-encoding')),
    'http.response_body': body(h.responseBody, h.responseHeaders && header(res, 'content-encoding')),
    'http.stat_code': b(h.status === undefined ? undefined : String(h.status)),
    'http.stat_msg': b(h.statusMsg),
    'http.response_line': b(responseLine),
    'http.server': b(header(res, 'server')),
    'http.location': b(h.redirect ?? header(res, 'location')),
    'http.header#tc': b(headerBlock(res)),
    'http.header_names#tc': b(headerNames(res)),
    'http.protocol#tc': b(h.responseProtocol),
    'http.start#tc': b(
      responseLine === undefined ? undefined : `${responseLine}\r\n${headerBlock(res) ?? ''}\r\n`,
    ),
    'http.connection#tc': b(header(res, 'connection')),
    'http.content_type#tc': b(h.contentType ?? header(res, 'content-type')),
    'http.content_len#tc': b(header(res, 'content-length')),
  };
}

/** A certificate's subject alternative names as strings, one buffer each; undefined when it has none. */
function subjectAltNames(c: CertificateInfo): Buffer[] | undefined {
  const names = [...c.sanDns, ...c.sanIp, ...(c.sanEmail ?? []), ...(c.sanUri ?? [])];
  return names.length === 0 ? undefined : names.map((n) => Buffer.from(n, 'latin1'));
}

function baseBuffers(rec: AppRecord): Partial<Record<BaseBuffer, AppBuffer>> {
  switch (rec.type) {
    case 'tls': {
      const t = rec.tls;
      const leaf = t.serverCertificates[0];
      return {
        'tls.sni': b(t.client?.sni),
        'tls.cert_subject': b(leaf?.subject),
        'tls.cert_issuer': b(leaf?.issuer),
        'tls.cert_serial': b(leaf?.serial),
        'tls.cert_fingerprint': b(leaf?.sha1),
        'tls.certs': t.serverCertificates.length > 0 ? t.serverCertificates.map((c) => c.der) : undefined,
        'tls.subjectaltname': leaf ? subjectAltNames(leaf) : undefined,
        'ja3.hash': b(t.ja3?.hash),
        'ja3.string': b(t.ja3?.string),
        'ja3s.hash': b(t.ja3s?.hash),
        'ja3s.string': b(t.ja3s?.string),
        'ja4.hash': b(t.ja4),
      };
    }
    case 'http':
      return httpBuffers(rec.http);
    case 'dns': {
      // dns.query is the request's name: Suricata inspects it to the server only.
      const q = rec.dns.isResponse ? undefined : rec.dns.questions[0];
      return { 'dns.query': b(q?.name) };
    }
    case 'quic':
    case 'anomaly':
      return {};
  }
}

const transformCache = new Map<string, Transform[]>();

/** The record's buffers; `derived` lists the transformed names rules use, computed from their base. */
export function appBuffers(rec: AppRecord, derived: readonly BufferName[] = []): AppBuffers {
  const out: AppBuffers = baseBuffers(rec);
  for (const name of derived) {
    const bar = name.indexOf('|');
    if (bar < 0) continue;
    const v = out[name.slice(0, bar) as BaseBuffer];
    if (v === undefined) continue;
    let ts = transformCache.get(name);
    if (!ts) {
      ts = transformsOf(name);
      transformCache.set(name, ts);
    }
    const apply = (x: Buffer): Buffer => ts.reduce((acc, t) => t(acc), x);
    out[name] = Array.isArray(v) ? v.map(apply) : apply(v as Buffer);
  }
  return out;
}

/** Which app protocol a buffer belongs to. */
export function bufferProto(name: BufferName): 'tls' | 'http' | 'dns' | undefined {
  if (name.startsWith('tls.') || name.startsWith('ja3') || name.startsWith('ja4.')) return 'tls';
  if (name.startsWith('http.')) return 'http';
  if (name.startsWith('dns.')) return 'dns';
  return undefined;
}
