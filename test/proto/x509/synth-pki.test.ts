/**
 * moat's own synthetic PKI (moat synth) read back by the X.509 parser: every server case must come out
 * as the generator declared it (names, SANs, key kind and size, validity, chain issuer links, policies).
 * The generator uses @peculiar/x509 (WebCrypto), an encoder independent of OpenSSL and of this parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { issuePki, CERT_CASES } from '../../../src/synth/pki/certificates.js';
import { Prng } from '../../../src/synth/prng.js';
import { SYNTH_BASE_US } from '../../../src/synth/index.js';
import { parseCertificate, type CertificateInfo } from '../../../src/proto/x509/index.js';

function parse(der: Buffer): CertificateInfo {
  const r = parseCertificate(der);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.cert;
}

test('synthetic PKI certificates parse to what the generator declared', async () => {
  const pki = await issuePki(new Prng(7), SYNTH_BASE_US / 1000);
  const root = parse(pki.rootDer);
  const issuing = parse(pki.issuingDer);
  assert.equal(root.isCA, true);
  assert.equal(root.selfIssued, true);
  assert.equal(issuing.isCA, true);
  assert.equal(issuing.issuer, root.subject);
  for (const name of CERT_CASES) {
    const cred = pki.servers[name];
    const leaf = parse(cred.chain[0]);
    assert.equal(leaf.subjectCN, cred.subjectCn, `${name} CN`);
    assert.deepEqual(leaf.sanDns, cred.dnsNames, `${name} SANs`);
    assert.equal(leaf.keyType, cred.keyKind === 'rsa' ? 'RSA' : 'EC', `${name} key type`);
    assert.equal(leaf.keyBits, cred.keyBits, `${name} key bits`);
    assert.equal(leaf.notBefore, cred.notBefore.getTime(), `${name} notBefore`);
    assert.equal(leaf.notAfter, cred.notAfter.getTime(), `${name} notAfter`);
    assert.equal(leaf.isCA, name === 'self-signed', `${name} CA flag`);
    if (name === 'self-signed') {
      assert.equal(leaf.selfIssued, true);
    } else {
      assert.equal(leaf.selfIssued, false, `${name} self-issued`);
      assert.equal(leaf.issuer, parse(cred.chain[1] ?? pki.issuingDer).subject, `${name} issuer link`);
    }
    assert.deepEqual(leaf.extensionErrors, []);
  }
  assert.ok(pki.servers['many-sans'].dnsNames.length > 10);
  assert.equal(pki.servers['weak-key'].keyBits, 1024);
});
