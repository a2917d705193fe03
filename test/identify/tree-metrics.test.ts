import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  growTree,
  exportRules,
  leafOf,
  FEATURE_COUNT,
  FEATURE_INDEX,
  prCurve,
  prAuc,
  precisionAtCoverage,
  coverageAtPrecision,
} from '../../src/identify/index.js';

test('tree finds the separating split and reads as a rule', () => {
  const n = 200;
  const x = new Float64Array(n * FEATURE_COUNT);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x[i * FEATURE_COUNT + FEATURE_INDEX.flows] = i;
    x[i * FEATURE_COUNT + FEATURE_INDEX.peers] = (i * 7919) % 13; // noise
    y[i] = i >= 120 ? 1 : 0;
  }
  const tree = growTree(
    { x, y, w: new Float64Array(n).fill(1), n, width: FEATURE_COUNT },
    { maxDepth: 3, minLeaf: 2, maxBins: 256 },
  );
  assert.equal(tree.leaf, false);
  if (!tree.leaf) {
    assert.equal(tree.f, FEATURE_INDEX.flows);
    assert.equal(tree.thr, 119.5);
  }
  const rules = [...exportRules(tree).values()].map((r) => `${r.when} → ${r.score}`);
  assert.deepEqual(rules.sort(), ['flows <= 119.5 → 0', 'flows > 119.5 → 1']);
  const probe = new Float64Array(FEATURE_COUNT);
  probe[FEATURE_INDEX.flows] = 150;
  assert.equal(leafOf(tree, probe).p, 1);
});

test('PR curve, PR-AUC, precision at coverage, coverage at precision', () => {
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
  const labels = [1, 1, 0, 1, 0, 0];
  const c = prCurve(scores, labels);
  assert.deepEqual(
    c.map((p) => [p.precision, p.recall]),
    [
      [1, 1 / 3],
      [1, 2 / 3],
      [2 / 3, 2 / 3],
      [3 / 4, 1],
      [3 / 5, 1],
      [1 / 2, 1],
    ],
  );
  assert.equal(prAuc(c), 1 / 3 + 1 / 3 + (1 / 3) * 0.75);
  assert.equal(precisionAtCoverage(c, 0.5), 1);
  assert.equal(precisionAtCoverage(c, 0.8), 0.75);
  assert.deepEqual(coverageAtPrecision(c, 0.95), { recall: 2 / 3, threshold: 0.8 });
  // Tied scores move together.
  const tied = prCurve([0.5, 0.5, 0.1], [1, 0, 1]);
  assert.deepEqual(
    tied.map((p) => p.precision),
    [0.5, 2 / 3],
  );
});
