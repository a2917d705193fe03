/**
 * Spec T acceptance 1 with other people's traffic: Zeek's traces (a server that forgets its intermediate, stapled OCSP
 * responses from DigiCert and Twitter's CDN, an expired certificate), the Malcolm RAT captures (self-signed C2
 * certificates on odd ports) under the shipped policies, and the MaxMind test database for geolocation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runAnalysis } from '../../src/pipeline/index.js';
import { createTlsmon } from '../../src/tlsmon/setup.js';
import { mmdbCountries } from '../../src/tlsmon/intel-adapters.js';
import { geolocation } from '../../src/tlsmon/dimensions/geolocation.js';
import { parsePolicyText } from '../../src/tlsmon/policy/load.js';
import { MemoryHeatHistory } from '../../src/tlsmon/history/memory-history.js';
import { features } from './fixtures.js';

const CORPUS = join(process.cwd(), '..', 'shared', 'corpus');
const SHIPPED = join(process.cwd(), 'config', 'policies.yaml');

interface Dim {
  dimension: string;
  raw: unknown;
  note?: string;
}
interface Scored {
  dest_port: number;
  tls: {
    sni?: string;
    moat: {
      score: { verdict: string; certificate: { dimensions: Dim[] }; reputation: { dimensions: Dim[] } };
    };
  };
}

async function scored(pcap: string, policyPath = SHIPPED): Promise<Scored[]> {
  const mon = await createTlsmon({ policyPath, deliverAlerts: false });
  const out: Scored[] = [];
  try {
    await runAnalysis(
      { file: pcap },
      { eveTypes: ['tls'], inspectors: [mon.inspector], onEvent: (e) => out.push(e as unknown as Scored) },
    );
  } finally {
    await mon.close();
  }
  return out;
}

const dim = (s: Scored, group: 'certificate' | 'reputation', name: string): Dim | undefined =>
  s.tls.moat.score[group].dimensions.find((d) => d.dimension === name);

/** A policy using legality, validity and revocation, so each can be read from the explanation. */
const ALL = join(process.cwd(), 'dist', 'test', 'tlsmon', 'all-dims.yaml');

test(
  'Zeek traces: missing intermediate is illegal, stapled OCSP verified good, expired certificate expired',
  { timeout: 120_000 },
  async (t) => {
    const traces = join(CORPUS, 'tls', 'zeek', 'traces', 'tls');
    if (!existsSync(traces)) {
      t.skip(`corpus absent: ${traces}`);
      return;
    }
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      ALL,
      `version: 1\ndefault: all\npolicies:\n  all:\n    weights: { certificate: 1, address: 0, reputation: 1 }\n    certificate:\n      legality: { weight: 1 }\n      validity: { weight: 1 }\n    reputation:\n      status: { weight: 1 }\n    condition: { op: '>=', threshold: 2.5 }\n`,
    );
    const missing = await scored(join(traces, 'missing-intermediate.pcap'), ALL);
    const illegal = missing.filter((s) => dim(s, 'certificate', 'legality')?.raw === 'illegal');
    assert.ok(illegal.length >= 1, 'the connection without the intermediate is illegal');
    assert.match(
      String(dim(illegal[0], 'certificate', 'legality')?.note),
      /no trusted issuer for .*CN=www\.cviis\.org/,
    );
    assert.ok(
      missing.some((s) => dim(s, 'certificate', 'legality')?.raw === 'legal'),
      'the one that sent it anchors at Starfield',
    );

    for (const f of ['ocsp-stapling-digicert.pcap', 'ocsp-stapling-twimg.pcap']) {
      const s = await scored(join(traces, f), ALL);
      assert.ok(s.length >= 1, f);
      assert.deepEqual(
        [dim(s[0], 'reputation', 'status')?.raw, dim(s[0], 'reputation', 'status')?.note],
        ['good', 'OCSP staple (verified): good'],
        f,
      );
      assert.equal(dim(s[0], 'certificate', 'legality')?.raw, 'legal', f);
    }

    const expired = await scored(join(traces, 'tls-expired-cert.pcap'), ALL);
    const e = expired.find((s) => dim(s, 'certificate', 'validity')?.raw === 'expired');
    assert.ok(e, 'the expired certificate is seen as expired at capture time');
    assert.match(String(dim(e, 'certificate', 'validity')?.note), /expired \d+\.\d days ago/);
    assert.equal(e.tls.moat.score.verdict, 'risky');
  },
);

test(
  'Malcolm RAT captures: every C2 tunnel (self-signed, odd port) is risky under the shipped policies',
  { timeout: 120_000 },
  async (t) => {
    const root = join(CORPUS, 'attacks', 'malcolm-pcap', 'pcaps', 'plugins');
    const files = [
      ['zeek-quasarrat-detector', '09ffabf7-774a-43a3-8c97-68f2046fd385.pcap', 1337],
      ['zeek-asyncrat-detector', '30a385ed-171e-4f15-ac3f-08c96be7bfd1.pcap', 7084],
      ['zeek-asyncrat-detector', 'cd010953-5faf-4054-86be-58c020c3a532.pcap', 4041],
      ['zeek-asyncrat-detector', '9596cf60-0da6-47a7-a375-1f25ae32d843.pcap', 4782],
    ] as const;
    if (!existsSync(root)) {
      t.skip(`corpus absent: ${root}`);
      return;
    }
    let c2 = 0;
    for (const [dir, f, port] of files) {
      const s = await scored(join(root, dir, f));
      const tunnels = s.filter((x) => x.dest_port === port);
      assert.ok(tunnels.length >= 1, `${f}: C2 handshakes on port ${port}`);
      for (const x of tunnels) {
        assert.equal(x.tls.moat.score.verdict, 'risky', `${f} → ${port}`);
        assert.equal(dim(x, 'certificate', 'legality')?.raw, 'illegal');
      }
      c2 += tunnels.length;
    }
    t.diagnostic(`RAT C2 handshakes flagged risky: ${c2}/${c2}`);
  },
);

test('geolocation from a MaxMind-format database: allow/deny lists and learned usual countries', (t) => {
  const db = join(CORPUS, 'intel', 'maxmind-db', 'test-data', 'GeoIP2-Country-Test.mmdb');
  if (!existsSync(db)) {
    t.skip(`corpus absent: ${db}`);
    return;
  }
  const geo = mmdbCountries(db);
  assert.equal(geo.country('214.78.120.1'), 'US');
  assert.equal(geo.country('2001:218::1'), 'JP');
  const p = parsePolicyText(
    `version: 1\ndefault: p\npolicies:\n  p:\n    weights: { certificate: 0, address: 0, reputation: 1 }\n    reputation:\n      geolocation: { weight: 1, deny: ['JP'], learnAfter: 3, window: 1d }\n    condition: { op: '>=', threshold: 0.5 }\n`,
    'g.yaml',
  ).policies.p.reputation.geolocation!;
  const history = new MemoryHeatHistory();
  const us = features({ dstIp: '214.78.120.1' });
  assert.deepEqual(geolocation(us, p, { geo, history }), { raw: '214.78.120.1=US', score: 0 });
  for (let i = 0; i < 3; i++) history.record([['geo', '10.1.2.0/24|US']], us.tsUs / 1e6 - 60);
  assert.equal(
    geolocation(us, p, { geo, history }).score,
    1,
    'usual after three connections from this network',
  );
  assert.equal(
    geolocation(features({ dstIp: '2001:218::1' }), p, { geo, history }).score,
    0,
    'denied country',
  );
  assert.match(
    String(geolocation(features({ dstIp: '192.0.2.1' }), p, { geo, history }).note),
    /not in the geolocation database/,
  );
});
