/**
 * bundle attacks: tampered rules, a forged or foreign signature, downgrades, truncation, malformed
 * documents, wrong counts, bad syntax and sid clashes are each refused by the right checker — and the running rules
 * stay. Valid upgrades install atomically; any kept version can be rolled back to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateVendorKey, signBundle } from '../../src/verify/bundle.js';
import { BundleRejected, verifyBundle } from '../../src/verify/checkers.js';
import { BundleStore } from '../../src/verify/bundle-store.js';
import { openSqlite } from '../../src/store/index.js';
import type { Rule } from '../../src/detect/rule.js';

const VENDOR = generateVendorKey();
const OTHER = generateVendorKey();
const RULES_V1 =
  'alert tcp any any -> any any (msg:"one"; content:"a"; sid:1;)\nalert tcp any any -> any any (msg:"two"; content:"b"; sid:2;)\n';
const RULES_V2 =
  RULES_V1 + '# new in v2\nalert tls any any -> any any (msg:"three"; tls.sni; content:"x"; sid:3;)\n';

function bundle(rules: string, version: string, key = VENDOR.privatePem): string {
  return JSON.stringify(
    signBundle(rules, { name: 'moat-et', version, date: new Date('2026-11-01T00:00:00Z'), privatePem: key }),
  );
}

function rejects(fn: () => unknown, checker: string, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof BundleRejected, String(err));
    assert.equal(err.checker, checker, err.message);
    assert.match(err.message, re);
    return true;
  });
}

test('each checker refuses what it guards, naming the problem', () => {
  const keys = { vendorKeys: [VENDOR.publicPem] };
  const good = bundle(RULES_V1, '2026.11.1');
  assert.equal(verifyBundle(good, keys).rules.length, 2);

  const tampered = JSON.parse(good) as { rules: string };
  tampered.rules = Buffer.from(RULES_V1.replace('"a"', '"A"')).toString('base64');
  rejects(
    () => verifyBundle(JSON.stringify(tampered), keys),
    'hash',
    /rules SHA-256 .* differs from the signed/,
  );

  const forged = JSON.parse(good) as { manifest: { records: number } };
  forged.manifest.records = 3;
  rejects(() => verifyBundle(JSON.stringify(forged), keys), 'hash', /signature does not verify/);

  rejects(
    () => verifyBundle(bundle(RULES_V1, '2026.11.1', OTHER.privatePem), keys),
    'hash',
    /not a trusted vendor key/,
  );
  rejects(() => verifyBundle(good.slice(0, good.length - 40), keys), 'format', /not a bundle \(JSON\)/);
  rejects(
    () => verifyBundle('{"manifest":{},"rules":"","signature":"x"}', keys),
    'format',
    /manifest\.format/,
  );
  rejects(
    () => verifyBundle(good, { ...keys, installedVersion: '2026.12.0' }),
    'version',
    /older than the installed 2026\.12\.0/,
  );
  assert.equal(
    verifyBundle(good, { ...keys, installedVersion: '2026.12.0', allowDowngrade: true }).rules.length,
    2,
  );
  rejects(
    () => verifyBundle(good, { ...keys, installedVersion: '2026.11.1' }),
    'version',
    /already installed/,
  );
  rejects(
    () =>
      verifyBundle(
        bundle(RULES_V1 + 'alert tcp any any -> any any (msg:"bad"; nosuch; sid:9;)\n', '2026.11.2'),
        keys,
      ),
    'syntax',
    /line 3: sid 9: nosuch: unsupported keyword/,
  );
  rejects(
    () => verifyBundle(good, { ...keys, localSids: new Set(['1:2']) }),
    'format',
    /sid 2 already defined locally/,
  );
});

test('install swaps atomically, a refused bundle leaves the running rules, rollback re-activates a kept version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-bundles-'));
  const db = openSqlite(':memory:');
  try {
    const store = new BundleStore(db, join(dir, 'bundles'), [VENDOR.publicPem]);
    let running: Rule[] = [];
    const swap = (r: Rule[]): void => {
      running = r;
    };
    store.install(bundle(RULES_V1, '2026.11.1'), swap);
    assert.deepEqual(
      running.map((r) => r.sid),
      [1, 2],
    );
    store.install(bundle(RULES_V2, '2026.11.2'), swap);
    assert.deepEqual(
      running.map((r) => r.sid),
      [1, 2, 3],
    );
    assert.equal(store.active()?.version, '2026.11.2');

    // A downgrade, a tampered bundle and a failing engine build all leave v2 running.
    assert.throws(() => store.install(bundle(RULES_V1, '2026.10.9'), swap), /older than the installed/);
    const t = JSON.parse(bundle(RULES_V2, '2026.11.3')) as { rules: string };
    t.rules = t.rules.slice(0, -8) + 'AAAAAAA=';
    assert.throws(() => store.install(JSON.stringify(t), swap), BundleRejected);
    assert.throws(
      () =>
        store.install(bundle(RULES_V2, '2026.11.4'), () => {
          throw new Error('engine build failed');
        }),
      /engine build failed/,
    );
    assert.equal(store.active()?.version, '2026.11.2');
    assert.deepEqual(
      running.map((r) => r.sid),
      [1, 2, 3],
    );

    store.rollback('2026.11.1', swap);
    assert.equal(store.active()?.version, '2026.11.1');
    assert.deepEqual(
      running.map((r) => r.sid),
      [1, 2],
    );
    assert.deepEqual(
      store.loadActive().map((r) => r.sid),
      [1, 2],
    );
    assert.deepEqual(
      store
        .list()
        .map((r) => r.version)
        .sort(),
      ['2026.11.1', '2026.11.2'],
    );

    // A kept file altered on disk is caught when rolled back to.
    const v2 = store.list().find((r) => r.version === '2026.11.2')!;
    writeFileSync(v2.file, bundle(RULES_V2, '2026.11.2', OTHER.privatePem));
    assert.throws(() => store.rollback('2026.11.2', swap), /not a trusted vendor key/);
    assert.equal(store.active()?.version, '2026.11.1');
    assert.throws(() => store.rollback('1.0', swap), /no kept bundle with version 1\.0/);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
