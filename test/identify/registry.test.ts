import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlite } from '../../src/store/index.js';
import {
  ModelRegistry,
  IdentificationService,
  trainModel,
  DEFAULT_TRAIN,
  SKIP_OOD_GATE,
} from '../../src/identify/index.js';
import { syntheticRequests, toLabelledSet } from './synthetic.js';

const gates = { minPrecision: 0.9, minCoverage: 0.8 };

function models() {
  const a = trainModel(toLabelledSet(syntheticRequests(300, 21)), DEFAULT_TRAIN);
  const b = trainModel(toLabelledSet(syntheticRequests(300, 22)), {
    ...DEFAULT_TRAIN,
    tree: { ...DEFAULT_TRAIN.tree, maxDepth: 2 },
  });
  return { a, b };
}

test('gates: a model below precision or coverage is refused and cannot be activated', () => {
  const reg = new ModelRegistry(openSqlite(':memory:'));
  const { a } = models();
  const low = reg.submit(a, { precision: 0.95, coverage: 0.5 }, gates, SKIP_OOD_GATE);
  assert.equal(low.published, false);
  assert.match(low.reasons.join(), /coverage 0.500 < required 0.8/);
  const lowP = reg.submit(a, { precision: 0.89, coverage: 0.99 }, gates, SKIP_OOD_GATE);
  assert.equal(lowP.published, false);
  assert.match(lowP.reasons.join(), /precision 0.890 < required 0.9/);
  assert.throws(() => reg.activate(low.version), /refused by the gates/);
  const nan = reg.submit(a, { precision: NaN, coverage: 1 }, gates, SKIP_OOD_GATE);
  assert.equal(nan.published, false);
  const ok = reg.submit(a, { precision: 0.9, coverage: 0.8 }, gates, SKIP_OOD_GATE);
  assert.equal(ok.published, true);
  reg.activate(ok.version);
  assert.equal(reg.activeVersion(), ok.version);
  assert.deepEqual(
    reg.list().map((m) => m.status),
    ['refused', 'refused', 'refused', 'published'],
  );
});

test('rollback returns to the previously active version; hot swap follows', () => {
  const db = openSqlite(':memory:');
  const reg = new ModelRegistry(db);
  const { a, b } = models();
  const v1 = reg.submit(a, { precision: 0.99, coverage: 0.9 }, gates, SKIP_OOD_GATE).version;
  const v2 = reg.submit(b, { precision: 0.99, coverage: 0.9 }, gates, SKIP_OOD_GATE).version;
  assert.throws(() => reg.rollback(), /no active model/);
  reg.activate(v1);
  assert.throws(() => reg.rollback(), /only one ever active/);
  const service = new IdentificationService({ registry: reg });
  assert.equal(service.modelVersion, v1);
  const req = syntheticRequests(1, 99)[0].req;
  assert.equal(service.identify(req).model_version, v1);
  reg.activate(v2);
  assert.equal(service.reload(), true);
  assert.equal(service.identify(req).model_version, v2);
  assert.equal(service.describeModel().length, b.rules.size);
  assert.equal(reg.rollback(), v1);
  assert.equal(service.reload(), true);
  assert.equal(service.modelVersion, v1);
  assert.equal(service.reload(), false);
  // Rolling back again swaps back to v2 (the one active before v1's re-activation).
  assert.equal(reg.rollback(), v2);
  // The loaded model is the stored one, rule for rule.
  assert.deepEqual(reg.load(v2).describe(), b.describe());
});

test('iterations of a training run are stored', () => {
  const reg = new ModelRegistry(openSqlite(':memory:'));
  const run = reg.startRun({ x: 1 });
  reg.logIteration(run, {
    k: 0,
    precision: 0.9,
    recall: 0.5,
    objective: 1,
    objective0: 1,
    probImproved: null,
    cgMax: 0.5,
    wgMax: 0.9,
    margin: 0,
    pseudoPositive: 0,
    pseudoNegative: 0,
    unlabelledLeft: 10,
    blackThreshold: 0.7,
  });
  reg.logIteration(run, {
    k: 1,
    precision: 0.92,
    recall: 0.6,
    objective: 1,
    objective0: 0.9,
    probImproved: 0.97,
    cgMax: 0.6,
    wgMax: 0.92,
    margin: 0.3,
    pseudoPositive: 4,
    pseudoNegative: 5,
    unlabelledLeft: 1,
    blackThreshold: 0.7,
  });
  reg.finishRun(run, 'significant-improvement', 1, null);
  const rows = reg.iterations(run);
  assert.equal(rows.length, 2);
  assert.equal(rows[1].prob_improved, 0.97);
  assert.equal(rows[1].pseudo_positive, 4);
});

test('intel hot reload: a newly loaded feed changes verdicts without a restart', async () => {
  const { IntelStore, IntelIndex, parseFeed } = await import('../../src/intel/index.js');
  const db = openSqlite(':memory:');
  const store = new IntelStore(db);
  const service = new IdentificationService({
    intelSource: { stamp: () => store.stamp(), load: () => IntelIndex.fromRows(store.live()) },
  });
  assert.equal(service.identify({ ip: '93.184.216.44' }).verdict, 'clean');
  assert.equal(service.reloadIntel(), false);
  store.load('c2.txt', parseFeed('c2.txt', '93.184.216.44\n'), { source: 'c2-list', now: new Date() });
  assert.equal(service.reloadIntel(), true);
  const v = service.identify({ ip: '93.184.216.44' });
  assert.equal(v.verdict, 'black');
  assert.deepEqual(v.rules_fired, ['INTEL-LISTED']);
  assert.equal(store.expire(new Date(Date.now() + 31 * 86400_000)), 1);
  assert.equal(service.reloadIntel(), true);
  assert.equal(service.identify({ ip: '93.184.216.44' }).verdict, 'clean');
});
