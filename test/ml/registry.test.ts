/**
 * The registry: a model that misses the saved malicious traffic is refused and nothing changes; a pass
 * deploys and keeps the last N; a model that alerts on the user's benign traffic is rolled back and reported.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_ARCH,
  MlRegistry,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  exportModel,
  subset,
  tfReady,
  trainModel,
  type ModelFile,
  type SessionSet,
} from '../../src/ml/index.js';
import { openSqlite } from '../../src/store/index.js';
import { SKIP, ustcSplit } from './corpus.js';

function rowsWhere(s: SessionSet, keep: (label: number) => boolean): SessionSet {
  const rows: number[] = [];
  for (let i = 0; i < s.n; i++) if (keep(s.labels[i])) rows.push(i);
  return subset(s, rows);
}

async function model(train: SessionSet, version: string, seed: number): Promise<ModelFile> {
  const tf = await tfReady();
  const r = await trainModel(tf, train, { arch: DEFAULT_ARCH, epochs: 4, seed });
  return exportModel(r.model, DEFAULT_ARCH, {
    name: 't',
    version,
    classNames: USTC_CLASS_NAMES,
    maliciousClasses: USTC_MALICIOUS,
    training: {},
    metrics: {},
  });
}

test('deployment test, keep-N and user-experience rollback', { skip: SKIP }, async () => {
  const tf = await tfReady();
  const { train, test: held } = ustcSplit(40, 10, 11);
  const store = openSqlite(':memory:');
  const reg = new MlRegistry(store, tf, 2);
  const isMal = (l: number): boolean => USTC_MALICIOUS.includes(l);
  const mal = rowsWhere(held, isMal);
  const ben = rowsWhere(held, (l) => !isMal(l));
  reg.addReference('malicious', mal, 'corpus');
  reg.addReference('benign', ben, 'corpus');
  assert.deepEqual(reg.referenceCounts(), { malicious: 100, benign: 100, incidents: 0 });

  // A model that never learned malware (trained on benign classes only) misses the saved malicious traffic.
  const blind = await model(
    rowsWhere(train, (l) => !isMal(l)),
    '1.0',
    1,
  );
  const refused = reg.add(blind, { gates: { minDetection: 0.6, maxFalseAlarm: 0.5 } });
  assert.equal(refused.deployed, false);
  assert.match(refused.test.reasons[0], /detects \d+ of 100 saved malicious sessions/);
  assert.equal(reg.activeId(), null);

  const good1 = await model(train, '1.1', 2);
  const a = reg.add(good1, { gates: { minDetection: 0.6, maxFalseAlarm: 0.5 } });
  assert.ok(a.deployed, a.test.reasons.join('; '));
  const good2 = await model(train, '1.2', 3);
  const b = reg.add(good2, { gates: { minDetection: 0.6, maxFalseAlarm: 0.5 } });
  assert.ok(b.deployed);
  assert.equal(reg.activeId(), b.id);
  assert.throws(() => reg.add(good2), /already in the registry/);

  // Stored incidents count in the test.
  reg.addIncident(mal.bytes.subarray(0, mal.width), mal.labels[0], 'honeypot');
  assert.equal(reg.referenceCounts().incidents, 1);

  // A label-flipped model: every benign session trained as malware. The lenient gate lets it through…
  const flippedSet: SessionSet = {
    ...train,
    labels: train.labels.map((l) => (isMal(l) ? l : 10 + (l % 10))),
  };
  const bad = await model(flippedSet, '1.3', 4);
  const c = reg.add(bad, { gates: { minDetection: 0.6, maxFalseAlarm: 1 } });
  assert.ok(c.deployed);
  // …keep = 2: the first deployed version lost its parameters, its row and hashes stay.
  const rows = reg.list();
  assert.equal(rows.find((r) => r.id === a.id)?.status, 'retired');
  assert.throws(() => reg.load(a.id), /retired/);
  // …and the user's benign traffic shows it: rolled back to 1.2 and reported.
  const ux = reg.checkUserExperience(ben, 0.5);
  assert.ok(ux.rate > 0.8, `rate ${ux.rate}`);
  assert.deepEqual(ux.rolledBack && { from: ux.rolledBack.from, to: ux.rolledBack.to }, {
    from: '1.3',
    to: '1.2',
  });
  assert.equal(reg.activeId(), b.id);
  assert.equal(reg.pendingReports()[0].version, '1.3');
  // The good model is within the limit.
  assert.equal(reg.checkUserExperience(ben, 0.5).rolledBack, null);
  store.close();
});
