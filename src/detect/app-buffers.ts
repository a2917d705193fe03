/** The sticky buffers of an app-layer record: what `tls.sni`, `http.uri`, `dns.query` … look at. */
import type { AppRecord } from '../proto/app-layer.js';
import type { BufferName } from './rule.js';

export type AppBuffers = Partial<Record<BufferName, Buffer>>;

const b = (s: string | undefined): Buffer | undefined =>
  s === undefined ? undefined : Buffer.from(s, 'latin1');

export function appBuffers(rec: AppRecord): AppBuffers {
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
        'ja3.hash': b(t.ja3?.hash),
        'ja3s.hash': b(t.ja3s?.hash),
        'ja4.hash': b(t.ja4),
      };
    }
    case 'http': {
      const h = rec.http;
      const headers = h.requestHeaders.map(([k, v]) => `${k}: ${v}\r\n`).join('');
      return {
        'http.uri': b(h.uri),
        'http.method': b(h.method),
        'http.host': b(h.hostname?.toLowerCase()),
        'http.user_agent': b(h.userAgent),
        'http.header': b(headers === '' ? undefined : headers),
        'http.stat_code': b(h.status === undefined ? undefined : String(h.status)),
      };
    }
    case 'dns': {
      // dns.query is the request's name: Suricata inspects it to the server only.
      const q = rec.dns.isResponse ? undefined : rec.dns.questions[0];
      return { 'dns.query': b(q?.name) };
    }
    case 'anomaly':
      return {};
  }
}

/** Which app protocol a buffer belongs to. */
export function bufferProto(name: BufferName): 'tls' | 'http' | 'dns' | undefined {
  if (name.startsWith('tls.') || name.startsWith('ja3') || name === 'ja4.hash') return 'tls';
  if (name.startsWith('http.')) return 'http';
  if (name === 'dns.query') return 'dns';
  return undefined;
}
