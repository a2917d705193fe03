/**
 * The monitor's outside sources: the identification service's verdicts as address reputation (T-46), and the active
 * certificate fetch that fills in what TLS 1.3 hides (realisation notes), against a real TLS server on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedServer } from '../helpers/tls-server.js';
import { openSqlite } from '../../src/store/index.js';
import { IntelStore } from '../../src/intel/store.js';
import { parseFeed } from '../../src/intel/feeds/index.js';
import { identifyReputation } from '../../src/tlsmon/identify-adapter.js';
import { ServiceCertificateCache, serviceKey } from '../../src/tlsmon/certificate-cache.js';
import { CertificateFetcher } from '../../src/tlsmon/certificate-fetch.js';
import { TlsMonitor } from '../../src/tlsmon/monitor.js';
import { TrustStore } from '../../src/tlsmon/trust/chain-verifier.js';
import { parsePolicyText } from '../../src/tlsmon/policy/load.js';
import { features } from './fixtures.js';

test('identification verdicts become address reputation', () => {
  const db = openSqlite(':memory:');
  try {
    const store = new IntelStore(db);
    const text = '# test list\n93.184.216.66\n93.184.217.0/24\n';
    store.load('c2-list.txt', parseFeed('c2-list.txt', text));
    const { list, modelVersion } = identifyReputation(db);
    assert.equal(modelVersion, null, 'no model trained in this store: verdicts come from its intel');
    const hit = list.lookup('93.184.216.66');
    assert.ok(hit, 'a listed address has a bad reputation');
    assert.match(hit.list, /identify model/);
    assert.ok(hit.count >= 1);
    assert.ok(list.lookup('93.184.217.7'), 'inside a listed network');
    assert.equal(list.lookup('93.184.218.1'), undefined);
  } finally {
    db.close();
  }
});

test('active fetch: the chain a service presents is fetched once, cached by address, port and name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-fetch-'));
  try {
    const { server, port } = await selfSignedServer(dir, 'hidden.moat.test', {
      key: 'ec',
      tls: { minVersion: 'TLSv1.3' },
    });
    try {
      const cache = new ServiceCertificateCache();
      const fetcher = new CertificateFetcher(cache, { timeoutMs: 3000 });
      assert.equal(await fetcher.request('127.0.0.1', port, 'hidden.moat.test'), true);
      const got = cache.lookup(serviceKey('127.0.0.1', port, 'hidden.moat.test'), Date.now() * 1000);
      assert.equal(got?.source, 'fetched');
      assert.equal(got?.chain[0].subjectCN, 'hidden.moat.test');
      // Asked again at once: not fetched again (one attempt per service per hour).
      assert.equal(fetcher.request('127.0.0.1', port, 'hidden.moat.test'), undefined);
      // A closed port fails within the bound and is remembered as an error.
      const closed = await fetcher.request('127.0.0.1', 1, 'x.test');
      assert.equal(closed, false);
      assert.match(fetcher.errors[0], /127\.0\.0\.1\|1\|x\.test: .*ECONNREFUSED/);
    } finally {
      server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the fetch starts at the first sighting of a hidden certificate and the verdict is re-issued when it completes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-fetch-'));
  try {
    const { server, port } = await selfSignedServer(dir, 'first.moat.test', {
      key: 'ec',
      tls: { minVersion: 'TLSv1.3' },
    });
    try {
      const file = parsePolicyText(
        `version: 1\ndefault: p\npolicies:\n  p:\n    weights: { certificate: 0.5, address: 0, reputation: 0.5 }\n    certificate: { legality: { weight: 1 } }\n    reputation: { serverName: { weight: 1 } }\n    decisive: { selfSigned: veto }\n    condition: { op: '>=', threshold: 0.6 }\n`,
        'p.yaml',
      );
      const cache = new ServiceCertificateCache();
      const mon = new TlsMonitor(
        file,
        { chain: new TrustStore({ bundledRoots: false }) },
        { cache, fetcher: new CertificateFetcher(cache, { timeoutMs: 3000 }) },
      );
      const f = features({
        dstIp: '127.0.0.1',
        dstPort: port,
        sni: 'first.moat.test',
        version: 'TLS 1.3',
        tsUs: Date.now() * 1000,
      });
      const first = mon.evaluate(f);
      // First sighting: only the name is visible, and it is fine.
      assert.deepEqual([first.chainSource, first.result.verdict], ['none', 'safe']);
      assert.ok(first.refresh, 'the fetch started with the first verdict');
      const again = await first.refresh;
      assert.equal(again?.chainSource, 'fetched');
      assert.equal(
        again?.result.verdict,
        'risky',
        'the fetched chain is self-signed: the verdict is updated',
      );
      assert.equal(again?.result.decisive[0].finding, 'selfSigned');
      assert.equal(mon.evaluations, 1, 'the re-issued verdict does not count the connection twice');
    } finally {
      server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
