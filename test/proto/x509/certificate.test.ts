/**
 * Every CertificateInfo field checked against two independent readers of the same certificate: the openssl
 * CLI (`x509 -noout -subject/-serial/-fingerprint/-dates/-ext/-text`) and Node's crypto.X509Certificate.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { parseCertificate, type CertificateInfo } from '../../../src/proto/x509/index.js';
import { FixtureSet, opensslAvailable, opensslX509, type Fixture } from './fixtures.js';

const skip = opensslAvailable() ? false : 'openssl CLI not installed';

/** IPv6 text as RFC 5952 (what moat writes), whatever form openssl printed. */
function canonicalIp(text: string): string {
  if (!text.includes(':')) return text;
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

const KU_TEXT: Record<string, string> = {
  'Digital Signature': 'digitalSignature',
  'Non Repudiation': 'nonRepudiation',
  'Key Encipherment': 'keyEncipherment',
  'Data Encipherment': 'dataEncipherment',
  'Key Agreement': 'keyAgreement',
  'Certificate Sign': 'keyCertSign',
  'CRL Sign': 'cRLSign',
  'Encipher Only': 'encipherOnly',
  'Decipher Only': 'decipherOnly',
};
const EKU_TEXT: Record<string, string> = {
  'TLS Web Server Authentication': 'serverAuth',
  'TLS Web Client Authentication': 'clientAuth',
};
const EKU_OID: Record<string, string> = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };

/** Body lines of one extension in `openssl x509 -ext NAME` output (empty when absent). */
function extLines(pem: string, ext: string): string[] {
  const out = opensslX509(pem, ['-ext', ext]);
  return out
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

function splitList(lines: string[]): string[] {
  return lines
    .join(', ')
    .split(', ')
    .filter((s) => s.length > 0);
}

function checkAgainstOpenssl(f: Fixture, c: CertificateInfo): void {
  const dn = (flag: string) =>
    opensslX509(f.pem, [flag, '-nameopt', 'sep_comma_plus_space,sname,utf8'])
      .trim()
      .replace(/^(subject|issuer)=/, '')
      // x509-parser (Suricata) abbreviates emailAddress as Email.
      .replace(/(^|, | \+ )emailAddress=/g, '$1Email=');
  assert.equal(c.subject, dn('-subject'), `${f.name} subject`);
  assert.equal(c.issuer, dn('-issuer'), `${f.name} issuer`);

  const serial = opensslX509(f.pem, ['-serial']).trim().replace('serial=', '');
  // Suricata keeps the DER sign byte; openssl prints the magnitude.
  assert.equal(c.serial.replace(/:/g, '').replace(/^00(?=..)/, ''), serial, `${f.name} serial`);
  assert.match(c.serial, /^[0-9A-F]{2}(:[0-9A-F]{2})*$/);

  const sha1 = opensslX509(f.pem, ['-fingerprint', '-sha1']).trim().split('=')[1];
  assert.equal(c.sha1, sha1.toLowerCase(), `${f.name} sha1`);
  const sha256 = opensslX509(f.pem, ['-fingerprint', '-sha256']).trim().split('=')[1];
  assert.equal(c.sha256, sha256.replace(/:/g, '').toLowerCase(), `${f.name} sha256`);

  const dates = opensslX509(f.pem, ['-startdate', '-enddate']);
  const nb = /notBefore=(.*)/.exec(dates)![1];
  const na = /notAfter=(.*)/.exec(dates)![1];
  assert.equal(c.notBefore, Date.parse(nb), `${f.name} notBefore`);
  assert.equal(c.notAfter, Date.parse(na), `${f.name} notAfter`);

  const text = opensslX509(f.pem, ['-text', '-certopt', 'no_sigdump,no_pubkey']);
  const full = opensslX509(f.pem, ['-text']);
  assert.equal(c.version, Number(/Version: (\d+)/.exec(text)![1]), `${f.name} version`);
  assert.equal(
    c.signatureAlgorithm,
    /Signature Algorithm: (\S+)/.exec(text)![1],
    `${f.name} signature algorithm`,
  );
  const bits = /Public-Key: \((\d+) bit\)/.exec(full);
  if (c.keyType === 'Ed25519') assert.match(full, /ED25519 Public-Key:/);
  else assert.equal(c.keyBits, Number(bits![1]), `${f.name} key bits`);
  const curve = /ASN1 OID: (\S+)/.exec(full);
  assert.equal(c.curve, curve ? curve[1] : undefined, `${f.name} curve`);

  const san = splitList(extLines(f.pem, 'subjectAltName'));
  assert.deepEqual(
    c.sanDns,
    san.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)),
    `${f.name} DNS SANs`,
  );
  assert.deepEqual(
    c.sanIp,
    san.filter((s) => s.startsWith('IP Address:')).map((s) => canonicalIp(s.slice(11))),
    `${f.name} IP SANs`,
  );
  assert.deepEqual(
    c.sanEmail,
    san.filter((s) => s.startsWith('email:')).map((s) => s.slice(6)),
  );
  assert.deepEqual(
    c.sanUri,
    san.filter((s) => s.startsWith('URI:')).map((s) => s.slice(4)),
  );

  const bc = extLines(f.pem, 'basicConstraints').join(' ');
  assert.equal(c.isCA, bc.includes('CA:TRUE'), `${f.name} CA`);
  assert.equal(c.hasBasicConstraints, bc.length > 0);
  const pl = /pathlen:(\d+)/.exec(bc);
  assert.equal(c.pathLength, pl ? Number(pl[1]) : undefined, `${f.name} pathlen`);

  assert.deepEqual(
    c.keyUsage,
    splitList(extLines(f.pem, 'keyUsage')).map((s) => KU_TEXT[s] ?? s),
    `${f.name} KU`,
  );
  assert.deepEqual(
    c.extKeyUsage,
    splitList(extLines(f.pem, 'extendedKeyUsage')).map((s) => EKU_TEXT[s] ?? s),
    `${f.name} EKU`,
  );
  assert.deepEqual(
    c.policies,
    extLines(f.pem, 'certificatePolicies')
      .filter((l) => l.startsWith('Policy: '))
      .map((l) => l.slice(8)),
    `${f.name} policies`,
  );
  const aia = extLines(f.pem, 'authorityInfoAccess');
  assert.deepEqual(
    c.ocspUrls,
    aia.filter((l) => l.startsWith('OCSP - URI:')).map((l) => l.slice(11)),
  );
  assert.deepEqual(
    c.caIssuerUrls,
    aia.filter((l) => l.startsWith('CA Issuers - URI:')).map((l) => l.slice(17)),
  );
  assert.deepEqual(
    c.crlUrls,
    extLines(f.pem, 'crlDistributionPoints')
      .filter((l) => l.startsWith('URI:'))
      .map((l) => l.slice(4)),
  );
  assert.equal(c.selfIssued, dn('-subject') === dn('-issuer'), `${f.name} self-issued`);
  const hexOf = (lines: string[]) =>
    lines
      .join('')
      .replace(/keyid:/g, '')
      .replace(/[^0-9A-Fa-f]/g, '')
      .toLowerCase() || undefined;
  assert.equal(c.subjectKeyId, hexOf(extLines(f.pem, 'subjectKeyIdentifier')), `${f.name} SKI`);
  assert.equal(c.authorityKeyId, hexOf(extLines(f.pem, 'authorityKeyIdentifier')), `${f.name} AKI`);
  assert.equal(c.mustStaple, /status_request/.test(full), `${f.name} must-staple`);
  assert.deepEqual(c.extensionErrors, []);
}

function checkAgainstNode(f: Fixture, c: CertificateInfo): void {
  const x = new X509Certificate(f.der);
  assert.equal(
    c.serial.replace(/:/g, '').replace(/^00(?=..)/, ''),
    x.serialNumber.toUpperCase(),
    `${f.name} node serial`,
  );
  assert.equal(c.sha1, x.fingerprint.toLowerCase(), `${f.name} node sha1`);
  assert.equal(c.sha256, x.fingerprint256.replace(/:/g, '').toLowerCase(), `${f.name} node sha256`);
  assert.equal(c.notBefore, Date.parse(x.validFrom));
  assert.equal(c.notAfter, Date.parse(x.validTo));
  assert.equal(c.isCA, x.ca, `${f.name} node CA`);
  const key = x.publicKey;
  const nodeType: Record<string, string> = {
    rsa: 'RSA',
    ec: 'EC',
    ed25519: 'Ed25519',
    dsa: 'DSA',
    ed448: 'Ed448',
  };
  assert.equal(c.keyType, nodeType[key.asymmetricKeyType ?? ''], `${f.name} node key type`);
  const det = key.asymmetricKeyDetails ?? {};
  if (c.keyType === 'RSA') {
    assert.equal(c.keyBits, det.modulusLength);
    assert.equal(c.exponent, String(det.publicExponent));
  }
  if (c.keyType === 'EC') assert.equal(c.curve, det.namedCurve);
  // Node lists EKU purposes as OIDs.
  assert.deepEqual(
    c.extKeyUsage.map((p) => EKU_OID[p] ?? p),
    x.keyUsage ?? [],
  );
  const info = x.infoAccess ?? '';
  assert.deepEqual(
    c.ocspUrls,
    [...info.matchAll(/OCSP - URI:(\S+)/g)].map((m) => m[1]),
  );
  const nodeSan = (x.subjectAltName ?? '').split(', ').filter((s) => s.length > 0);
  assert.deepEqual(
    c.sanDns,
    nodeSan.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)),
  );
  assert.deepEqual(
    c.sanIp,
    nodeSan.filter((s) => s.startsWith('IP Address:')).map((s) => canonicalIp(s.slice(11))),
  );
  // Node's subject is one attribute per line (multi-valued RDNs joined with +), values escaped.
  const nodeSubject = x.subject
    .split('\n')
    .join(', ')
    .replace(/\\,/g, ',')
    .replace(/(^|, |\+)emailAddress=/g, '$1Email=');
  assert.equal(c.subject, nodeSubject, `${f.name} node subject`);
}

describe('X.509 certificate parsing against openssl and Node', { skip }, () => {
  let fx: FixtureSet;
  before(() => {
    fx = new FixtureSet();
  });
  after(() => fx?.remove());

  it('parses every generated certificate and agrees field by field', () => {
    assert.ok(fx.all.length >= 10);
    for (const f of fx.all) {
      const r = parseCertificate(f.der);
      assert.ok(r.ok, `${f.name}: ${r.ok ? '' : r.error}`);
      checkAgainstOpenssl(f, r.cert);
      checkAgainstNode(f, r.cert);
      assert.ok(r.cert.der.equals(f.der));
    }
  });

  it('reports the shapes the generated set was made with', () => {
    const get = (n: string) => {
      const r = parseCertificate(fx.get(n).der);
      assert.ok(r.ok);
      return r.cert;
    };
    const leaf = get('leaf');
    assert.equal(leaf.serial, '00:F1:E2:D3:C4:B5:A6:97:88', 'DER sign byte kept as Suricata prints it');
    assert.equal(leaf.subject, 'C=DE, ST=Berlin, L=Berlin, O=Example, GmbH, CN=www.example.org');
    assert.equal(leaf.issuer, 'C=US, O=Moat Test CA, OU=Testing, CN=Moat Test Root');
    assert.equal(leaf.subjectCN, 'www.example.org');
    assert.equal(leaf.issuerCN, 'Moat Test Root');
    assert.equal(leaf.sanDns.length, 62);
    assert.deepEqual(leaf.sanIp, ['192.0.2.7', '2001:db8::42', '::1', 'fe80:0:0:1::']);
    assert.equal(leaf.signatureAlgorithm, 'sha384WithRSAEncryption');
    assert.deepEqual(leaf.extKeyUsage, ['serverAuth', 'clientAuth', '1.3.6.1.4.1.99999.1']);
    assert.equal(leaf.selfIssued, false);
    assert.equal(leaf.mustStaple, true);
    assert.equal(leaf.authorityKeyId, get('ca').subjectKeyId);
    const ca = get('ca');
    assert.equal(ca.isCA, true);
    assert.equal(ca.pathLength, 1);
    assert.deepEqual(ca.keyUsage, ['keyCertSign', 'cRLSign']);
    assert.equal(ca.selfIssued, true);
    assert.deepEqual([get('rsa1024').keyType, get('rsa1024').keyBits], ['RSA', 1024]);
    assert.equal(get('rsa1024').subject, 'CN=weak.example, Email=admin@weak.example');
    assert.deepEqual(
      [get('p256').keyType, get('p256').keyBits, get('p256').curve],
      ['EC', 256, 'prime256v1'],
    );
    assert.deepEqual(
      [get('p384').keyBits, get('p384').curve, get('p384').signatureAlgorithm],
      [384, 'secp384r1', 'ecdsa-with-SHA384'],
    );
    assert.deepEqual([get('ed25519').keyType, get('ed25519').signatureAlgorithm], ['Ed25519', 'ED25519']);
    assert.equal(get('multivalue').subject, 'C=FR, O=Société Générale, OU=Ops + CN=mv.example');
    assert.equal(get('multivalue').subjectCN, 'mv.example');
    assert.equal(get('expired').notBefore, Date.UTC(2010, 0, 1));
    assert.equal(get('expired').notAfter, Date.UTC(2011, 5, 15, 12, 34, 56));
    assert.equal(get('future').notAfter, Date.UTC(2055, 2, 1, 10, 11, 12), 'GeneralizedTime');
    assert.equal(get('noext').serial, '7F');
    assert.deepEqual(get('noext').extensionOids, []);
  });
});
