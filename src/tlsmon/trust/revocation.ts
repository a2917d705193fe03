/**
 * T-43 certificate status: the stapled OCSP response (RFC 6960) — parsed with pkijs, its signature verified with
 * Node's crypto against the issuer or a responder certificate the issuer signed, its time window checked — then the
 * operator's CRL files (signature checked against the leaf's issuer). Results are cached per (leaf, staple).
 */
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { CertificateInfo } from '../../proto/index.js';
import type { RevocationChecker, RevocationStatus } from '../services.js';
import { verifySignature } from './signature.js';

const OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
/** Clock skew tolerated on thisUpdate, as OCSP clients commonly allow. */
const SKEW_MS = 5 * 60_000;

function ab(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Serial as upper-case hex without separators or leading zeros — both CertificateInfo's and ASN.1's forms. */
export function normSerial(s: string | Uint8Array): string {
  const hex = typeof s === 'string' ? s.replace(/[^0-9a-fA-F]/g, '') : Buffer.from(s).toString('hex');
  return hex.toUpperCase().replace(/^0+(?=.)/, '');
}

interface LoadedCrl {
  file: string;
  /** DER of the CRL issuer's name, compared with the leaf's issuer name. */
  issuerName: string;
  /** The issuer's certificate when configured; otherwise the chain's issuer certificate is used. */
  issuerDer?: Buffer;
  revoked: Set<string>;
  tbs: Uint8Array;
  sig: Uint8Array;
  sigOid: string;
  nextUpdate?: number;
}

export interface RevocationResult {
  status: RevocationStatus;
  source: string;
}

export class RevocationService implements RevocationChecker {
  private readonly crls: LoadedCrl[] = [];
  private readonly cache = new Map<string, RevocationResult>();

  constructor(opts: { crlFiles?: string[] } = {}) {
    for (const f of opts.crlFiles ?? []) this.crls.push(loadCrl(f));
  }

  status(chain: readonly CertificateInfo[], ocsp: Buffer | undefined, nowMs: number): RevocationResult {
    if (chain.length === 0) return { status: 'unknown', source: 'no certificate' };
    const key = `${chain[0].sha1}|${ocsp ? createHash('sha1').update(ocsp).digest('hex') : ''}|${Math.floor(nowMs / 3_600_000)}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const r = this.compute(chain, ocsp, nowMs);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, r);
    return r;
  }

  private compute(
    chain: readonly CertificateInfo[],
    ocsp: Buffer | undefined,
    nowMs: number,
  ): RevocationResult {
    const leaf = chain[0];
    const issuer = chain.length > 1 ? new X509Certificate(chain[1].der) : undefined;
    let ocspNote = 'no OCSP staple';
    if (ocsp) {
      const r = checkOcsp(ocsp, leaf, issuer, nowMs);
      if (r.status !== 'unknown') return r;
      ocspNote = r.source;
    }
    if (this.crls.length === 0) return { status: 'unknown', source: ocspNote };
    const leafIssuerName = nameDerHex(leaf.der);
    for (const crl of this.crls) {
      if (crl.issuerName !== leafIssuerName) continue;
      const signer = crl.issuerDer ? new X509Certificate(crl.issuerDer) : issuer;
      if (!signer || verifySignature(crl.sigOid, crl.tbs, crl.sig, signer.publicKey) !== true) continue;
      if (crl.revoked.has(normSerial(leaf.serial))) return { status: 'revoked', source: `CRL ${crl.file}` };
      if (crl.nextUpdate === undefined || crl.nextUpdate >= nowMs)
        return { status: 'good', source: `not on CRL ${crl.file}` };
    }
    return { status: 'unknown', source: ocspNote };
  }

  /** Adds a CRL with its issuer's certificate (for leaves whose chain does not carry the issuer). */
  addCrl(file: string, issuerDer?: Buffer): void {
    this.crls.push(loadCrl(file, issuerDer));
  }
}

function loadCrl(file: string, issuerDer?: Buffer): LoadedCrl {
  let raw = readFileSync(file);
  const text = raw.toString('latin1');
  const pem = /-----BEGIN X509 CRL-----([\s\S]+?)-----END X509 CRL-----/.exec(text);
  if (pem) raw = Buffer.from(pem[1].replace(/\s+/g, ''), 'base64');
  let crl: pkijs.CertificateRevocationList;
  try {
    crl = pkijs.CertificateRevocationList.fromBER(ab(raw));
  } catch (err) {
    throw new Error(`${file}: not a CRL: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  const revoked = new Set<string>();
  for (const rc of crl.revokedCertificates ?? [])
    revoked.add(normSerial(rc.userCertificate.valueBlock.valueHexView));
  return {
    file,
    issuerName: Buffer.from(crl.issuer.toSchema().toBER()).toString('hex'),
    issuerDer,
    revoked,
    tbs: new Uint8Array(crl.tbsView),
    sig: new Uint8Array(crl.signatureValue.valueBlock.valueHexView),
    sigOid: crl.signatureAlgorithm.algorithmId,
    nextUpdate: crl.nextUpdate?.value.getTime(),
  };
}

/** DER (hex) of a certificate's issuer name. */
function nameDerHex(certDer: Buffer): string {
  const c = pkijs.Certificate.fromBER(ab(certDer));
  return Buffer.from(c.issuer.toSchema().toBER()).toString('hex');
}

export function checkOcsp(
  der: Buffer,
  leaf: CertificateInfo,
  issuer: X509Certificate | undefined,
  nowMs: number,
): RevocationResult {
  let basic: pkijs.BasicOCSPResponse;
  try {
    const resp = pkijs.OCSPResponse.fromBER(ab(der));
    if (resp.responseStatus.valueBlock.valueDec !== 0) {
      return { status: 'unknown', source: `OCSP response status ${resp.responseStatus.valueBlock.valueDec}` };
    }
    if (!resp.responseBytes || resp.responseBytes.responseType !== OCSP_BASIC) {
      return { status: 'unknown', source: 'OCSP response is not a basic response' };
    }
    basic = pkijs.BasicOCSPResponse.fromBER(ab(resp.responseBytes.response.valueBlock.valueHexView));
  } catch (err) {
    return {
      status: 'unknown',
      source: `malformed OCSP response: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (!issuer)
    return { status: 'unknown', source: 'OCSP staple present but no issuer certificate to verify it' };
  const serial = normSerial(leaf.serial);
  const single = basic.tbsResponseData.responses.find(
    (s) => normSerial(s.certID.serialNumber.valueBlock.valueHexView) === serial,
  );
  if (!single) return { status: 'unknown', source: 'OCSP staple is for another certificate' };
  // The signer is the issuer itself or a delegated responder whose certificate the issuer signed.
  let signerKey = issuer.publicKey;
  const tbs = new Uint8Array(basic.tbsResponseData.tbsView);
  const sig = new Uint8Array(basic.signature.valueBlock.valueHexView);
  const oid = basic.signatureAlgorithm.algorithmId;
  let ok = verifySignature(oid, tbs, sig, signerKey);
  if (ok !== true && basic.certs) {
    for (const c of basic.certs) {
      if (!(c instanceof pkijs.Certificate)) continue;
      const rc = new X509Certificate(Buffer.from(c.toSchema().toBER()));
      if (!rc.checkIssued(issuer) || !rc.verify(issuer.publicKey)) continue;
      signerKey = rc.publicKey;
      ok = verifySignature(oid, tbs, sig, signerKey);
      if (ok) break;
    }
  }
  if (ok === undefined) return { status: 'unknown', source: `OCSP signature algorithm ${oid} not supported` };
  if (!ok) return { status: 'unknown', source: 'OCSP staple signature does not verify' };
  const thisUpdate = single.thisUpdate.getTime();
  const nextUpdate = single.nextUpdate?.getTime();
  if (thisUpdate > nowMs + SKEW_MS) return { status: 'unknown', source: 'OCSP staple not yet valid' };
  if (nextUpdate !== undefined && nextUpdate < nowMs)
    return { status: 'unknown', source: 'OCSP staple expired' };
  const tag = (single.certStatus as asn1js.BaseBlock).idBlock.tagNumber;
  if (tag === 0) return { status: 'good', source: 'OCSP staple (verified): good' };
  if (tag === 1) return { status: 'revoked', source: 'OCSP staple (verified): revoked' };
  return { status: 'unknown', source: 'OCSP staple: status unknown' };
}
