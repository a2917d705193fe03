/**
 * The EVE `tls` object, in Suricata's field names, formats and order (output-json-tls, extended mode):
 * subject, issuerdn, session_resumed, serial, fingerprint, sni, version, notbefore, notafter,
 * subjectaltname (Suricata 8), ja3, ja3s, ja4, client_alpns, server_alpns. Certificate fields describe the server's first certificate, as
 * Suricata's do. What Suricata has no field for goes under `tls.moat`, so tools built for Suricata's schema
 * ignore it and moat's consumers find it in one place.
 */
import type { TlsHandshake } from '../../proto/index.js';
import type { CertificateInfo } from '../../proto/index.js';
import { formatCertTime } from '../../proto/index.js';
import { cipherName, groupName } from './tls-names.js';
import { isGrease, versionName } from '../../proto/index.js';
import { bool, json, MemberWriter, num, raw, str, strArray, type EveBytesOut } from './json-out.js';
import type { TlsScoreNote } from '../../finding/index.js';
import { writeEveTimestamp } from './timestamp.js';

// GREASE values (RFC 8701) are left out of the handshake lists, as JA4 leaves them out.

/** An array of numbers, GREASE values left out. */
function writeNonGrease(o: EveBytesOut, xs: readonly number[]): void {
  raw(o, '[');
  let first = true;
  for (const x of xs) {
    if (isGrease(x)) continue;
    if (!first) raw(o, ',');
    first = false;
    num(o, x);
  }
  raw(o, ']');
}

/** Suricata 8's `tls.client_handshake`: the ClientHello's version, cipher suites, extensions, signature algorithms. */
function writeClientHandshake(o: EveBytesOut, c: NonNullable<TlsHandshake['client']>): void {
  raw(o, '{"version":');
  str(o, versionName(c.version));
  raw(o, ',"ciphers":');
  writeNonGrease(o, c.ciphers);
  raw(o, ',"exts":');
  writeNonGrease(o, c.extensions);
  raw(o, ',"sig_algs":');
  writeNonGrease(o, c.signatureAlgorithms);
  raw(o, '}');
}

/** Suricata 8's `tls.server_handshake`: the negotiated version, the chosen cipher suite, the extensions. */
function writeServerHandshake(o: EveBytesOut, s: NonNullable<TlsHandshake['server']>): void {
  raw(o, '{"version":');
  str(o, versionName(s.version));
  raw(o, ',"cipher":');
  num(o, s.cipher);
  raw(o, ',"exts":');
  writeNonGrease(o, s.extensions);
  raw(o, '}');
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
  if (c.publicKeyError !== undefined) f.public_key_error = c.publicKeyError;
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

/** No optional fields. */
const NO_CUSTOM: readonly string[] = [];

/**
 * The record's `"tls":{…}` member, written straight into the output; `custom` names the optional fields wanted
 * (`client_handshake`, `server_handshake`, as suricata.yaml's `custom:` list), `verdict` is the TLS monitor's
 * (`moat.score`, and `moat.update_of` for a verdict re-issued later). The certificate's and fingerprints' parts are serialised once and copied into every record that
 * shows them.
 */
export function writeTlsEve(
  o: EveBytesOut,
  h: TlsHandshake,
  custom: readonly string[] = NO_CUSTOM,
  verdict?: TlsScoreNote,
  ja4 = true,
): void {
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
  if (ja4 && h.ja4 !== undefined) {
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
  const clientCert = h.clientCertificates[0];
  if (clientCert) {
    // The client's certificate, as Suricata's extended tls log names it (tls.client.subject …).
    w.key('client');
    json(
      o,
      JSON.stringify({
        subject: clientCert.subject,
        issuerdn: clientCert.issuer,
        fingerprint: clientCert.sha1,
        serial: clientCert.serial,
        notbefore: formatCertTime(clientCert.notBefore),
        notafter: formatCertTime(clientCert.notAfter),
      }),
    );
  }
  if (custom.length > 0) {
    if (h.client && custom.includes('client_handshake')) {
      w.key('client_handshake');
      writeClientHandshake(o, h.client);
    }
    if (h.server && custom.includes('server_handshake')) {
      w.key('server_handshake');
      writeServerHandshake(o, h.server);
    }
  }
  w.key('moat');
  writeMoatTls(o, h, lf, verdict);
  raw(o, '}');
}

function writeMoatTls(
  o: EveBytesOut,
  h: TlsHandshake,
  lf: LeafFragments | undefined,
  verdict: TlsScoreNote | undefined,
): void {
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
  if (verdict) {
    w.key('score');
    json(o, JSON.stringify(verdict.score));
    const u = verdict.updateOf;
    if (u) {
      w.key('update_of');
      raw(o, '{"verdict":');
      str(o, u.verdict);
      raw(o, ',"timestamp":');
      writeEveTimestamp(o, u.tsUs);
      raw(o, ',"reason":');
      str(o, u.reason);
      raw(o, '}');
    }
  }
  raw(o, '}');
}

/**
 * Whether the handshake gets a tls event. Suricata's tls logger leaves a resumed session that showed no certificate
 * (TLS ≤ 1.2: a TLS 1.3 ServerHello is always logged, its certificates being encrypted) out when its
 * `session-resumption` is off. Suricata also leaves out TLS ≤ 1.2 sessions whose certificate it never saw (a
 * ClientHello alone); moat writes those, as its own consumers (the TLS monitor, JA4 inventories) read every handshake.
 */
export function tlsEventLogged(h: TlsHandshake, sessionResumption: boolean): boolean {
  if (sessionResumption || !h.resumed || h.serverCertificates.length > 0) return true;
  const v = h.server?.version;
  return v !== undefined && (v === 0x0304 || v >> 8 === 0x7f);
}
