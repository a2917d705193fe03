/**
 * Spec T acceptance 1, per dimension, with certificates made by the tests (moat's synthetic PKI and openssl):
 * legality (valid chain, self-signed, weak key, SNI mismatch, unknown root), validity tiers, heat, blacklists,
 * level/type, issuer, revocation via verified OCSP staples and a CRL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrustStore } from '../../src/tlsmon/trust/chain-verifier.js';
import { RevocationService, checkOcsp } from '../../src/tlsmon/trust/revocation.js';
import { X509Certificate } from 'node:crypto';
import { legality } from '../../src/tlsmon/dimensions/legality.js';
import { validity } from '../../src/tlsmon/dimensions/validity.js';
import { heat } from '../../src/tlsmon/dimensions/heat.js';
import { level } from '../../src/tlsmon/dimensions/level.js';
import { issuer } from '../../src/tlsmon/dimensions/issuer.js';
import { status } from '../../src/tlsmon/dimensions/status.js';
import { certificateBlacklist } from '../../src/tlsmon/dimensions/blacklist.js';
import { MemoryHeatHistory } from '../../src/tlsmon/history/memory-history.js';
import { parsePolicyText } from '../../src/tlsmon/policy/load.js';
import { BASE_MS, features, info, opensslPki, pem, synthPki } from './fixtures.js';

const DAY = 86_400_000;

function policyDims(yaml: string, reputation = 1) {
  const pf = parsePolicyText(
    `version: 1\ndefault: p\npolicies:\n  p:\n    weights: { certificate: 1, address: 0, reputation: ${reputation} }\n${yaml}\n    condition: { op: '>=', threshold: 0.5 }\n`,
    't.yaml',
  );
  return pf.policies.p;
}

const P = policyDims(`    certificate:
      legality: { weight: 1 }
      validity: { weight: 1, tiers: [{ within: 30d, score: 0.7 }, { within: 90d, score: 0.3 }] }
      heat: { weight: 1, window: 1h, ranges: [{ min: 0, max: 0, score: 0 }, { min: 1, max: 9, score: 0.5 }, { min: 10, score: 1 }] }
      blacklist: { weight: 1, listed: -2 }
    reputation:
      level: { weight: 1, types: { single: 0, multi: 0.1, wildcard: -0.2 } }
      issuer: { weight: 1, trusted: ['Moat Synth TLS Issuing CA 2'] }
      status: { weight: 1 }`);

test('legality: a valid chain anchors at the configured root; every failure says why', async () => {
  const pki = await synthPki();
  const store = new TrustStore({ bundledRoots: false, caPems: [pem(pki.rootDer)] });
  const svc = { chain: store };
  const s = P.certificate.legality!;
  const chainOf = (c: keyof typeof pki.servers) => pki.servers[c].chain.map(info);

  const ok = legality(features({ chain: chainOf('valid'), sni: pki.servers.valid.sni }), s, svc);
  assert.equal(ok.score, 1, ok.note);
  assert.match(String(ok.note), /anchored at .*Moat Synth Root CA R1/);

  const self = legality(
    features({ chain: chainOf('self-signed'), sni: pki.servers['self-signed'].sni }),
    s,
    svc,
  );
  assert.equal(self.score, 0);
  assert.match(String(self.note), /self-signed certificate not trusted/);

  const weak = legality(features({ chain: chainOf('weak-key'), sni: pki.servers['weak-key'].sni }), s, svc);
  assert.equal(weak.score, 0);
  assert.match(String(weak.note), /weak key: certificate 0 has a 1024-bit RSA key/);

  const mismatch = legality(
    features({ chain: chainOf('sni-mismatch'), sni: pki.servers['sni-mismatch'].sni }),
    s,
    svc,
  );
  assert.equal(mismatch.score, 0);
  assert.match(String(mismatch.note), /name mismatch/);

  // The wildcard certificate covers one label under its domain.
  const wild = pki.servers.wildcard;
  assert.equal(legality(features({ chain: wild.chain.map(info), sni: wild.sni }), s, svc).score, 1);

  // The same valid chain is illegal against Node's bundled Mozilla roots alone: the synthetic root isn't there.
  const mozilla = new TrustStore();
  assert.ok(mozilla.rootCount > 100);
  const unknown = legality(features({ chain: chainOf('valid'), sni: pki.servers.valid.sni }), s, {
    chain: mozilla,
  });
  assert.equal(unknown.score, 0);
  assert.match(String(unknown.note), /no trusted issuer/);

  // TLS 1.3 hides the chain: unavailable, never 0.
  const hidden = legality(features({ version: 'TLS 1.3' }), s, svc);
  assert.equal(hidden.score, undefined);
  assert.match(String(hidden.note), /TLS 1\.3/);
});

test('validity: valid, expired within a tier, expired beyond all tiers, not yet valid', async () => {
  const pki = await synthPki();
  const s = P.certificate.validity!;
  const valid = info(pki.servers.valid.chain[0]);
  const expired = info(pki.servers.expired.chain[0]);
  assert.equal(validity(features({ chain: [valid] }), s).score, 1);
  // The synthetic expired leaf ran out 65 days before BASE: the 90-day tier.
  const e = validity(features({ chain: [expired] }), s);
  assert.equal(e.raw, 'expired');
  assert.equal(e.score, 0.3);
  assert.match(String(e.note), /expired 65\.0 days ago/);
  const justAfter = validity(features({ chain: [expired], tsUs: (expired.notAfter + 2 * DAY) * 1000 }), s);
  assert.equal(justAfter.score, 0.7);
  const longAfter = validity(features({ chain: [expired], tsUs: (expired.notAfter + 400 * DAY) * 1000 }), s);
  assert.equal(longAfter.score, 0);
  const early = validity(features({ chain: [valid], tsUs: (valid.notBefore - DAY) * 1000 }), s);
  assert.equal(early.raw, 'not yet valid');
  assert.equal(early.score, 0);
});

test('heat: counts in the window map through the ranges; older occurrences fall out', async () => {
  const pki = await synthPki();
  const h = new MemoryHeatHistory(60);
  const leaf = info(pki.servers.valid.chain[0]);
  const f = features({ chain: [leaf] });
  const s = P.certificate.heat!;
  assert.deepEqual(heat('cert', f, s, { history: h }), { raw: 0, score: 0 });
  const t0 = BASE_MS / 1000;
  for (let i = 0; i < 12; i++) h.record([['cert', leaf.sha1]], t0 - 7200 + i * 60); // two hours ago: outside 1 h
  assert.equal(heat('cert', f, s, { history: h }).raw, 0);
  for (let i = 0; i < 3; i++) h.record([['cert', leaf.sha1]], t0 - 600 + i);
  assert.deepEqual(heat('cert', f, s, { history: h }), { raw: 3, score: 0.5 });
  for (let i = 0; i < 7; i++) h.record([['cert', leaf.sha1]], t0 - 300);
  assert.deepEqual(heat('cert', f, s, { history: h }), { raw: 10, score: 1 });
  const ident = policyDims(`    certificate:\n      heat: { weight: 1, window: 1h, identity: true }`, 0)
    .certificate.heat!;
  assert.equal(heat('cert', f, ident, { history: h }).score, 10);
});

test('blacklist, level/type, issuer trust', async () => {
  const pki = await synthPki();
  const valid = info(pki.servers.valid.chain[0]);
  const f = features({ chain: [valid] });
  const list = {
    lookup: (sha1: string) => (sha1 === valid.sha1.replace(/:/g, '') ? 'sslbl-test' : undefined),
  };
  const bl = certificateBlacklist(f, P.certificate.blacklist!, { certBlacklist: list });
  assert.equal(bl.score, -2);
  assert.match(String(bl.note), /on sslbl-test/);
  const other = features({ chain: [info(pki.servers.expired.chain[0])] });
  assert.equal(certificateBlacklist(other, P.certificate.blacklist!, { certBlacklist: list }).score, 1);

  // The synthetic leaves carry the CA/B Forum DV policy; the valid one names two hosts, the wildcard one a wildcard.
  assert.deepEqual(level(f, P.reputation.level!), { raw: 'DV/multi', score: 0.5 });
  const wild = level(features({ chain: [info(pki.servers.wildcard.chain[0])] }), P.reputation.level!);
  assert.equal(wild.raw, 'DV/wildcard');
  assert.ok(Math.abs((wild.score ?? NaN) - 0.2) < 1e-9);
  const o = opensslPki();
  assert.deepEqual(level(features({ chain: [info(o.evLeaf)] }), P.reputation.level!), {
    raw: 'EV/single',
    score: 1,
  });

  assert.equal(issuer(f, P.reputation.issuer!).score, 1);
  assert.equal(issuer(features({ chain: [info(o.evLeaf)] }), P.reputation.issuer!).score, 0);
});

test('status: verified OCSP staples (good, revoked, forged, wrong certificate) and a CRL', async () => {
  const o = opensslPki();
  const ca = info(o.caDer);
  const ev = info(o.evLeaf);
  const rv = info(o.revokedLeaf);
  const now = Date.now();
  const caX = new X509Certificate(o.caDer);
  assert.equal(checkOcsp(o.ocspGood, ev, caX, now).status, 'good');
  assert.equal(checkOcsp(o.ocspRevoked, rv, caX, now).status, 'revoked');
  const wrong = checkOcsp(o.ocspGood, rv, caX, now);
  assert.deepEqual(wrong, { status: 'unknown', source: 'OCSP staple is for another certificate' });
  // Change one digit of the signed producedAt time: the signature must no longer verify.
  const forged = Buffer.from(o.ocspRevoked);
  const at = /\d{14}Z/.exec(forged.toString('latin1'));
  assert.ok(at);
  forged[at.index + 13] = forged[at.index + 13] === 0x30 ? 0x31 : 0x30;
  assert.match(checkOcsp(forged, rv, caX, now).source, /signature does not verify/);
  assert.match(checkOcsp(Buffer.from('junk'), rv, caX, now).source, /malformed OCSP response/);

  const svc = { revocation: new RevocationService() };
  const s = P.reputation.status!;
  const tsUs = now * 1000;
  assert.equal(status(features({ tsUs, chain: [rv, ca], ocspResponse: o.ocspRevoked }), s, svc).score, 0);
  assert.equal(status(features({ tsUs, chain: [ev, ca], ocspResponse: o.ocspGood }), s, svc).score, 1);
  const none = status(features({ tsUs, chain: [rv, ca] }), s, svc);
  assert.deepEqual([none.raw, none.score], ['unknown', 0.5]);

  // The CA's CRL lists the revoked leaf and not the EV one.
  const crl = { revocation: new RevocationService({ crlFiles: [o.crlFile] }) };
  const viaCrl = status(features({ tsUs, chain: [rv, ca] }), s, crl);
  assert.equal(viaCrl.raw, 'revoked');
  assert.match(String(viaCrl.note), /CRL/);
  assert.equal(status(features({ tsUs, chain: [ev, ca] }), s, crl).raw, 'good');
});
