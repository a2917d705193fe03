/** T-24/T-35/T-46 fed by the real feed files in the corpus (abuse.ch SSLBL, Spamhaus DROP, IPsum). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadIntelLists } from '../../src/tlsmon/intel-adapters.js';
import { addressBlacklist, certificateBlacklist } from '../../src/tlsmon/dimensions/blacklist.js';
import { addressReputation } from '../../src/tlsmon/dimensions/address-reputation.js';
import { parsePolicyText } from '../../src/tlsmon/policy/load.js';
import type { CertificateInfo } from '../../src/proto/x509/types.js';
import { features } from './fixtures.js';

const FEEDS = join(process.cwd(), '..', 'shared', 'corpus', 'intel', 'feeds');

const P = parsePolicyText(
  `version: 1
default: p
policies:
  p:
    weights: { certificate: 1, address: 1, reputation: 1 }
    certificate: { blacklist: { weight: 1, listed: 0, notListed: 1 } }
    address: { blacklist: { weight: 1, check: both } }
    reputation: { addressReputation: { weight: 1 } }
    condition: { op: '>=', threshold: 0.5 }
`,
  't.yaml',
).policies.p;

test('SSLBL certificates, DROP networks and IPsum counts drive the blacklist and reputation dimensions', (t) => {
  if (!existsSync(FEEDS)) {
    t.skip(`corpus absent: ${FEEDS}`);
    return;
  }
  const lists = loadIntelLists([
    join(FEEDS, 'abusech-sslbl', 'sslblacklist.csv'),
    join(FEEDS, 'spamhaus', 'drop.txt'),
    join(FEEDS, 'ipsum', 'ipsum.txt'),
  ]);
  assert.ok(lists.indicators > 1000, `${lists.indicators} indicators`);

  // An AsyncRAT C2 certificate listed by abuse.ch (SHA-1 as Suricata prints it: colon-separated).
  const sha1 = '19e664f09401bf648b6ea57719e34ad795f3b6cb';
  const cert = {
    sha1: sha1.match(/../g)?.join(':'),
    subject: 'CN=AsyncRAT Server',
    subjectCN: 'AsyncRAT Server',
  } as CertificateInfo;
  const listed = certificateBlacklist(features({ chain: [cert] }), P.certificate.blacklist!, lists);
  assert.equal(listed.score, 0);
  assert.match(String(listed.note), /sslblacklist\.csv \(AsyncRAT C&C\)/);
  const clean = { ...cert, sha1: '00'.repeat(20) } as CertificateInfo;
  assert.equal(certificateBlacklist(features({ chain: [clean] }), P.certificate.blacklist!, lists).score, 1);

  // 1.10.16.0/20 is on Spamhaus DROP: any address inside it, as source or destination.
  const drop = addressBlacklist(features({ dstIp: '1.10.20.30' }), P.address.blacklist!, lists);
  assert.equal(drop.score, 0);
  assert.match(String(drop.note), /1\.10\.20\.30 on .*drop\.txt/);
  assert.equal(
    addressBlacklist(features({ srcIp: '1.10.20.30', dstIp: '192.0.2.1' }), P.address.blacklist!, lists)
      .score,
    0,
  );
  assert.equal(addressBlacklist(features({ dstIp: '192.0.2.1' }), P.address.blacklist!, lists).score, 1);

  // IPsum: 77.90.185.20 is named by 10 lists → the "≥ 3 lists" level (score 0); unlisted → 1.
  const rep = addressReputation(features({ dstIp: '77.90.185.20' }), P.reputation.addressReputation!, lists);
  assert.equal(rep.raw, 10);
  assert.equal(rep.score, 0);
  assert.equal(
    addressReputation(features({ dstIp: '192.0.2.1' }), P.reputation.addressReputation!, lists).score,
    1,
  );
});

test('intel feeds reload without a restart: a delisted address stops counting', async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { createTlsmon } = await import('../../src/tlsmon/setup.js');
  const dir = mkdtempSync(join(tmpdir(), 'moat-reload-'));
  try {
    const list = join(dir, 'block.txt');
    const policy = join(dir, 'p.yaml');
    writeFileSync(list, '203.0.113.5\n');
    writeFileSync(
      policy,
      `version: 1\ndefault: p\npolicies:\n  p:\n    weights: { certificate: 0, address: 1, reputation: 0 }\n    address:\n      blacklist: { weight: 1, check: dst }\n    condition: { op: '>=', threshold: 0.5 }\n`,
    );
    const mon = await createTlsmon({ policyPath: policy, intelFiles: [list], deliverAlerts: false });
    try {
      assert.equal(mon.monitor.evaluate(features({ dstIp: '203.0.113.5' }), true).result.verdict, 'risky');
      writeFileSync(list, '198.51.100.9\n');
      assert.deepEqual(mon.reloadIntel(), { indicators: 1, errors: [] });
      assert.equal(mon.monitor.evaluate(features({ dstIp: '203.0.113.5' }), true).result.verdict, 'safe');
      assert.equal(mon.monitor.evaluate(features({ dstIp: '198.51.100.9' }), true).result.verdict, 'risky');
    } finally {
      await mon.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
