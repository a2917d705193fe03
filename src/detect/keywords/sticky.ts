/**
 * Sticky buffers: after one of these, content/pcre look at that protocol field instead of the payload. Both the
 * dotted names and the older underscore aliases are accepted, as Suricata does.
 */
import { RuleError, type AppProtoTest, type BufferName } from '../rule.js';
import { addMatch, needValue, noValue, type KeywordHandler } from './context.js';
import { decodeContent } from '../parse/options.js';
import { parseNumberTest } from './header.js';
import { makeTransform, transformKey, TRANSFORM_NAMES } from '../transforms.js';
import { GUESSED_PROTOS } from '../proto-guess.js';

const BUFFERS: Record<string, BufferName> = {
  'tls.sni': 'tls.sni',
  tls_sni: 'tls.sni',
  'tls.cert_subject': 'tls.cert_subject',
  tls_cert_subject: 'tls.cert_subject',
  'tls.cert_issuer': 'tls.cert_issuer',
  tls_cert_issuer: 'tls.cert_issuer',
  'tls.cert_serial': 'tls.cert_serial',
  tls_cert_serial: 'tls.cert_serial',
  'tls.cert_fingerprint': 'tls.cert_fingerprint',
  tls_cert_fingerprint: 'tls.cert_fingerprint',
  'tls.certs': 'tls.certs',
  'tls.subjectaltname': 'tls.subjectaltname',
  'ja3.hash': 'ja3.hash',
  ja3_hash: 'ja3.hash',
  'ja3.string': 'ja3.string',
  ja3_string: 'ja3.string',
  'ja3s.hash': 'ja3s.hash',
  ja3s_hash: 'ja3s.hash',
  'ja3s.string': 'ja3s.string',
  ja3s_string: 'ja3s.string',
  'ja4.hash': 'ja4.hash',
  'tls.random': 'tls.random',
  'tls.random_time': 'tls.random_time',
  'tls.random_bytes': 'tls.random_bytes',
  'http.uri': 'http.uri',
  'http.uri.raw': 'http.uri',
  'http.method': 'http.method',
  'http.host': 'http.host',
  'http.host.raw': 'http.host',
  'http.user_agent': 'http.user_agent',
  'http.header': 'http.header',
  'http.header.raw': 'http.header.raw',
  'http.header_names': 'http.header_names',
  'http.protocol': 'http.protocol',
  'http.request_line': 'http.request_line',
  'http.start': 'http.start',
  'http.cookie': 'http.cookie',
  'http.referer': 'http.referer',
  'http.accept': 'http.accept',
  'http.accept_enc': 'http.accept_enc',
  'http.accept_lang': 'http.accept_lang',
  'http.connection': 'http.connection',
  'http.content_type': 'http.content_type',
  'http.content_len': 'http.content_len',
  'http.stat_code': 'http.stat_code',
  'http.stat_msg': 'http.stat_msg',
  'http.response_line': 'http.response_line',
  'http.server': 'http.server',
  'http.location': 'http.location',
  'http.request_body': 'http.request_body',
  'http.request_header': 'http.request_header',
  'http.response_header': 'http.response_header',
  'http.response_body': 'http.response_body',
  'file.data': 'file.data',
  file_data: 'file.data',
  'file.name': 'file.name',
  // Suricata 5+ made these underscore names sticky buffers too (unlike http_uri, http_cookie … modifiers).
  http_protocol: 'http.protocol',
  http_request_line: 'http.request_line',
  http_response_line: 'http.response_line',
  http_server: 'http.server',
  http_content_type: 'http.content_type',
  http_content_len: 'http.content_len',
  http_referer: 'http.referer',
  http_accept: 'http.accept',
  http_accept_enc: 'http.accept_enc',
  http_accept_lang: 'http.accept_lang',
  http_connection: 'http.connection',
  http_header_names: 'http.header_names',
  http_location: 'http.location',
  http_start: 'http.start',
  'dns.query': 'dns.query',
  'ip.src': 'ip.src',
  'ip.dst': 'ip.dst',
  dns_query: 'dns.query',
  'dns.queries.rrname': 'dns.queries.rrname',
  'dns.query.name': 'dns.queries.rrname',
  'dns.answers.rrname': 'dns.answers.rrname',
  'dns.answer.name': 'dns.answers.rrname',
  'dns.response.rrname': 'dns.response.rrname',
  pkt_data: 'payload',
  'ipv4.hdr': 'ipv4.hdr',
  'ipv6.hdr': 'ipv6.hdr',
  'tcp.hdr': 'tcp.hdr',
  'udp.hdr': 'udp.hdr',
  'icmpv4.hdr': 'icmpv4.hdr',
  'icmpv6.hdr': 'icmpv6.hdr',
};

/**
 * The legacy value keywords tls.subject:"…", tls.issuerdn:"…", tls.fingerprint:"…" ([!] negates): a substring test on
 * that field, the same as the sticky buffer with one content (case-sensitive, but for the hex fingerprint).
 */
export const LEGACY_TLS_KEYWORDS: Record<string, KeywordHandler> = Object.fromEntries(
  (
    [
      ['tls.subject', 'tls.cert_subject'],
      ['tls.issuerdn', 'tls.cert_issuer'],
      ['tls.fingerprint', 'tls.cert_fingerprint'],
    ] as const
  ).map(([name, buf]) => [
    name,
    ((c, v, k) => {
      let raw = needValue(v, k).trim();
      const negated = raw.startsWith('!');
      if (negated) raw = raw.slice(1).trim();
      if (!raw.startsWith('"') || !raw.endsWith('"') || raw.length < 3)
        throw new RuleError(`must be a double-quoted string, got ${raw}`, undefined, k);
      addMatch(
        c,
        {
          kind: 'content',
          bytes: decodeContent(raw.slice(1, -1)),
          negated,
          // The fingerprint is hex: Suricata compares it whatever the case it is written in.
          nocase: name === 'tls.fingerprint',
          startsWith: false,
          endsWith: false,
          fastPattern: false,
        },
        buf,
      );
    }) as KeywordHandler,
  ]),
);

/** Transform keywords: they rewrite the current sticky buffer for the matches after them. */
export const TRANSFORM_KEYWORDS: Record<string, KeywordHandler> = Object.fromEntries(
  [...TRANSFORM_NAMES].map((name) => [
    name,
    ((c, v, k) => {
      if (c.buffer === 'payload') throw new RuleError('needs a sticky buffer before it', undefined, k);
      if (c.rule.buffers.has(c.buffer))
        throw new RuleError('must come right after the sticky buffer, before its matches', undefined, k);
      makeTransform(k, v); // checks the argument now, so a bad rule is refused at load
      c.buffer = `${c.buffer}|${transformKey(k, v)}` as BufferName;
    }) as KeywordHandler,
  ]),
);

/** Protocols moat detects (and the two states); a rule naming another could never be judged, so it is refused. */
const APP_PROTOS = new Set(['http', 'http1', 'http2', 'tls', 'dns', 'quic', 'dtls', 'unknown']);

/**
 * app-layer-protocol:[!]name[,final|original|either|to_server|to_client] — the flow's detected protocol; `original`
 * is the one it had before an upgrade (HTTP/1 → HTTP/2, CONNECT → TLS), `final` the one it has now, `to_server` /
 * `to_client` the one a direction's own data shows. Protocols moat only recognizes (ssh, ftp, smtp, smb: see
 * proto-guess.ts) are matched on that recognition.
 */
export const APP_LAYER_PROTOCOL: KeywordHandler = (c, v, k) => {
  const [first, mode] = (v ?? '').split(',').map((x) => x.trim());
  const negated = first.startsWith('!');
  const proto = (negated ? first.slice(1) : first).toLowerCase();
  if (proto === '') throw new RuleError('needs a protocol name', undefined, k);
  if (
    mode !== undefined &&
    !['final', 'original', 'either', 'to_server', 'to_client', 'direction'].includes(mode)
  )
    throw new RuleError(`unknown mode '${mode}'`, undefined, k);
  const guessed = GUESSED_PROTOS.has(proto);
  if (!APP_PROTOS.has(proto) && !guessed)
    throw new RuleError(`protocol '${proto}' is not one moat detects`, undefined, k);
  if (mode === 'direction')
    throw new RuleError(`per-direction protocols (${mode}) are not tracked`, undefined, k);
  if (guessed && mode === 'original')
    throw new RuleError(`'${proto}' is only recognized, never upgraded from`, undefined, k);
  const test: AppProtoTest = { proto: proto === 'http1' ? 'http' : proto, negated };
  if (mode === 'original') test.original = true;
  if (mode === 'to_server' || mode === 'to_client') test.dir = mode === 'to_server' ? 0 : 1;
  if (guessed) test.guessed = true;
  c.rule.appProtos.push(test);
};

export const STICKY_KEYWORDS: Record<string, KeywordHandler> = Object.fromEntries(
  Object.entries(BUFFERS).map(([name, buf]) => [
    name,
    ((c, v, k) => {
      noValue(v, k);
      c.buffer = buf;
      c.last = undefined;
      c.lastContent = undefined;
      c.base64 = undefined;
    }) as KeywordHandler,
  ]),
);

/** absent / absent: or_else — Suricata 8: the current sticky buffer is missing from the transaction (or else matches). */
export const ABSENT: KeywordHandler = (c, v, k) => {
  const mode = v === undefined ? 'only' : v.trim();
  if (mode !== 'only' && mode !== 'or_else')
    throw new RuleError(`takes no value or 'or_else', got '${mode}'`, undefined, k);
  if (c.buffer === 'payload') throw new RuleError('needs a sticky buffer before it', undefined, k);
  if (c.rule.buffers.has(c.buffer))
    throw new RuleError('must come right after the sticky buffer, before its matches', undefined, k);
  (c.rule.absent ??= new Map()).set(c.buffer, mode);
};

/** dns.rrtype:N, !N, ranges and comparisons, as Suricata's unsigned 16-bit integer keywords. */
export const DNS_RRTYPE: KeywordHandler = (c, v, k) => {
  c.rule.dnsRrtype = parseNumberTest(needValue(v, k), k);
};

/** tls.version:1.2 / tls.version:1.0,1.1 — the negotiated version, as Suricata matches it. */
export const TLS_VERSION: KeywordHandler = (c, v, k) => {
  const list = (v ?? '')
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  // The names the TLS parser gives versions (Suricata's EVE spelling: TLS 1.0 is "TLSv1").
  const names: Record<string, string> = {
    '1.0': 'TLSv1',
    '1.1': 'TLS 1.1',
    '1.2': 'TLS 1.2',
    '1.3': 'TLS 1.3',
    '3.0': 'SSLv3',
    ssl3: 'SSLv3',
  };
  if (list.length === 0) throw new RuleError('needs a version such as 1.2', undefined, k);
  c.rule.tlsVersion = list.map((x) => {
    const n = names[x.toLowerCase()];
    if (!n) throw new RuleError(`unknown TLS version '${x}'`, undefined, k);
    return n;
  });
};
