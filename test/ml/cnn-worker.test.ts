/**
 * The CNN on a worker thread (the gateway's live inspection hands it batches): its answers are the in-thread
 * classifier's for the same sessions, several batches may be in flight at once, and close() waits for them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Classifier,
  CnnWorker,
  DEFAULT_ARCH,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  exportModel,
  maskSet,
  serialiseModel,
  tfReady,
  trainModel,
  verifyModel,
} from '../../src/ml/index.js';
import { SKIP, ustcSplit } from './corpus.js';

test('the worker classifies as the in-thread classifier does', { skip: SKIP }, async (t) => {
  const tf = await tfReady();
  const { train, test: held } = ustcSplit(15, 6, 11);
  const r = await trainModel(tf, train, { arch: DEFAULT_ARCH, epochs: 2, seed: 5 });
  const file = exportModel(r.model, DEFAULT_ARCH, {
    name: 'worker-test',
    version: '1.0.0',
    classNames: USTC_CLASS_NAMES,
    maliciousClasses: USTC_MALICIOUS,
    training: { sessions: train.n },
    metrics: {},
  });
  const v = verifyModel(serialiseModel(file));
  const here = new Classifier(tf, v.file.manifest, v.params);
  const m = maskSet(held).set;
  const ref = here.predict(m.bytes, m.n, m.width);

  const worker = new CnnWorker(v.file.manifest, v.params);
  t.after(() => worker.close());
  await worker.ready();
  // Three batches posted before any answer: halves and the whole, each a copy (its memory moves to the worker).
  const half = Math.floor(m.n / 2);
  const rows = (from: number, to: number) => m.bytes.slice(from * m.width, to * m.width);
  const answers = await Promise.all([
    worker.predict(rows(0, half), half, m.width),
    worker.predict(rows(half, m.n), m.n - half, m.width),
    worker.predict(rows(0, m.n), m.n, m.width),
  ]);
  const joined = [...answers[0].cls, ...answers[1].cls];
  assert.deepEqual(joined, [...ref.cls]);
  assert.deepEqual([...answers[2].cls], [...ref.cls]);
  for (let i = 0; i < m.n; i++) assert.ok(Math.abs(answers[2].confidence[i] - ref.confidence[i]) < 1e-4);
  assert.equal(worker.isMalicious(USTC_MALICIOUS[0]), true);
  assert.equal(worker.pending, 0);

  const late = worker.predict(rows(0, m.n), m.n, m.width);
  await worker.close();
  assert.equal((await late).cls.length, m.n, 'close() waited for the batch in flight');
  await assert.rejects(worker.predict(rows(0, 1), 1, m.width), /closed/);
});
