/**
 * The verdict rules of issue 15 on hand-built cases: trust as of the handshake (a dated root store read from the
 * roots-history format), platform roots trusted per policy, decisive findings (veto and cap), resumed sessions
 * taking their original's chain by session id or ticket, and policy checks naming what is wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrustStore } from '../../src/tlsmon/trust/chain-verifier.js';
import { parsePolicyText, PolicyError } from '../../src/tlsmon/policy/load.js';
import { scoreHandshake } from '../../src/tlsmon/score.js';
import { ServiceCertificateCache } from '../../src/tlsmon/certificate-cache.js';
import { BASE_MS, features, info, pem, synthPki } from './fixtures.js';

const DAY = 86_400_000;
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

test('a chain is legal only while its root was in the store: dated roots from the roots-history format', async () => {
  const pki = await synthPki();
  const dir = mkdtempSync(join(tmpdir(), 'moat-roots-'));
  const sha = createHash('sha256').update(pki.rootDer).digest('hex');
  // Two roots listed: another at the start of the record, ours added later and removed since.
  const other = pki.servers['self-signed'].chain[0];
  writeFileSync(join(dir, 'roots-all.pem'), pem(other) + '\n' + pem(pki.rootDer) + '\n');
  const added = BASE_MS - 100 * DAY;
  const removed = BASE_MS + 10 * DAY;
  writeFileSync(
    join(dir, 'roots.tsv'),
    `sha256\tfirst_in_bundle\tremoved_from_bundle\n${createHash('sha256').update(other).digest('hex')}\t2011-12-28\t\n${sha}\t${day(added)}\t${day(removed)}\n`,
  );
  const store = new TrustStore({ bundledRoots: false, rootsHistory: dir });
  const v = pki.servers.valid;
  const chain = v.chain.map(info);
  const at = (ms: number): ReturnType<TrustStore['verify']> => store.verify(chain, v.sni, true, ms);
  assert.equal(at(BASE_MS).kind, 'legal');
  assert.match(at(BASE_MS).reason, /trusted until/);
  const after = at(removed + DAY);
  assert.deepEqual([after.legal, after.kind], [false, 'distrustedRoot']);
  assert.match(after.reason, /removed from the Mozilla store .* before the handshake/);
  const before = at(added - DAY);
  assert.deepEqual([before.legal, before.kind], [false, 'distrustedRoot']);
  assert.match(before.reason, /added to the Mozilla store .* after the handshake/);

  // A bad history names the file and the line.
  const dir2 = mkdtempSync(join(tmpdir(), 'moat-roots-'));
  writeFileSync(join(dir2, 'roots-all.pem'), pem(pki.rootDer));
  writeFileSync(
    join(dir2, 'roots.tsv'),
    `sha256\tfirst_in_bundle\tremoved_from_bundle\n${sha}\tyesterday\t\n`,
  );
  assert.throws(
    () => new TrustStore({ bundledRoots: false, rootsHistory: dir2 }),
    /roots\.tsv: line 2: first_in_bundle 'yesterday' is not a date/,
  );
  assert.throws(
    () => new TrustStore({ bundledRoots: false, rootsHistory: join(dir2, 'nowhere') }),
    /cannot read the roots history/,
  );
});

test('platform roots are trusted only by policies that name the platform', async () => {
  const pki = await synthPki();
  const store = new TrustStore({ bundledRoots: false, platformPems: { microsoft: [pem(pki.rootDer)] } });
  const v = pki.servers.valid;
  const chain = v.chain.map(info);
  const without = store.verify(chain, v.sni, true, BASE_MS);
  assert.deepEqual([without.legal, without.kind], [false, 'unknownIssuer']);
  assert.match(without.reason, /microsoft platform root this policy does not trust/);
  assert.equal(store.verify(chain, v.sni, true, BASE_MS, ['microsoft']).kind, 'legal');

  // The policy file must define a platform a policy names.
  assert.throws(
    () =>
      parsePolicyText(
        `version: 1\ndefault: p\npolicies:\n  p:\n    weights: { certificate: 1, address: 0, reputation: 0 }\n    certificate: { legality: { weight: 1, platforms: [apple] } }\n    condition: { op: '>=', threshold: 0.5 }\n`,
        'p.yaml',
      ),
    (e: unknown) =>
      e instanceof PolicyError &&
      e.problems.some((p) => /platforms\[0\]: no platform root store 'apple'/.test(p)),
  );
});

const DECISIVE = parsePolicyText(
  `
version: 1
default: p
policies:
  p:
    weights: { certificate: 0.3, address: 0, reputation: 0.7 }
    certificate:
      legality: { weight: 1 }
      validity: { weight: 0 }
    reputation:
      serverName: { weight: 1 }
    decisive:
      selfSigned: veto
      expired: { cap: 0.4 }
    condition: { op: '>=', threshold: 0.6 }
`,
  'd.yaml',
);

test('decisive findings: a veto makes the verdict risky and a cap bounds F, whatever the other dimensions say', async () => {
  const pki = await synthPki();
  const svc = { chain: new TrustStore({ bundledRoots: false, caPems: [pem(pki.rootDer)] }) };
  const p = DECISIVE.policies.p;
  // A self-signed leaf with a good name: F = 0.3·0 + 0.7·1 = 0.7 passes, but the veto decides.
  const self = pki.servers['self-signed'];
  const r = scoreHandshake('p', p, features({ chain: self.chain.map(info), sni: self.sni }), svc);
  assert.ok(r.score !== null && r.score >= 0.6, `F ${r.score} alone would pass`);
  assert.equal(r.verdict, 'risky');
  assert.deepEqual(
    r.decisive.map((d) => [d.finding, d.action]),
    [['selfSigned', 'veto']],
  );
  // An expired (but legal) leaf: F would be 1, the cap bounds it at 0.4.
  const e = pki.servers.expired;
  const r2 = scoreHandshake('p', p, features({ chain: e.chain.map(info), sni: e.sni }), svc);
  assert.equal(r2.score, 0.4);
  assert.equal(r2.verdict, 'risky');
  assert.deepEqual(r2.decisive[0], {
    finding: 'expired',
    dimension: 'certificate.validity',
    action: 'cap',
    cap: 0.4,
    note: r2.certificate.dimensions[1].note,
  });
  // A valid one is safe: no finding, no cap.
  const v = pki.servers.valid;
  const ok = scoreHandshake('p', p, features({ chain: v.chain.map(info), sni: v.sni }), svc);
  assert.deepEqual([ok.verdict, ok.decisive], ['safe', []]);

  // A decisive finding must come from a chosen dimension.
  assert.throws(
    () =>
      parsePolicyText(
        `version: 1\ndefault: p\npolicies:\n  p:\n    weights: { certificate: 1, address: 0, reputation: 0 }\n    certificate: { legality: { weight: 1 } }\n    decisive: { revoked: veto, selfsigned: veto }\n    condition: { op: '>=', threshold: 0.5 }\n`,
        'p.yaml',
      ),
    (err: unknown) =>
      err instanceof PolicyError && err.problems.some((x) => /unknown key\(s\) 'selfsigned'/.test(x)),
  );
  assert.throws(
    () =>
      parsePolicyText(
        `version: 1\ndefault: p\npolicies:\n  p:\n    weights: { certificate: 1, address: 0, reputation: 0 }\n    certificate: { legality: { weight: 1 } }\n    decisive: { revoked: veto }\n    condition: { op: '>=', threshold: 0.5 }\n`,
        'p.yaml',
      ),
    (err: unknown) =>
      err instanceof PolicyError &&
      err.problems.some((x) =>
        /decisive\.revoked: comes from reputation\.status, which this policy does not choose/.test(x),
      ),
  );
});

test('a resumed TLS 1.2 session takes the chain of the session it resumes (id or ticket), else none', async () => {
  const pki = await synthPki();
  const chain = pki.servers.valid.chain.map(info);
  const cache = new ServiceCertificateCache();
  const full = features({ chain, sni: 'a.test', session: { serverSessionId: 'aa11', newTicket: 'feed' } });
  assert.equal(cache.apply(full), 'handshake');
  const byId = features({ resumed: true, sni: 'a.test', session: { clientSessionId: 'aa11' } });
  assert.equal(cache.apply(byId), 'session');
  assert.equal(byId.chain[0].sha1, chain[0].sha1);
  const byTicket = features({ resumed: true, dstIp: '192.0.2.77', session: { clientTicket: 'feed' } });
  assert.equal(cache.apply(byTicket), 'session', 'tickets are not tied to one address');
  // A session id is the server's: the same id at another server is another session.
  const elsewhere = features({ resumed: true, dstIp: '192.0.2.78', session: { clientSessionId: 'aa11' } });
  assert.equal(cache.apply(elsewhere), 'none');
  // Resuming a session never seen: the certificate is unavailable, not taken from the service's last chain.
  const unseen = features({ resumed: true, sni: 'a.test', session: { clientSessionId: 'bb22' } });
  assert.equal(cache.apply(unseen), 'none');
  assert.equal(unseen.chain.length, 0);
});
