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

test('calibration: ECE is 0 for scores equal to the observed rates, large for confident mistakes', async () => {
  const { calibration } = await import('../../src/identify/metrics.js');
  // 10 samples at 0.3 with 3 positives, 10 at 0.8 with 8: perfectly calibrated.
  const s = [...Array(10).fill(0.3), ...Array(10).fill(0.8)];
  const y = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
  const good = calibration(s, y);
  assert.ok(good.ece < 1e-12, String(good.ece));
  assert.ok(Math.abs(good.brier - (3 * 0.49 + 7 * 0.09 + 8 * 0.04 + 2 * 0.64) / 20) < 1e-12);
  const bad = calibration([0.95, 0.95, 0.95, 0.95], [0, 0, 0, 1]);
  assert.ok(Math.abs(bad.ece - 0.7) < 1e-12);
  assert.ok(Number.isNaN(calibration([], []).ece));
});
