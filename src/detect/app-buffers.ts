/**
 * The sticky buffers of an app-layer record: what `tls.sni`, `http.uri`, `dns.query` … look at, in Suricata's
 * forms (http.request_line "GET / HTTP/1.1", http.header "Name: value\r\n" per header, http.header_names
 * "\r\nName\r\n…\r\n\r\n"). Transformed buffers ("http.host|dotprefix") are derived on demand from their base.
 */
import zlib from 'node:zlib';
import type { AppRecord } from '../proto/index.js';
import type { CertificateInfo } from '../proto/index.js';
import type { DnsMessage, HttpFile, HttpTransaction } from '../proto/index.js';
import type { BaseBuffer, BufferName } from './rule.js';
import { transformsOf, type Transform } from './transforms.js';

/** One buffer, or several instances of a multi-buffer (tls.certs: one per certificate) a rule may match in any one of. */
export type AppBuffer = Buffer | readonly Buffer[];
export type AppBuffers = Partial<Record<BufferName, AppBuffer>>;
/** Buffers that have several instances per record. */
const MULTI = new Set<string>([
  'tls.certs',
  'tls.subjectaltname',
  'dns.queries.rrname',
  'dns.answers.rrname',
  'dns.response.rrname',
  'http.request_header',
  'http.response_header',
]);

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

const requestLineOf = (h: HttpTransaction): string | undefined =>
  h.method === undefined
    ? undefined
    : [h.method, h.uri ?? '', h.protocol].filter((x) => x !== undefined).join(' ');

const responseLineOf = (h: HttpTransaction): string | undefined =>
  h.status === undefined
    ? undefined
    : `${h.responseProtocol ?? 'HTTP/1.1'} ${String(h.status)}${h.statusMsg !== undefined ? ` ${h.statusMsg}` : ''}`;

/** Each HTTP buffer from its transaction, built only when a rule group asks for it. */
/** Each header as one "Name: value" instance (http.request_header, http.response_header). */
function headerLines(hs: Array<[string, string]> | undefined): Buffer[] | undefined {
  return hs && hs.length > 0 ? hs.map(([k, v]) => Buffer.from(`${k}: ${v}`, 'latin1')) : undefined;
}

const HTTP_BUFFERS: Partial<Record<BaseBuffer, (h: HttpTransaction) => AppBuffer | undefined>> = {
  'http.request_header': (h) => headerLines(h.requestHeaders),
  'http.response_header': (h) => headerLines(h.responseHeaders),
  'http.uri': (h) => b(h.uri),
  'http.method': (h) => b(h.method),
  'http.host': (h) => b(h.hostname?.toLowerCase()),
  'http.user_agent': (h) => b(h.userAgent),
  'http.header': (h) => b(headerBlock(h.requestHeaders)),
  'http.header_names': (h) => b(headerNames(h.requestHeaders)),
  'http.header.raw': (h) => b(h.requestHeaderRaw),
  'http.protocol': (h) => b(h.protocol),
  'http.request_line': (h) => b(requestLineOf(h)),
  'http.start': (h) => {
    const line = requestLineOf(h);
    return b(line === undefined ? undefined : `${line}\r\n${headerBlock(h.requestHeaders) ?? ''}\r\n`);
  },
  'http.cookie': (h) => b(header(h.requestHeaders, 'cookie')),
  'http.referer': (h) => b(h.referer ?? header(h.requestHeaders, 'referer')),
  'http.accept': (h) => b(header(h.requestHeaders, 'accept')),
  'http.accept_enc': (h) => b(header(h.requestHeaders, 'accept-encoding')),
  'http.accept_lang': (h) => b(header(h.requestHeaders, 'accept-language')),
  'http.connection': (h) => b(header(h.requestHeaders, 'connection')),
  'http.content_type': (h) => b(header(h.requestHeaders, 'content-type')),
  'http.content_len': (h) => b(header(h.requestHeaders, 'content-length')),
  'http.request_body': (h) => body(h.requestBody, header(h.requestHeaders, 'content-encoding')),
  // A body followed as a file was decoded by the parser (libhtp's codings); others are decoded here.
  'http.response_body': (h) =>
    h.responseFile
      ? h.responseFile.data
      : body(h.responseBody, h.responseHeaders && header(h.responseHeaders, 'content-encoding')),
  'file.name': (h) => fileNames(h.requestFiles),
  'file.name#tc': (h) => fileNames([h.responseFile, h.joinedFile]),
  'http.stat_code': (h) => b(h.status === undefined ? undefined : String(h.status)),
  'http.stat_msg': (h) => b(h.statusMsg),
  'http.response_line': (h) => b(responseLineOf(h)),
  'http.server': (h) => b(header(h.responseHeaders, 'server')),
  'http.location': (h) => b(h.redirect ?? header(h.responseHeaders, 'location')),
  'http.header#tc': (h) => b(headerBlock(h.responseHeaders)),
  'http.header_names#tc': (h) => b(headerNames(h.responseHeaders)),
  'http.header.raw#tc': (h) => b(h.responseHeaderRaw),
  'http.protocol#tc': (h) => b(h.responseProtocol),
  'http.start#tc': (h) => {
    const line = responseLineOf(h);
    return b(line === undefined ? undefined : `${line}\r\n${headerBlock(h.responseHeaders) ?? ''}\r\n`);
  },
  'http.connection#tc': (h) => b(header(h.responseHeaders, 'connection')),
  'http.content_type#tc': (h) => b(h.contentType ?? header(h.responseHeaders, 'content-type')),
  'http.content_len#tc': (h) => b(header(h.responseHeaders, 'content-length')),
};

/** The names of the files given, one buffer each; undefined when there are none. */
function fileNames(files: ReadonlyArray<HttpFile | undefined> | undefined): Buffer[] | undefined {
  const names = files?.flatMap((f) => (f ? [Buffer.from(f.name, 'latin1')] : []));
  return names && names.length > 0 ? names : undefined;
}

/** A certificate's subject alternative names as strings, one buffer each; undefined when it has none. */
function subjectAltNames(c: CertificateInfo): Buffer[] | undefined {
  const names = [...c.sanDns, ...c.sanIp, ...(c.sanEmail ?? []), ...(c.sanUri ?? [])];
  return names.length === 0 ? undefined : names.map((n) => Buffer.from(n, 'latin1'));
}

function tlsBuffer(rec: Extract<AppRecord, { type: 'tls' }>, name: BaseBuffer): AppBuffer | undefined {
  const t = rec.tls;
  const leaf = t.serverCertificates[0];
  switch (name) {
    case 'tls.sni':
      return b(t.client?.sni);
    case 'tls.cert_subject':
      return b(leaf?.subject);
    case 'tls.cert_issuer':
      return b(leaf?.issuer);
    case 'tls.cert_serial':
      return b(leaf?.serial);
    case 'tls.cert_fingerprint':
      return b(leaf?.sha1);
    // The client's certificate, as the same buffers see it to the server.
    case 'tls.cert_subject#ts':
      return b(t.clientCertificates[0]?.subject);
    case 'tls.cert_issuer#ts':
      return b(t.clientCertificates[0]?.issuer);
    case 'tls.cert_serial#ts':
      return b(t.clientCertificates[0]?.serial);
    case 'tls.cert_fingerprint#ts':
      return b(t.clientCertificates[0]?.sha1);
    case 'tls.certs':
      return t.serverCertificates.length > 0 ? t.serverCertificates.map((c) => c.der) : undefined;
    case 'tls.subjectaltname':
      return leaf ? subjectAltNames(leaf) : undefined;
    case 'ja3.hash':
      return b(t.ja3?.hash);
    case 'ja3.string':
      return b(t.ja3?.string);
    case 'ja3s.hash':
      return b(t.ja3s?.hash);
    case 'ja3s.string':
      return b(t.ja3s?.string);
    case 'ja4.hash':
      return b(t.ja4);
    case 'tls.random':
      return t.client?.random;
    case 'tls.random#tc':
      return t.server?.random;
    case 'tls.random_time':
      return t.client?.random?.subarray(0, 4);
    case 'tls.random_time#tc':
      return t.server?.random?.subarray(0, 4);
    case 'tls.random_bytes':
      return t.client?.random?.subarray(4);
    case 'tls.random_bytes#tc':
      return t.server?.random?.subarray(4);
    default:
      return undefined;
  }
}

const TLS_NAMES: readonly BaseBuffer[] = [
  'tls.sni',
  'tls.cert_subject',
  'tls.cert_issuer',
  'tls.cert_serial',
  'tls.cert_fingerprint',
  'tls.cert_subject#ts',
  'tls.cert_issuer#ts',
  'tls.cert_serial#ts',
  'tls.cert_fingerprint#ts',
  'tls.certs',
  'tls.subjectaltname',
  'ja3.hash',
  'ja3.string',
  'ja3s.hash',
  'ja3s.string',
  'ja4.hash',
  'tls.random',
  'tls.random_time',
  'tls.random_bytes',
  'tls.random#tc',
  'tls.random_time#tc',
  'tls.random_bytes#tc',
];

const DNS_NAMES: readonly BaseBuffer[] = [
  'dns.query',
  'dns.queries.rrname',
  'dns.answers.rrname',
  'dns.response.rrname',
];

/** Record types whose rdata is a domain name (CNAME, NS, PTR, DNAME, MX's exchange, SRV's target). */
const NAME_RDATA = new Set([2, 5, 12, 15, 33, 39]);

const names = (xs: readonly string[]): Buffer[] | undefined =>
  xs.length === 0 ? undefined : xs.map((x) => Buffer.from(x, 'latin1'));

function dnsBuffer(m: DnsMessage, name: BaseBuffer): AppBuffer | undefined {
  switch (name) {
    case 'dns.query':
      // dns.query is the request's name: Suricata inspects it to the server only.
      return m.isResponse ? undefined : b(m.questions[0]?.name);
    case 'dns.queries.rrname':
      return names(m.questions.map((q) => q.name));
    case 'dns.answers.rrname':
      return names(m.answers.map((a) => a.name));
    case 'dns.response.rrname': {
      if (!m.isResponse) return undefined;
      // Every name a response holds: questions, each record's owner name, and the names in its data (an SOA's
      // primary server, a PTR's target …), in all three sections.
      const out = m.questions.map((q) => q.name);
      for (const sec of [m.answers, m.authorities, m.additionals])
        for (const rr of sec) {
          if (rr.type === 41) continue;
          out.push(rr.name);
          if (rr.soa) out.push(rr.soa.mname);
          else if (rr.srv) out.push(rr.srv.name);
          else if (NAME_RDATA.has(rr.type)) out.push(rr.data);
        }
      return names(out);
    }
    default:
      return undefined;
  }
}

function baseBuffer(rec: AppRecord, name: BaseBuffer): AppBuffer | undefined {
  switch (rec.type) {
    case 'tls':
      return tlsBuffer(rec, name);
    case 'http':
      return HTTP_BUFFERS[name]?.(rec.http);
    case 'dns':
      return dnsBuffer(rec.dns, name);
    case 'frame':
      return name === `frame:${rec.frame.proto}.${rec.frame.type}` ? rec.frame.data : undefined;
    case 'quic':
    case 'anomaly':
      return undefined;
  }
}

function baseNames(rec: AppRecord): readonly BaseBuffer[] {
  switch (rec.type) {
    case 'tls':
      return TLS_NAMES;
    case 'http':
      return Object.keys(HTTP_BUFFERS) as BaseBuffer[];
    case 'dns':
      return DNS_NAMES;
    case 'frame':
      return [`frame:${rec.frame.proto}.${rec.frame.type}`];
    case 'quic':
    case 'anomaly':
      return [];
  }
}

const transformCache = new Map<string, Transform[]>();

/**
 * One record's buffers, each built on first use and kept for the record: a transaction's rules then pay for the
 * buffers their groups scan (an HTTP body is not gunzipped unless a body rule group is there), once.
 */
export class RecordBuffers {
  /**
   * Built buffers by the name's number (bufferIds): a value counts when its stamp is the current record's. A Map per
   * record was ~35 MB of garbage over big.pcap with ET Open; the rule engine keeps one of these and `reset`s it.
   */
  private vals: Array<AppBuffer | undefined> = [];
  private stamps = new Uint32Array(64);
  private stamp = 1;

  constructor(private rec: AppRecord) {}

  /** Forgets the buffers built so far: from now on they are `rec`'s. */
  reset(rec: AppRecord): this {
    this.rec = rec;
    if (++this.stamp === 0xffffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
    return this;
  }

  get(name: BufferName): AppBuffer | undefined {
    let id = bufferIds.get(name);
    if (id === undefined) bufferIds.set(name, (id = bufferIds.size));
    if (id < this.stamps.length && this.stamps[id] === this.stamp) return this.vals[id];
    const v = this.build(name);
    if (id >= this.stamps.length) {
      const bigger = new Uint32Array(Math.max(2 * this.stamps.length, id + 1));
      bigger.set(this.stamps);
      this.stamps = bigger;
    }
    this.stamps[id] = this.stamp;
    this.vals[id] = v;
    return v;
  }

  private build(name: BufferName): AppBuffer | undefined {
    let v: AppBuffer | undefined;
    const bar = name.indexOf('|');
    if (bar < 0) v = baseBuffer(this.rec, name as BaseBuffer);
    else {
      const base = this.get(name.slice(0, bar) as BaseBuffer);
      if (base !== undefined) {
        let ts = transformCache.get(name);
        if (!ts) {
          ts = transformsOf(name);
          transformCache.set(name, ts);
        }
        const apply = (x: Buffer): Buffer => ts.reduce((acc, t) => t(acc), x);
        v = Array.isArray(base) ? base.map(apply) : apply(base as Buffer);
      }
    }
    return v;
  }
}

/** A small number per buffer name (a ruleset names a few dozen), for RecordBuffers' arrays. */
const bufferIds = new Map<string, number>();

/** All of a record's buffers at once; `derived` lists the transformed names rules use, computed from their base. */
export function appBuffers(rec: AppRecord, derived: readonly BufferName[] = []): AppBuffers {
  const r = new RecordBuffers(rec);
  const out: AppBuffers = {};
  for (const name of [...baseNames(rec), ...derived.filter((d) => d.includes('|'))]) {
    const v = r.get(name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Which app protocol a buffer belongs to. */
export function bufferProto(name: BufferName): 'tls' | 'http' | 'dns' | 'frame' | undefined {
  if (name.startsWith('frame:')) return 'frame';
  if (name.startsWith('tls.') || name.startsWith('ja3') || name.startsWith('ja4.')) return 'tls';
  if (name.startsWith('http.') || name.startsWith('file.')) return 'http';
  if (name.startsWith('dns.')) return 'dns';
  return undefined;
}
