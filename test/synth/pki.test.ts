import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issuePki } from '../../src/synth/pki/certificates.js';
import { Prng } from '../../src/synth/prng.js';
import { SYNTH_BASE_US } from '../../src/synth/index.js';

const base = SYNTH_BASE_US / 1000;
const pki = await issuePki(new Prng(21), base);
const cert = (der: Buffer): X509Certificate => new X509Certificate(der);

test('certificates and keys are a pure function of the seed', async () => {
  const again = await issuePki(new Prng(21), base);
  assert.ok(again.rootDer.equals(pki.rootDer));
  for (const k of Object.keys(pki.servers) as (keyof typeof pki.servers)[]) {
    assert.ok(again.servers[k].chain[0].equals(pki.servers[k].chain[0]), k);
  }
  assert.ok(again.validOcsp.equals(pki.validOcsp));
  const other = await issuePki(new Prng(22), base);
  assert.ok(!other.servers.valid.chain[0].equals(pki.servers.valid.chain[0]));
});

test('root → issuing CA → leaf is a valid chain at the capture time', () => {
  const root = cert(pki.rootDer);
  const ca = cert(pki.issuingDer);
  const leaf = cert(pki.servers.valid.chain[0]);
  assert.ok(root.verify(root.publicKey));
  assert.ok(ca.verify(root.publicKey) && ca.checkIssued(root));
  assert.ok(leaf.verify(ca.publicKey) && leaf.checkIssued(ca));
  assert.ok(pki.servers.valid.chain[1].equals(pki.issuingDer), 'the server sends the intermediate');
  assert.ok(Date.parse(leaf.validFrom) < base && base < Date.parse(leaf.validTo));
  assert.equal(leaf.checkHost('www.example.com'), 'www.example.com');
  assert.equal(ca.ca, true);
  assert.equal(leaf.ca, false);
});

test('each certificate case has the defect it is named for', () => {
  const s = pki.servers;
  const expired = cert(s.expired.chain[0]);
  assert.ok(Date.parse(expired.validTo) < base);
  const self = cert(s['self-signed'].chain[0]);
  assert.equal(self.subject, self.issuer);
  assert.ok(self.verify(self.publicKey));
  assert.equal(s['self-signed'].chain.length, 1);
  const wild = cert(s.wildcard.chain[0]);
  assert.match(wild.subjectAltName ?? '', /DNS:\*\.cdn\.example\.net/);
  assert.equal(wild.checkHost(s.wildcard.sni), s.wildcard.sni.replace(/^[^.]+/, '*'));
  const many = cert(s['many-sans'].chain[0]);
  assert.ok((many.subjectAltName ?? '').split(',').length >= 40);
  const weak = cert(s['weak-key'].chain[0]);
  assert.equal(weak.publicKey.asymmetricKeyDetails?.modulusLength, 1024);
  const mismatch = cert(s['sni-mismatch'].chain[0]);
  assert.equal(mismatch.checkHost(s['sni-mismatch'].sni), undefined);
  assert.ok(mismatch.verify(cert(pki.issuingDer).publicKey));
});

test('the stapled OCSP response verifies with openssl (skipped without openssl)', (t) => {
  const probe = spawnSync('openssl', ['version']);
  if (probe.status !== 0) {
    t.skip('openssl not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'moat-synth-ocsp-'));
  try {
    writeFileSync(join(dir, 'r.der'), pki.validOcsp);
    writeFileSync(join(dir, 'root.pem'), cert(pki.rootDer).toString());
    writeFileSync(join(dir, 'ca.pem'), cert(pki.issuingDer).toString());
    writeFileSync(join(dir, 'leaf.pem'), cert(pki.servers.valid.chain[0]).toString());
    const r = spawnSync(
      'openssl',
      [
        'ocsp',
        '-respin',
        join(dir, 'r.der'),
        '-issuer',
        join(dir, 'ca.pem'),
        '-cert',
        join(dir, 'leaf.pem'),
        '-CAfile',
        join(dir, 'root.pem'),
        '-no_nonce',
      ],
      { encoding: 'utf8' },
    );
    assert.match(r.stderr + r.stdout, /Response verify OK/);
    assert.match(r.stdout, /\bgood\b/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
