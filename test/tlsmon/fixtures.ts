/** Certificates and features for the Spec T tests: moat's synthetic PKI and openssl-made extras. */
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issuePki, type SynthPki } from '../../src/synth/pki/certificates.js';
import { Prng } from '../../src/synth/prng.js';
import { parseCertificate } from '../../src/proto/x509/index.js';
import type { CertificateInfo } from '../../src/proto/x509/types.js';
import { parseIp } from '../../src/address/index.js';
import type { HandshakeFeatures } from '../../src/tlsmon/features.js';

export const BASE_MS = Date.UTC(2025, 5, 1, 12, 0, 0);
let pkiPromise: Promise<SynthPki> | undefined;

export function synthPki(): Promise<SynthPki> {
  pkiPromise ??= issuePki(new Prng(5), BASE_MS);
  return pkiPromise;
}

export function info(der: Buffer): CertificateInfo {
  const r = parseCertificate(der);
  if (!r.ok) throw new Error(r.error);
  return r.cert;
}

export function pem(der: Buffer): string {
  return new X509Certificate(der).toString();
}

export function features(
  over: Partial<HandshakeFeatures> & { srcIp?: string; dstIp?: string } = {},
): HandshakeFeatures {
  const srcIp = over.srcIp ?? '10.1.2.3';
  const dstIp = over.dstIp ?? '192.0.2.10';
  const s = parseIp(srcIp);
  const d = parseIp(dstIp);
  if (!s || !d) throw new Error('bad test address');
  return {
    tsUs: BASE_MS * 1000,
    ipVersion: s.version,
    src: s.words,
    dst: d.words,
    srcPort: 50000,
    dstPort: 443,
    version: 'TLS 1.2',
    resumed: false,
    chain: [],
    ...over,
    srcIp,
    dstIp,
  };
}

/**
 * An openssl CA with an EV-policy leaf and a second leaf it revoked, plus `openssl ocsp` responses for both —
 * real tools' bytes, not moat's.
 */
export interface OpensslPki {
  caPem: string;
  caDer: Buffer;
  evLeaf: Buffer;
  revokedLeaf: Buffer;
  ocspGood: Buffer;
  ocspRevoked: Buffer;
  crlFile: string;
}

let opensslPromise: OpensslPki | undefined;

export function opensslPki(): OpensslPki {
  if (opensslPromise) return opensslPromise;
  const dir = mkdtempSync(join(tmpdir(), 'moat-tlsmon-pki-'));
  const o = (...args: string[]): string =>
    execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  o(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '3650',
    '-subj',
    '/C=US/O=Moat Test/CN=Moat Test Root',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  );
  writeFileSync(
    join(dir, 'ev.cnf'),
    'subjectAltName=DNS:pay.bank.example\ncertificatePolicies=2.23.140.1.1\nbasicConstraints=CA:FALSE\n',
  );
  writeFileSync(
    join(dir, 'dv.cnf'),
    'subjectAltName=DNS:*.shop.example,DNS:shop.example\ncertificatePolicies=2.23.140.1.2.1\n',
  );
  for (const [name, ext, serial] of [
    ['ev', 'ev.cnf', '1001'],
    ['rv', 'dv.cnf', '1002'],
  ]) {
    o(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name === 'ev' ? 'pay.bank.example' : 'shop.example'}`,
    );
    o(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      `0x${serial}`,
      '-days',
      '365',
      '-extfile',
      ext,
      '-out',
      `${name}.pem`,
    );
  }
  // The CA's database: the EV leaf valid, the other revoked.
  const subj = (f: string): string =>
    o('x509', '-in', f, '-noout', '-subject', '-nameopt', 'compat')
      .replace(/^subject=/, '')
      .trim();
  writeFileSync(
    join(dir, 'index.txt'),
    `V\t351231000000Z\t\t1001\tunknown\t${subj('ev.pem')}\nR\t351231000000Z\t240101000000Z,keyCompromise\t1002\tunknown\t${subj('rv.pem')}\n`,
  );
  for (const [name, out] of [
    ['ev', 'good.der'],
    ['rv', 'revoked.der'],
  ]) {
    o('ocsp', '-issuer', 'ca.pem', '-cert', `${name}.pem`, '-no_nonce', '-reqout', `${name}.req`);
    o(
      'ocsp',
      '-index',
      'index.txt',
      '-rsigner',
      'ca.pem',
      '-rkey',
      'ca.key',
      '-CA',
      'ca.pem',
      '-reqin',
      `${name}.req`,
      '-respout',
      out,
      '-ndays',
      '3650',
    );
  }
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    `[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\ndefault_crl_days=3650\ncertificate=ca.pem\nprivate_key=ca.key\n`,
  );
  o('ca', '-config', 'ca.cnf', '-gencrl', '-out', 'ca.crl');
  const der = (f: string): Buffer => Buffer.from(new X509Certificate(readFileSync(join(dir, f))).raw);
  opensslPromise = {
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    caDer: der('ca.pem'),
    evLeaf: der('ev.pem'),
    revokedLeaf: der('rv.pem'),
    ocspGood: readFileSync(join(dir, 'good.der')),
    ocspRevoked: readFileSync(join(dir, 'revoked.der')),
    crlFile: join(dir, 'ca.crl'),
  };
  return opensslPromise;
}
