/**
 * Hostile input: seeded mutations of real certificates (bit flips, byte overwrites, truncation, insertion,
 * length-field damage) must never throw and must give either a well-formed CertificateInfo or an error
 * naming what was wrong. And the cache: one parse per distinct DER, wherever the bytes sit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CertificateCache,
  parseCertificate,
  parseCertificateOnce,
  certificateCache,
} from '../../../src/proto/x509/index.js';
import { opensslAvailable } from './fixtures.js';
import { mulberry32 } from '../../../src/framework/prng.js';

const skip = opensslAvailable() ? false : 'openssl CLI not installed';

function makeCerts(dir: string): Buffer[] {
  const run = (args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'a.key',
    '-out',
    'a.pem',
    '-days',
    '30',
    '-subj',
    '/C=US/O=Fuzz/CN=fuzz.example',
    '-addext',
    'subjectAltName=DNS:fuzz.example,IP:10.1.2.3,IP:2001:db8::9',
    '-addext',
    'certificatePolicies=2.23.140.1.2.1',
    '-addext',
    'authorityInfoAccess=OCSP;URI:http://o.example',
    '-addext',
    'crlDistributionPoints=URI:http://c.example/x.crl',
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  run([
    'req',
    '-x509',
    '-newkey',
    'ed25519',
    '-nodes',
    '-keyout',
    'b.key',
    '-out',
    'b.pem',
    '-days',
    '30',
    '-subj',
    '/CN=b',
  ]);
  return ['a.pem', 'b.pem'].map((p) => run(['x509', '-in', p, '-outform', 'DER']));
}

function checkShape(r: ReturnType<typeof parseCertificate>): void {
  if (!r.ok) {
    assert.equal(typeof r.error, 'string');
    assert.match(r.error, /^x509: /);
    return;
  }
  const c = r.cert;
  assert.equal(typeof c.subject, 'string');
  assert.equal(typeof c.issuer, 'string');
  assert.match(c.serial, /^[0-9A-F]{2}(:[0-9A-F]{2})*$/);
  assert.match(c.sha1, /^[0-9a-f]{2}(:[0-9a-f]{2}){19}$/);
  assert.ok(Number.isFinite(c.notBefore) && Number.isFinite(c.notAfter));
  assert.ok(Array.isArray(c.sanDns) && Array.isArray(c.sanIp) && Array.isArray(c.policies));
  assert.ok(c.keyBits >= 0 && Number.isInteger(c.keyBits));
}

describe('X.509 parser under mutation', { skip }, () => {
  let dir = '';
  let certs: Buffer[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'moat-x509-fuzz-'));
    certs = makeCerts(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names the problem in plainly malformed input', () => {
    const cases: Array<[Buffer, RegExp]> = [
      [Buffer.alloc(0), /Certificate: missing/],
      [Buffer.from([0x31, 0x00]), /Certificate: expected universal tag 16/],
      [Buffer.from([0x30, 0x80, 0x00, 0x00]), /indefinite length/],
      [Buffer.from([0x30, 0x85, 1, 2, 3, 4, 5]), /length of 5 bytes is too large/],
      [certs[0].subarray(0, 100), /runs past the end/],
    ];
    for (const [buf, re] of cases) {
      const r = parseCertificate(buf);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, re);
    }
  });

  it('never throws on 30000 seeded mutations and keeps results well-formed', () => {
    const rnd = mulberry32(0x5eed);
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < 30000; i++) {
      const base = certs[i % certs.length];
      let m = Buffer.from(base);
      const kind = Math.floor(rnd() * 6);
      const pos = Math.floor(rnd() * m.length);
      switch (kind) {
        case 0: // bit flips
          for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
            const p = Math.floor(rnd() * m.length);
            m[p] ^= 1 << Math.floor(rnd() * 8);
          }
          break;
        case 1: // random byte
          m[pos] = Math.floor(rnd() * 256);
          break;
        case 2: // truncation
          m = m.subarray(0, pos);
          break;
        case 3: // insertion
          m = Buffer.concat([m.subarray(0, pos), Buffer.from([Math.floor(rnd() * 256)]), m.subarray(pos)]);
          break;
        case 4: // long-form length damage
          m[pos] = 0x80 | Math.floor(rnd() * 5);
          break;
        default: // tag damage: make something constructed/context-specific
          m[pos] = [0xa0, 0xa3, 0x30, 0x31, 0x04, 0x06, 0x17, 0x18][Math.floor(rnd() * 8)];
      }
      const r = parseCertificate(m);
      checkShape(r);
      if (r.ok) ok++;
      else failed++;
    }
    // Both outcomes occur: the parser neither rejects everything nor accepts everything.
    assert.ok(ok > 100, `parsed ${ok}`);
    assert.ok(failed > 1000, `rejected ${failed}`);
  });
});

describe('certificate cache', { skip }, () => {
  let dir = '';
  let certs: Buffer[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'moat-x509-cache-'));
    certs = makeCerts(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('parses the same DER once, wherever it sits in a buffer', () => {
    certificateCache.clear();
    const a = Buffer.concat([Buffer.from([1, 2, 3]), certs[0], Buffer.from([9])]);
    const b = Buffer.concat([Buffer.alloc(100, 7), certs[0]]);
    const r1 = parseCertificateOnce(a, 3, certs[0].length);
    const r2 = parseCertificateOnce(b, 100, certs[0].length);
    const r3 = parseCertificateOnce(certs[0], 0, certs[0].length);
    assert.ok(r1.ok);
    assert.equal(r2, r1, 'same result object from the cache');
    assert.equal(r3, r1);
    assert.equal(certificateCache.misses, 1);
    assert.equal(certificateCache.hits, 2);
    // The cached DER is a copy: reusing the caller's buffer does not change it.
    a.fill(0);
    if (r1.ok) assert.ok(r1.cert.der.equals(certs[0]));
    const other = parseCertificateOnce(certs[1], 0, certs[1].length);
    assert.ok(other.ok && other !== r1);
    assert.equal(certificateCache.misses, 2);
  });

  it('never answers for a different certificate that shares length and signature tail', () => {
    const cache = new CertificateCache(8);
    const real = certs[0];
    const forged = Buffer.from(real);
    // 'fuzz.example' → 'guzz.example' in issuer, subject and SAN: same length, same signature tail.
    let at = forged.indexOf(Buffer.from('fuzz.example'));
    assert.ok(at > 0);
    for (; at >= 0; at = forged.indexOf(Buffer.from('fuzz.example'), at + 1)) forged[at] = 0x67;
    const r1 = cache.parse(real, 0, real.length);
    const r2 = cache.parse(forged, 0, forged.length);
    const r3 = cache.parse(real, 0, real.length);
    assert.ok(r1.ok && r2.ok && r3.ok);
    assert.notEqual(r2.cert.sha1, r1.cert.sha1);
    assert.equal(r2.cert.subjectCN, 'guzz.example');
    assert.equal(r3.cert.sha1, r1.cert.sha1);
    assert.equal(r3.cert.subjectCN, 'fuzz.example');
  });

  it('caches failures too, evicts the least recently used, and rejects slices outside the buffer', () => {
    const cache = new CertificateCache(2);
    const bad = Buffer.from([0x30, 0x03, 0x02, 0x01]);
    const f1 = cache.parse(bad, 0, bad.length);
    const f2 = cache.parse(bad, 0, bad.length);
    assert.equal(f1.ok, false);
    assert.equal(f2, f1);
    assert.deepEqual([cache.misses, cache.hits], [1, 1]);
    cache.parse(certs[0], 0, certs[0].length);
    cache.parse(bad, 0, bad.length); // refresh: certs[0] is now the oldest
    cache.parse(certs[1], 0, certs[1].length); // evicts certs[0]
    assert.equal(cache.size, 2);
    const missesBefore = cache.misses;
    cache.parse(bad, 0, bad.length);
    assert.equal(cache.misses, missesBefore, 'recently used entry kept');
    cache.parse(certs[0], 0, certs[0].length);
    assert.equal(cache.misses, missesBefore + 1, 'evicted entry parsed again');
    const outside = cache.parse(certs[0], 10, certs[0].length);
    assert.equal(outside.ok, false);
    if (!outside.ok) assert.match(outside.error, /outside a buffer/);
  });
});
