/**
 * DER certificate → CertificateInfo (RFC 5280 §4.1). Hand-written over the bounded DER reader rather than
 * a general ASN.1 library: it reads only what moat reports, allocates only the output, formats names and
 * serials exactly as Suricata prints them, and cannot be driven into deep recursion by hostile input. A
 * structural error in the certificate fails the parse with a message naming the field; an undecodable
 * extension only lands in `extensionErrors`.
 */
import { createHash } from 'node:crypto';
import {
  CLASS_CONTEXT,
  CLASS_UNIVERSAL,
  DerError,
  TAG,
  expect,
  hexUpper,
  oidText,
  readTlv,
  smallInt,
} from './der.js';
import { emptyExtensionFacts, parseExtensions } from './extensions.js';
import { commonName, formatDn, parseName } from './name.js';
import { SIGNATURE_ALGORITHMS } from './oids.js';
import { parsePublicKey, type PublicKeyFacts } from './public-key.js';
import { parseTime } from './time.js';
import type { CertificateInfo } from './types.js';

export type ParseResult = { ok: true; cert: CertificateInfo } | { ok: false; error: string };

/** Lower-case hex with a separator, from a digest. */
function hexLower(bytes: Uint8Array, sep: string): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) s += sep;
    s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  }
  return s;
}

export function sha1Fingerprint(der: Uint8Array): string {
  return hexLower(createHash('sha1').update(der).digest(), ':');
}

/**
 * Parses one DER certificate. `der` is copied into the result (the caller's buffer may be a reassembly
 * buffer that is reused). `sha1Digest` may be passed when the caller already hashed the bytes.
 */
export function parseCertificate(der: Uint8Array, sha1Digest?: Uint8Array): ParseResult {
  try {
    return { ok: true, cert: parseOrThrow(der, sha1Digest) };
  } catch (e) {
    if (e instanceof DerError) return { ok: false, error: `x509: ${e.message}` };
    return { ok: false, error: `x509: ${(e as Error).message ?? String(e)}` };
  }
}

function parseOrThrow(der: Uint8Array, sha1Digest?: Uint8Array): CertificateInfo {
  const buf = der;
  const cert = expect(buf, 0, buf.length, TAG.SEQUENCE, 'Certificate');
  const tbs = expect(buf, cert.valueStart, cert.end, TAG.SEQUENCE, 'tbsCertificate');
  const sigAlg = expect(buf, tbs.end, cert.end, TAG.SEQUENCE, 'signatureAlgorithm');
  const sigOid = oidText(buf, expect(buf, sigAlg.valueStart, sigAlg.end, TAG.OID, 'signatureAlgorithm id'));
  expect(buf, sigAlg.end, cert.end, TAG.BIT_STRING, 'signatureValue');

  let p = tbs.valueStart;
  let el = readTlv(buf, p, tbs.end, 'tbsCertificate version or serial');
  let version = 1;
  if (el.cls === CLASS_CONTEXT && el.tag === 0) {
    const v = expect(buf, el.valueStart, el.end, TAG.INTEGER, 'version');
    version = smallInt(buf, v, 'version') + 1;
    p = el.end;
    el = readTlv(buf, p, tbs.end, 'serialNumber');
  }
  if (el.cls !== CLASS_UNIVERSAL || el.tag !== TAG.INTEGER) {
    throw new DerError(`serialNumber: expected INTEGER, found tag ${el.tag}`, el.start);
  }
  if (el.end === el.valueStart) throw new DerError('serialNumber: empty INTEGER', el.start);
  // Suricata prints the INTEGER's content bytes as they are, including a leading 00 sign byte.
  const serial = hexUpper(buf, el.valueStart, el.end, ':');
  const tbsSig = expect(buf, el.end, tbs.end, TAG.SEQUENCE, 'tbsCertificate signature');
  const issuerTlv = readTlv(buf, tbsSig.end, tbs.end, 'issuer');
  const issuerRdns = parseName(buf, issuerTlv, 'issuer');
  const validity = expect(buf, issuerTlv.end, tbs.end, TAG.SEQUENCE, 'validity');
  const nb = readTlv(buf, validity.valueStart, validity.end, 'notBefore');
  const na = readTlv(buf, nb.end, validity.end, 'notAfter');
  const notBefore = parseTime(buf, nb, 'notBefore');
  const notAfter = parseTime(buf, na, 'notAfter');
  const subjectTlv = readTlv(buf, validity.end, tbs.end, 'subject');
  const subjectRdns = parseName(buf, subjectTlv, 'subject');
  const spki = expect(buf, subjectTlv.end, tbs.end, TAG.SEQUENCE, 'subjectPublicKeyInfo');
  // A key that cannot be read leaves the rest of the certificate readable (OpenSSL keeps it too): its facts are
  // the algorithm as far as it parsed, and the problem is kept for the anomaly.
  let key: PublicKeyFacts;
  let publicKeyError: string | undefined;
  try {
    key = parsePublicKey(buf, spki);
    publicKeyError = key.error;
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
    key = { keyType: 'unknown', keyAlgorithmOid: '', keyBits: 0 };
    publicKeyError = e.message;
  }

  const ext = emptyExtensionFacts();
  p = spki.end;
  while (p < tbs.end) {
    const opt = readTlv(buf, p, tbs.end, 'tbsCertificate optional field');
    if (opt.cls === CLASS_CONTEXT && opt.tag === 3) {
      const seq = expect(buf, opt.valueStart, opt.end, TAG.SEQUENCE, 'extensions');
      parseExtensions(buf, seq, ext);
    } else if (opt.cls !== CLASS_CONTEXT || (opt.tag !== 1 && opt.tag !== 2)) {
      throw new DerError(`tbsCertificate: unexpected field class ${opt.cls} tag ${opt.tag}`, opt.start);
    }
    p = opt.end;
  }

  // The whole slice the TLS Certificate message gave, as Suricata hashes it for `tls.fingerprint`.
  const own = Buffer.from(buf);
  const digest = sha1Digest ?? createHash('sha1').update(own).digest();
  const subject = formatDn(subjectRdns);
  const issuer = formatDn(issuerRdns);
  const subjectBytes = buf.subarray(subjectTlv.start, subjectTlv.end);
  const issuerBytes = buf.subarray(issuerTlv.start, issuerTlv.end);
  const info: CertificateInfo = {
    subject,
    issuer,
    subjectRdns,
    issuerRdns,
    subjectCN: commonName(subjectRdns),
    issuerCN: commonName(issuerRdns),
    serial,
    sha1: hexLower(digest, ':'),
    sha256: createHash('sha256').update(own).digest('hex'),
    notBefore,
    notAfter,
    sanDns: ext.sanDns,
    sanIp: ext.sanIp,
    sanEmail: ext.sanEmail,
    sanUri: ext.sanUri,
    keyType: key.keyType,
    keyBits: key.keyBits,
    signatureAlgorithm: SIGNATURE_ALGORITHMS[sigOid] ?? sigOid,
    isCA: ext.isCA,
    hasBasicConstraints: ext.hasBasicConstraints,
    keyUsage: ext.keyUsage,
    extKeyUsage: ext.extKeyUsage,
    policies: ext.policies,
    ocspUrls: ext.ocspUrls,
    caIssuerUrls: ext.caIssuerUrls,
    crlUrls: ext.crlUrls,
    sctCount: ext.sctCount,
    mustStaple: ext.mustStaple,
    extensionOids: ext.extensionOids,
    extensionErrors: ext.extensionErrors,
    selfIssued: Buffer.compare(subjectBytes, issuerBytes) === 0 || subject === issuer,
    version,
    der: own,
  };
  if (publicKeyError !== undefined) info.publicKeyError = publicKeyError;
  if (key.curve !== undefined) info.curve = key.curve;
  if (key.exponent !== undefined) info.exponent = key.exponent;
  if (ext.pathLength !== undefined) info.pathLength = ext.pathLength;
  if (ext.subjectKeyId !== undefined) info.subjectKeyId = ext.subjectKeyId;
  if (ext.authorityKeyId !== undefined) info.authorityKeyId = ext.authorityKeyId;
  return info;
}
