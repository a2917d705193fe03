/**
 * Sticky buffers: after one of these, content/pcre look at that protocol field instead of the payload. Both the
 * dotted names and the older underscore aliases are accepted, as Suricata does.
 */
import { RuleError, type BufferName } from '../rule.js';
import { noValue, type KeywordHandler } from './context.js';

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
  'ja3.hash': 'ja3.hash',
  ja3_hash: 'ja3.hash',
  'ja3s.hash': 'ja3s.hash',
  ja3s_hash: 'ja3s.hash',
  'ja4.hash': 'ja4.hash',
  'http.uri': 'http.uri',
  'http.uri.raw': 'http.uri',
  'http.method': 'http.method',
  'http.host': 'http.host',
  'http.host.raw': 'http.host',
  'http.user_agent': 'http.user_agent',
  'http.header': 'http.header',
  'http.header.raw': 'http.header',
  'http.stat_code': 'http.stat_code',
  'dns.query': 'dns.query',
  dns_query: 'dns.query',
  pkt_data: 'payload',
};

export const STICKY_KEYWORDS: Record<string, KeywordHandler> = Object.fromEntries(
  Object.entries(BUFFERS).map(([name, buf]) => [
    name,
    ((c, v, k) => {
      noValue(v, k);
      c.buffer = buf;
      c.last = undefined;
    }) as KeywordHandler,
  ]),
);

/** tls.version:1.2 / tls.version:1.0,1.1 — the negotiated version, as Suricata matches it. */
export const TLS_VERSION: KeywordHandler = (c, v, k) => {
  const list = (v ?? '')
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const names: Record<string, string> = {
    '1.0': 'TLS 1.0',
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
