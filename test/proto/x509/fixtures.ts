/**
 * Test certificates made with the openssl CLI in a temporary directory: an RSA CA with a path length,
 * leaves signed by it (many DNS and IP SANs, key usage, EKU, policies, AIA, CRL), self-signed RSA 1024,
 * EC P-256/P-384, Ed25519, an expired certificate (UTCTime), one valid past 2050 (GeneralizedTime), a
 * serial with the top bit set (DER sign byte), multi-valued and UTF-8 names, and a v1 certificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Fixture {
  name: string;
  pem: string;
  der: Buffer;
}

function ossl(dir: string, args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');
}

export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs `openssl x509 -in PEM -noout ARGS…` and returns stdout. */
export function opensslX509(pem: string, args: string[]): string {
  return execFileSync('openssl', ['x509', '-in', pem, '-noout', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString('utf8');
}

export class FixtureSet {
  readonly dir = mkdtempSync(join(tmpdir(), 'moat-x509-'));
  readonly all: Fixture[] = [];

  constructor() {
    const d = this.dir;
    const manyDns = Array.from({ length: 60 }, (_, i) => `DNS:host${i}.example.org`).join(',');
    writeFileSync(
      join(d, 'ca.ext'),
      [
        'basicConstraints=critical,CA:TRUE,pathlen:1',
        'keyUsage=critical,keyCertSign,cRLSign',
        'subjectKeyIdentifier=hash',
      ].join('\n'),
    );
    writeFileSync(
      join(d, 'leaf.ext'),
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth,1.3.6.1.4.1.99999.1',
        'certificatePolicies=2.23.140.1.2.2,1.3.6.1.4.1.99999.7.1',
        'authorityInfoAccess=OCSP;URI:http://ocsp.example.net,caIssuers;URI:http://ca.example.net/ca.crt',
        'crlDistributionPoints=URI:http://crl.example.net/ca.crl,URI:http://crl2.example.net/ca.crl',
        'tlsfeature=status_request',
        'authorityKeyIdentifier=keyid',
        'subjectKeyIdentifier=hash',
        `subjectAltName=DNS:www.example.org,DNS:*.example.org,IP:192.0.2.7,IP:2001:db8::42,IP:::1,IP:fe80:0:0:1::,email:ops@example.org,URI:https://example.org/x,${manyDns}`,
      ].join('\n'),
    );
    writeFileSync(
      join(d, 'ec.ext'),
      ['basicConstraints=CA:FALSE', 'subjectAltName=DNS:ec.example.org'].join('\n'),
    );

    ossl(d, ['genrsa', '-out', 'ca.key', '2048']);
    ossl(d, [
      'req',
      '-new',
      '-key',
      'ca.key',
      '-out',
      'ca.csr',
      '-subj',
      '/C=US/O=Moat Test CA/OU=Testing/CN=Moat Test Root',
    ]);
    ossl(d, [
      'x509',
      '-req',
      '-in',
      'ca.csr',
      '-signkey',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '3650',
      '-sha256',
      '-extfile',
      'ca.ext',
      '-set_serial',
      '1',
    ]);
    this.add('ca');

    ossl(d, ['genrsa', '-out', 'leaf.key', '2048']);
    ossl(d, [
      'req',
      '-new',
      '-key',
      'leaf.key',
      '-out',
      'leaf.csr',
      '-subj',
      '/C=DE/ST=Berlin/L=Berlin/O=Example, GmbH/CN=www.example.org',
    ]);
    ossl(d, [
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-out',
      'leaf.pem',
      '-days',
      '90',
      '-sha384',
      '-extfile',
      'leaf.ext',
      '-set_serial',
      '0x00F1E2D3C4B5A69788',
    ]);
    this.add('leaf');

    ossl(d, [
      'req',
      '-x509',
      '-newkey',
      'rsa:1024',
      '-nodes',
      '-keyout',
      'r1024.key',
      '-out',
      'rsa1024.pem',
      '-days',
      '5',
      '-sha1',
      '-subj',
      '/CN=weak.example/emailAddress=admin@weak.example',
    ]);
    this.add('rsa1024');

    ossl(d, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'p256.key']);
    ossl(d, ['req', '-new', '-key', 'p256.key', '-out', 'p256.csr', '-subj', '/O=EC Org/CN=ec.example.org']);
    ossl(d, [
      'x509',
      '-req',
      '-in',
      'p256.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-out',
      'p256.pem',
      '-days',
      '30',
      '-extfile',
      'ec.ext',
      '-set_serial',
      '4096',
    ]);
    this.add('p256');

    ossl(d, [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:secp384r1',
      '-nodes',
      '-keyout',
      'p384.key',
      '-out',
      'p384.pem',
      '-days',
      '30',
      '-sha384',
      '-subj',
      '/CN=p384.example',
    ]);
    this.add('p384');

    ossl(d, [
      'req',
      '-x509',
      '-newkey',
      'ed25519',
      '-nodes',
      '-keyout',
      'ed.key',
      '-out',
      'ed25519.pem',
      '-days',
      '30',
      '-subj',
      '/CN=ed.example',
      '-addext',
      'subjectAltName=DNS:ed.example',
    ]);
    this.add('ed25519');

    ossl(d, [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'mv.key',
      '-out',
      'multivalue.pem',
      '-days',
      '30',
      '-multivalue-rdn',
      '-utf8',
      '-subj',
      '/C=FR/O=Société Générale/CN=mv.example+OU=Ops',
    ]);
    this.add('multivalue');

    // Expired (UTCTime) and far-future (GeneralizedTime, years ≥ 2050) validity via `openssl ca`.
    writeFileSync(join(d, 'index.txt'), '');
    writeFileSync(join(d, 'serial'), '1000\n');
    writeFileSync(
      join(d, 'ca.cnf'),
      [
        '[ca]',
        'default_ca=ca0',
        '[ca0]',
        `dir=${d}`,
        'database=$dir/index.txt',
        'new_certs_dir=$dir',
        'serial=$dir/serial',
        'certificate=$dir/ca.pem',
        'private_key=$dir/ca.key',
        'default_md=sha256',
        'policy=anything',
        'unique_subject=no',
        'copy_extensions=none',
        'email_in_dn=no',
        '[anything]',
        'commonName=supplied',
        'organizationName=optional',
      ].join('\n'),
    );
    ossl(d, [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'old.key',
      '-out',
      'old.csr',
      '-subj',
      '/O=Old/CN=expired.example',
    ]);
    ossl(d, [
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-in',
      'old.csr',
      '-out',
      'expired.pem',
      '-startdate',
      '100101000000Z',
      '-enddate',
      '110615123456Z',
      '-notext',
    ]);
    this.add('expired');
    ossl(d, [
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-in',
      'old.csr',
      '-out',
      'future.pem',
      '-startdate',
      '20240101000000Z',
      '-enddate',
      '20550301101112Z',
      '-notext',
    ]);
    this.add('future');

    // No extensions file: a certificate without extensions (v1 with OpenSSL 3.0).
    ossl(d, [
      'x509',
      '-req',
      '-in',
      'old.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-out',
      'noext.pem',
      '-days',
      '10',
      '-set_serial',
      '0x7f',
    ]);
    this.add('noext');
  }

  private add(name: string): void {
    const pem = join(this.dir, `${name}.pem`);
    const der = execFileSync('openssl', ['x509', '-in', pem, '-outform', 'DER']);
    this.all.push({ name, pem, der });
  }

  get(name: string): Fixture {
    const f = this.all.find((x) => x.name === name);
    if (!f) throw new Error(`no fixture ${name}`);
    return f;
  }

  pemText(name: string): string {
    return readFileSync(this.get(name).pem, 'utf8');
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
