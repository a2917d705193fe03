/**
 * The EVE `tls` object, in Suricata's field names, formats and order (output-json-tls, extended mode):
 * subject, issuerdn, session_resumed, serial, fingerprint, sni, version, notbefore, notafter,
 * subjectaltname (Suricata 8), ja3, ja3s, ja4, client_alpns, server_alpns. Certificate fields describe the server's first certificate, as
 * Suricata's do. What Suricata has no field for goes under `tls.moat`, so tools built for Suricata's schema
 * ignore it and moat's consumers find it in one place.
 */
import type { TlsHandshake } from '../../proto/tls/types.js';
import type { CertificateInfo } from '../../proto/x509/types.js';
import { formatCertTime } from '../../proto/x509/time.js';
import { cipherName, groupName } from './tls-names.js';
import { isGrease, versionName } from '../../proto/tls/constants.js';
import { bool, json, MemberWriter, num, raw, str, strArray, type EveBytesOut } from './json-out.js';

// GREASE values (RFC 8701) are left out of the handshake lists, as JA4 leaves them out.

/** Suricata 8's `tls.client_handshake`: the ClientHello's version, cipher suites, extensions, signature algorithms. */
export function clientHandshakeEve(h: TlsHandshake): Record<string, unknown> | undefined {
  const c = h.client;
  if (!c) return undefined;
  return {
    version: versionName(c.version),
    ciphers: c.ciphers.filter((x) => !isGrease(x)),
    exts: c.extensions.filter((x) => !isGrease(x)),
    sig_algs: c.signatureAlgorithms.filter((x) => !isGrease(x)),
  };
}

/** Suricata 8's `tls.server_handshake`: the negotiated version, the chosen cipher suite, the extensions. */
export function serverHandshakeEve(h: TlsHandshake): Record<string, unknown> | undefined {
  const s = h.server;
  if (!s) return undefined;
  return {
    version: versionName(s.version),
    cipher: s.cipher,
    exts: s.extensions.filter((x) => !isGrease(x)),
  };
}

export function tlsEve(h: TlsHandshake, custom: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const leaf: CertificateInfo | undefined = h.serverCertificates[0];
  if (leaf) {
    out.subject = leaf.subject;
    out.issuerdn = leaf.issuer;
  } else if (h.resumed && h.server && h.versionName !== 'TLS 1.3') {
    // Suricata says "resumed" only for an abbreviated TLS ≤1.2 handshake that showed no certificate.
    out.session_resumed = true;
  }
  if (leaf) {
    out.serial = leaf.serial;
    out.fingerprint = leaf.sha1;
  }
  if (h.client?.sni !== undefined) out.sni = h.client.sni;
  out.version = h.versionName;
  if (leaf) {
    out.notbefore = formatCertTime(leaf.notBefore);
    out.notafter = formatCertTime(leaf.notAfter);
    // Suricata 8 logs the leaf's DNS subject alternative names, in certificate order.
    if (leaf.sanDns.length > 0) out.subjectaltname = [...leaf.sanDns];
  }
  if (h.ja3) out.ja3 = { hash: h.ja3.hash, string: h.ja3.string };
  if (h.ja3s) out.ja3s = { hash: h.ja3s.hash, string: h.ja3s.string };
  if (h.ja4 !== undefined) out.ja4 = h.ja4;
  if (h.ja4Retry !== undefined) out.ja4_retry = h.ja4Retry;
  if (h.client && h.client.alpns.length > 0) out.client_alpns = [...h.client.alpns];
  if (h.server?.alpn !== undefined) out.server_alpns = [h.server.alpn];
  if (custom.includes('client_handshake')) {
    const ch = clientHandshakeEve(h);
    if (ch) out.client_handshake = ch;
  }
  if (custom.includes('server_handshake')) {
    const sh = serverHandshakeEve(h);
    if (sh) out.server_handshake = sh;
  }
  out.moat = moatTls(h, leaf);
  return out;
}

/** moat's additions: negotiated parameters, handshake shape and the leaf certificate's key facts. */
function moatTls(h: TlsHandshake, leaf: CertificateInfo | undefined): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  if (h.server) {
    m.cipher = cipherName(h.server.cipher);
    m.cipher_id = h.server.cipher;
    if (h.server.selectedGroup !== undefined) m.group = groupName(h.server.selectedGroup);
  }
  m.resumed = h.resumed;
  m.hello_retry = h.helloRetryRequest;
  m.complete = h.complete;
  if (h.client?.sslv2Compat) m.sslv2_hello = true;
  m.chain_length = h.serverCertificates.length;
  if (h.clientCertificates.length > 0) m.client_chain_length = h.clientCertificates.length;
  m.ocsp_stapled = h.ocspResponse !== undefined;
  if (leaf) m.certificate = certificateFacts(leaf);
  if (h.clientCertificates[0]) m.client_certificate = certificateFacts(h.clientCertificates[0], true);
  return m;
}

function certificateFacts(c: CertificateInfo, withDnsSans = false): Record<string, unknown> {
  const f: Record<string, unknown> = {
    version: c.version,
    key_type: c.keyType,
    key_bits: c.keyBits,
  };
  if (c.curve !== undefined) f.curve = c.curve;
  // The leaf's DNS names are in tls.subjectaltname (written once); IP SANs have no Suricata field.
  if (withDnsSans && c.sanDns.length > 0) f.san_dns = [...c.sanDns];
  if (c.sanIp.length > 0) f.san_ip = [...c.sanIp];
  f.signature_algorithm = c.signatureAlgorithm;
  f.sha256 = c.sha256;
  f.self_issued = c.selfIssued;
  f.ca = c.isCA;
  if (c.subjectCN !== undefined) f.subject_cn = c.subjectCN;
  if (c.issuerCN !== undefined) f.issuer_cn = c.issuerCN;
  if (c.policies.length > 0) f.policies = c.policies;
  if (c.ocspUrls.length > 0) f.ocsp_urls = c.ocspUrls;
  if (c.sctCount) f.sct_count = c.sctCount;
  if (c.mustStaple) f.must_staple = true;
  if (c.extensionErrors && c.extensionErrors.length > 0) f.extension_errors = c.extensionErrors;
  return f;
}

/** `"a":1,"b":2` for an object's defined members ('' when none): a fragment to splice into a record. */
function members(obj: Record<string, unknown>): string {
  const s = JSON.stringify(obj);
  return s.length > 2 ? s.slice(1, -1) : '';
}

/** The leaf certificate's parts of a tls record, serialised once per distinct certificate. */
interface LeafFragments {
  names: string;
  ids: string;
  validity: string;
  facts: string;
}

const leafFragments = new WeakMap<CertificateInfo, LeafFragments>();

function fragmentsOf(leaf: CertificateInfo): LeafFragments {
  let f = leafFragments.get(leaf);
  if (!f) {
    f = {
      names: members({ subject: leaf.subject, issuerdn: leaf.issuer }),
      ids: members({ serial: leaf.serial, fingerprint: leaf.sha1 }),
      validity: members({
        notbefore: formatCertTime(leaf.notBefore),
        notafter: formatCertTime(leaf.notAfter),
        subjectaltname: leaf.sanDns.length > 0 ? [...leaf.sanDns] : undefined,
      }),
      facts: JSON.stringify(certificateFacts(leaf)),
    };
    leafFragments.set(leaf, f);
  }
  return f;
}

/** JA3/JA3S objects are shared by every handshake with the same hello (fingerprint cache): serialised once. */
const fingerprintJson = new WeakMap<object, string>();

function fingerprintOf(fp: { hash: string; string: string }): string {
  let s = fingerprintJson.get(fp);
  if (s === undefined) {
    s = JSON.stringify({ hash: fp.hash, string: fp.string });
    fingerprintJson.set(fp, s);
  }
  return s;
}

/**
 * tlsEve(h) without custom fields, written straight into the output as the record's `"tls":{…}` member;
 * the certificate's and fingerprints' parts are serialised once and copied into every record that shows them.
 */
export function writeTlsEve(o: EveBytesOut, h: TlsHandshake): void {
  raw(o, '"tls":{');
  const w = new MemberWriter(o);
  const leaf: CertificateInfo | undefined = h.serverCertificates[0];
  const lf = leaf ? fragmentsOf(leaf) : undefined;
  if (lf) w.fragment(lf.names);
  else if (h.resumed && h.server && h.versionName !== 'TLS 1.3') {
    w.key('session_resumed');
    raw(o, 'true');
  }
  if (lf) w.fragment(lf.ids);
  if (h.client?.sni !== undefined) {
    w.key('sni');
    str(o, h.client.sni);
  }
  if (h.versionName !== undefined) {
    w.key('version');
    str(o, h.versionName);
  }
  if (lf) w.fragment(lf.validity);
  if (h.ja3) {
    w.key('ja3');
    json(o, fingerprintOf(h.ja3));
  }
  if (h.ja3s) {
    w.key('ja3s');
    json(o, fingerprintOf(h.ja3s));
  }
  if (h.ja4 !== undefined) {
    w.key('ja4');
    str(o, h.ja4);
  }
  if (h.ja4Retry !== undefined) {
    w.key('ja4_retry');
    str(o, h.ja4Retry);
  }
  if (h.client && h.client.alpns.length > 0) {
    w.key('client_alpns');
    strArray(o, h.client.alpns);
  }
  if (h.server?.alpn !== undefined) {
    w.key('server_alpns');
    raw(o, '[');
    str(o, h.server.alpn);
    raw(o, ']');
  }
  w.key('moat');
  writeMoatTls(o, h, lf);
  raw(o, '}');
}

function writeMoatTls(o: EveBytesOut, h: TlsHandshake, lf: LeafFragments | undefined): void {
  raw(o, '{');
  const w = new MemberWriter(o);
  if (h.server) {
    w.key('cipher');
    str(o, cipherName(h.server.cipher));
    w.key('cipher_id');
    num(o, h.server.cipher);
    if (h.server.selectedGroup !== undefined) {
      w.key('group');
      str(o, groupName(h.server.selectedGroup));
    }
  }
  w.key('resumed');
  bool(o, h.resumed);
  w.key('hello_retry');
  bool(o, h.helloRetryRequest);
  w.key('complete');
  bool(o, h.complete);
  if (h.client?.sslv2Compat) {
    w.key('sslv2_hello');
    raw(o, 'true');
  }
  w.key('chain_length');
  num(o, h.serverCertificates.length);
  if (h.clientCertificates.length > 0) {
    w.key('client_chain_length');
    num(o, h.clientCertificates.length);
  }
  w.key('ocsp_stapled');
  bool(o, h.ocspResponse !== undefined);
  if (lf) {
    w.key('certificate');
    json(o, lf.facts);
  }
  if (h.clientCertificates[0]) {
    w.key('client_certificate');
    json(o, JSON.stringify(certificateFacts(h.clientCertificates[0], true)));
  }
  raw(o, '}');
}
