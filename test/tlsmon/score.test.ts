/**
 * The composite score (T-10…T-40) and verdict (T-4): exact arithmetic on a hand-checked case, renormalisation
 * when TLS 1.3 hides the certificate, the `score` rule for unavailable dimensions, negative weights with `<=`,
 * and policy selection by network, SNI, port and scenario.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicyText } from '../../src/tlsmon/policy/load.js';
import { scoreHandshake } from '../../src/tlsmon/score.js';
import { PolicySelector } from '../../src/tlsmon/policy/select.js';
import { TlsMonitor } from '../../src/tlsmon/monitor.js';
import { ServiceCertificateCache } from '../../src/tlsmon/certificate-cache.js';
import { MemoryHeatHistory } from '../../src/tlsmon/history/memory-history.js';
import { TrustStore } from '../../src/tlsmon/trust/chain-verifier.js';
import { features, info, pem, synthPki } from './fixtures.js';

const close = (a: number | null, b: number): void =>
  assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);

const FILE = parsePolicyText(
  `
version: 1
default: pos
scenarios:
  transfer: { sni: ['pay.bank.example'], ports: [443] }
selectors:
  - { policy: neg, sourceNets: ['10.0.0.0/8'] }
  - { policy: narrow, sourceNets: ['10.9.0.0/16'] }
  - { policy: bysni, sni: ['*.shop.example'] }
  - { policy: exact, sni: ['www.shop.example'] }
  - { policy: transfer, scenario: transfer }
policies:
  pos:
    weights: { certificate: 0.5, address: 0.3, reputation: 0.2 }
    certificate:
      legality: { weight: 0.6 }
      validity: { weight: 0.4 }
    address:
      destinationHeat: { weight: 1, ranges: [{ min: 0, max: 1, score: 0.2 }, { min: 2, score: 1 }] }
    reputation:
      level: { weight: 1, levels: { EV: 1, OV: 0.7, DV: 0.5, unknown: 0 } }
    condition: { op: '>=', threshold: 0.6 }
  neg:
    weights: { certificate: -1, address: 0, reputation: 0 }
    certificate:
      validity: { weight: 1, valid: 1, invalid: 0 }
    condition: { op: '<=', threshold: -0.5 }
  narrow:
    weights: { certificate: 1, address: 0, reputation: 0 }
    certificate: { validity: { weight: 1 } }
    condition: { op: '>=', threshold: 0.5 }
  bysni:
    weights: { certificate: 1, address: 0, reputation: 0 }
    certificate: { validity: { weight: 1 } }
    condition: { op: '>=', threshold: 0.5 }
  exact:
    weights: { certificate: 1, address: 0, reputation: 0 }
    certificate: { validity: { weight: 1 } }
    condition: { op: '>=', threshold: 0.5 }
  transfer:
    weights: { certificate: 1, address: 1, reputation: 0 }
    certificate: { legality: { weight: 1 } }
    address: { sourceHeat: { weight: 1, identity: true } }
    unavailable: score
    unavailableScore: 0
    condition: { op: '>=', threshold: 0.9 }
`,
  't.yaml',
);

test('F = Σα·f with f = Σβ·z, each contribution explained; heat left out when it would count against', async () => {
  const pki = await synthPki();
  const svc = {
    chain: new TrustStore({ bundledRoots: false, caPems: [pem(pki.rootDer)] }),
    history: new MemoryHeatHistory(),
  };
  const v = pki.servers.valid;
  const f = features({ chain: v.chain.map(info), sni: v.sni });
  const r = scoreHandshake('pos', FILE.policies.pos, f, svc);
  // certificate: 0.6·1 + 0.4·1 = 1; reputation: DV → 0.5. A first contact's heat (0 → 0.2) would lower F, so it
  // is left out and F renormalises over the other groups: (0.5·1 + 0.2·0.5) / 0.7.
  close(r.certificate.score, 1);
  assert.equal(r.address.score, null);
  assert.equal(r.address.dimensions[0].heatLeftOut, true);
  assert.equal(r.address.dimensions[0].raw, 0);
  close(r.reputation.score, 0.5);
  close(r.score, (0.5 * 1 + 0.2 * 0.5) / 0.7);
  assert.equal(r.verdict, 'safe');
  assert.equal(r.condition, 'F >= 0.6');
  const dims = r.certificate.dimensions.map((d) => [d.dimension, d.raw, d.contribution]);
  assert.deepEqual(
    dims,
    [
      ['legality', 'legal'],
      ['validity', 'valid'],
    ].map(([a, b], i) => [a, b, [0.6, 0.4][i]]),
  );
  close(r.certificate.contribution + r.address.contribution + r.reputation.contribution, r.score ?? NaN);

  // A familiar service: heat 1 raises F, so it counts: F = 0.5·1 + 0.3·1 + 0.2·0.5 = 0.9.
  for (let i = 0; i < 2; i++) svc.history.record([['dst', f.dstIp]], f.tsUs / 1e6 - 10);
  const warm = scoreHandshake('pos', FILE.policies.pos, f, svc);
  close(warm.score, 0.9);
  assert.equal(warm.address.dimensions[0].heatLeftOut, undefined);

  // An expired chain loses validity's 0.4: F = (0.5·0.6 + 0.2·0.5) / 0.7 ≈ 0.571 → risky (heat 0 left out).
  const e = pki.servers.expired;
  const r2 = scoreHandshake(
    'pos',
    FILE.policies.pos,
    features({ chain: e.chain.map(info), sni: e.sni, dstIp: '192.0.2.99' }),
    svc,
  );
  close(r2.score, (0.5 * 0.6 + 0.2 * 0.5) / 0.7);
  assert.equal(r2.verdict, 'risky');
});

test('TLS 1.3 without a chain: certificate dimensions excluded and weights renormalised; unavailable scores never decide alone', () => {
  const svc = { history: new MemoryHeatHistory() };
  const f = features({ version: 'TLS 1.3' });
  for (let i = 0; i < 3; i++) svc.history.record([['dst', f.dstIp]], f.tsUs / 1e6 - 10);
  const r = scoreHandshake('pos', FILE.policies.pos, f, svc);
  assert.equal(r.certificate.score, null);
  assert.ok(r.certificate.dimensions.every((d) => !d.available && /TLS 1\.3/.test(d.note ?? '')));
  assert.equal(r.reputation.score, null);
  // Only the address group is left: F = f2 rescaled to the full weight: (0.3·1)·(1.0/0.3) = 1.
  close(r.score, 1);
  assert.equal(r.verdict, 'safe');

  // The transfer policy scores unavailable dimensions 0: the hidden certificate alone would fail the handshake,
  // and the only visible dimension is a first contact's heat, which never counts against — undetermined, not risky.
  const t = scoreHandshake('transfer', FILE.policies.transfer, f, svc);
  close(t.certificate.score, 0);
  assert.equal(t.verdict, 'undetermined');
  assert.match(t.undetermined ?? '', /no available evidence/);
  // Nothing available at all: undetermined too.
  const none = scoreHandshake('transfer', FILE.policies.transfer, features({ version: 'TLS 1.3' }), {});
  assert.equal(none.verdict, 'undetermined');
});

test('all-negative first-class weights with F <= threshold (T-11: lower is safer)', async () => {
  const pki = await synthPki();
  const ok = scoreHandshake(
    'neg',
    FILE.policies.neg,
    features({ chain: [info(pki.servers.valid.chain[0])] }),
    {},
  );
  close(ok.score, -1);
  assert.equal(ok.verdict, 'safe');
  const bad = scoreHandshake(
    'neg',
    FILE.policies.neg,
    features({ chain: [info(pki.servers.expired.chain[0])] }),
    {},
  );
  close(bad.score, 0);
  assert.equal(bad.verdict, 'risky');
});

test('the most specific selector wins; scenarios tag connections; the default catches the rest', () => {
  const sel = new PolicySelector(FILE);
  const pick = (o: Parameters<typeof features>[0]): string => {
    const f = features(o);
    f.scenario ??= sel.scenarioOf(f);
    return `${sel.select(f).name} via ${sel.select(f).via}`;
  };
  assert.equal(pick({ srcIp: '10.1.1.1' }), 'neg via selectors[0]');
  assert.equal(pick({ srcIp: '10.9.1.1' }), 'narrow via selectors[1]');
  assert.equal(pick({ srcIp: '192.168.1.1', sni: 'a.shop.example' }), 'bysni via selectors[2]');
  assert.equal(pick({ srcIp: '10.9.1.1', sni: 'www.shop.example' }), 'exact via selectors[3]');
  assert.equal(pick({ srcIp: '10.9.1.1', sni: 'pay.bank.example' }), 'transfer via selectors[4]');
  assert.equal(pick({ srcIp: '192.168.1.1', sni: 'pay.bank.example', dstPort: 8443 }), 'pos via default');
  assert.equal(pick({ srcIp: '2001:db8::1' }), 'pos via default');
});

test('the monitor records history after scoring, reuses a service chain for TLS 1.3, and swaps policies atomically', async () => {
  const pki = await synthPki();
  const v = pki.servers.valid;
  const svc = {
    chain: new TrustStore({ bundledRoots: false, caPems: [pem(pki.rootDer)] }),
    history: new MemoryHeatHistory(),
  };
  const mon = new TlsMonitor(FILE, svc, { cache: new ServiceCertificateCache() });
  const first = mon.evaluate(features({ srcIp: '192.168.7.7', chain: v.chain.map(info), sni: v.sni }));
  assert.equal(first.chainSource, 'handshake');
  assert.equal(first.result.address.dimensions[0].raw, 0, 'a connection does not count towards its own heat');
  const second = mon.evaluate(features({ srcIp: '192.168.7.7', chain: v.chain.map(info), sni: v.sni }));
  assert.equal(second.result.address.dimensions[0].raw, 1);
  // TLS 1.3 to the same service and name: the chain seen before is scored, and the explanation says so.
  const hidden = mon.evaluate(features({ srcIp: '192.168.7.8', version: 'TLS 1.3', sni: v.sni }));
  assert.equal(hidden.chainSource, 'observed');
  close(hidden.result.certificate.score, 1);
  // Another name on the same address was never seen: nothing to reuse.
  const other = mon.evaluate(features({ srcIp: '192.168.7.8', version: 'TLS 1.3', sni: 'other.example' }));
  assert.equal(other.chainSource, 'none');

  const v1 = mon.policyVersion;
  const stricter = parsePolicyText(
    `version: 1\ndefault: s\npolicies:\n  s:\n    weights: { certificate: 1, address: 0, reputation: 0 }\n    certificate: { legality: { weight: 1 } }\n    condition: { op: '>=', threshold: 2 }\n    actions: { block: true }\n`,
    's.yaml',
  );
  assert.equal(mon.setPolicyFile(stricter), v1 + 1);
  const after = mon.evaluate(features({ srcIp: '192.168.7.7', chain: v.chain.map(info), sni: v.sni }));
  assert.equal(after.result.policy, 's');
  assert.equal(after.result.verdict, 'risky');
  assert.equal(after.block, true);
});
