/**
 * A stapled OCSP response (RFC 6960) for one leaf: "good", signed by the issuing CA itself (allowed by
 * §4.2.2.2), responder identified by key hash. RSA PKCS#1 v1.5 signing keeps it deterministic.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createHash, webcrypto } from 'node:crypto';

const OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

export async function ocspGoodResponse(
  leafDer: Buffer,
  issuerDer: Buffer,
  issuerKey: webcrypto.CryptoKey,
  producedAt: Date,
): Promise<Buffer> {
  const engine = new pkijs.CryptoEngine({
    name: 'node',
    crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'],
  });
  const leaf = pkijs.Certificate.fromBER(toArrayBuffer(leafDer));
  const issuer = pkijs.Certificate.fromBER(toArrayBuffer(issuerDer));

  const certId = new pkijs.CertID();
  await certId.createForCertificate(leaf, { hashAlgorithm: 'SHA-1', issuerCertificate: issuer }, engine);

  const keyHash = createHash('sha1')
    .update(Buffer.from(issuer.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView))
    .digest();
  const basic = new pkijs.BasicOCSPResponse();
  // byKey: pkijs adds the [2] EXPLICIT wrapper around a bare KeyHash itself.
  basic.tbsResponseData.responderID = new asn1js.OctetString({ valueHex: toArrayBuffer(keyHash) });
  basic.tbsResponseData.producedAt = producedAt;
  const single = new pkijs.SingleResponse();
  single.certID = certId;
  single.certStatus = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } }); // good [0] NULL
  single.thisUpdate = new Date(producedAt.getTime() - 3_600_000);
  single.nextUpdate = new Date(producedAt.getTime() + 6 * 86_400_000);
  basic.tbsResponseData.responses.push(single);
  await basic.sign(issuerKey as unknown as Parameters<pkijs.BasicOCSPResponse['sign']>[0], 'SHA-256', engine);

  const response = new pkijs.OCSPResponse();
  response.responseStatus.valueBlock.valueDec = 0; // successful
  response.responseBytes = new pkijs.ResponseBytes();
  response.responseBytes.responseType = OCSP_BASIC;
  response.responseBytes.response = new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) });
  return Buffer.from(response.toSchema().toBER(false));
}
