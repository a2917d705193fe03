/**
 * The federated appliances' local objective against label skew: logit adjustment by the share's own class prior,
 * and FedProx's proximal pull toward the round's global model (trainModel's `logitAdjust`, `proximalMu`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Classifier,
  DEFAULT_ARCH,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  buildModelFile,
  classLogPrior,
  maskSet,
  subset,
  tfReady,
  trainModel,
  type ModelMeta,
  type SessionSet,
} from '../../src/ml/index.js';
import { SKIP, ustcSplit } from './corpus.js';

const META: ModelMeta = {
  name: 'test',
  version: '0',
  classNames: USTC_CLASS_NAMES,
  maliciousClasses: USTC_MALICIOUS,
  training: {},
  metrics: {},
};

function distance(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let s = 0;
  a.forEach((p, k) => {
    for (let i = 0; i < p.length; i++) s += (p[i] - b[k][i]) ** 2;
  });
  return Math.sqrt(s);
}

test('classLogPrior is the add-one smoothed log frequency of each class', () => {
  const s: SessionSet = {
    n: 4,
    width: 1,
    bytes: new Uint8Array(4),
    labels: new Uint8Array([0, 0, 0, 2]),
    source: 'test',
  };
  const lp = classLogPrior(s, 3);
  const expected = [4 / 7, 1 / 7, 2 / 7];
  expected.forEach((p, c) => assert.ok(Math.abs(Math.exp(lp[c]) - p) < 1e-6, `class ${c}`));
});

test('on a balanced share the adjusted loss is the plain cross-entropy', { skip: SKIP }, async () => {
  const tf = await tfReady();
  // Equal counts per class: log π is one constant, which softmax ignores.
  const { train } = ustcSplit(6, 0, 3);
  const o = { arch: DEFAULT_ARCH, epochs: 1, seed: 2, labelSmoothing: 0.1 };
  const plain = await trainModel(tf, train, o);
  const adjusted = await trainModel(tf, train, { ...o, logitAdjust: 1 });
  plain.model.dispose();
  adjusted.model.dispose();
  assert.ok(
    Math.abs(plain.losses[0] - adjusted.losses[0]) < 1e-4,
    `${plain.losses[0]} vs ${adjusted.losses[0]}`,
  );
  assert.ok(distance(plain.params, adjusted.params) < 1e-3);
});

test('logit adjustment keeps a skewed share from predicting its majority class', { skip: SKIP }, async () => {
  const tf = await tfReady();
  const { train, test: held } = ustcSplit(40, 10, 5);
  // Class 0 keeps all 40 of its sessions; every other class 4.
  const seen = new Map<number, number>();
  const rows: number[] = [];
  for (let i = 0; i < train.n; i++) {
    const c = train.labels[i];
    const k = seen.get(c) ?? 0;
    seen.set(c, k + 1);
    if (c === 0 || k < 4) rows.push(i);
  }
  const skewed = subset(train, rows);
  const predictedMajority = async (logitAdjust: number): Promise<number> => {
    const r = await trainModel(tf, skewed, { arch: DEFAULT_ARCH, epochs: 6, seed: 1, logitAdjust });
    r.model.dispose();
    const file = buildModelFile(DEFAULT_ARCH, r.params, [], META);
    const c = new Classifier(tf, file.manifest, r.params);
    const m = maskSet(held).set;
    const cls = c.predict(m.bytes, m.n, m.width).cls;
    c.dispose();
    return cls.filter((v) => v === 0).length;
  };
  const plain = await predictedMajority(0);
  const adjusted = await predictedMajority(1);
  // The held-out set has 10 sessions of class 0 out of 200.
  assert.ok(adjusted < plain, `class 0 predicted ${adjusted} times adjusted, ${plain} times plain`);
});

test('the proximal term holds local training near its starting model', { skip: SKIP }, async () => {
  const tf = await tfReady();
  const { train } = ustcSplit(6, 0, 9);
  const start = await trainModel(tf, train, { arch: DEFAULT_ARCH, epochs: 1, seed: 4 });
  start.model.dispose();
  const o = { arch: DEFAULT_ARCH, epochs: 2, seed: 4, initial: start.params };
  const free = await trainModel(tf, train, o);
  const held = await trainModel(tf, train, { ...o, proximalMu: 100 });
  free.model.dispose();
  held.model.dispose();
  const dFree = distance(free.params, start.params);
  const dHeld = distance(held.params, start.params);
  assert.ok(dHeld < 0.6 * dFree, `moved ${dHeld} with μ 100, ${dFree} without`);
});
