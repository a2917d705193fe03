/**
 * The CNN trained on wasm from a small seeded sample of the corpus: it learns (held-out macro-F1 far above chance),
 * the fused inference path gives the tfjs model's answers, and the model format refuses any altered byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  Classifier,
  DEFAULT_ARCH,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  buildModel,
  exportModel,
  inputRows,
  maskSet,
  score,
  serialiseModel,
  signModel,
  tfReady,
  trainModel,
  verifyModel,
  type ModelFile,
} from '../../src/ml/index.js';
import { SKIP, ustcSplit } from './corpus.js';
import type { Tensor } from '@tensorflow/tfjs';

function keys(): { priv: string; pub: string } {
  const k = generateKeyPairSync('ed25519');
  return {
    priv: k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    pub: k.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

let trained: { file: ModelFile; agree: number; macroF1: number } | undefined;

async function small(): Promise<NonNullable<typeof trained>> {
  if (trained) return trained;
  const tf = await tfReady();
  const { train, test: held } = ustcSplit(40, 15);
  const r = await trainModel(tf, train, { arch: DEFAULT_ARCH, epochs: 4, seed: 3 });
  const file = exportModel(r.model, DEFAULT_ARCH, {
    name: 'test',
    version: '1.0.0',
    classNames: USTC_CLASS_NAMES,
    maliciousClasses: USTC_MALICIOUS,
    training: { sessions: train.n },
    metrics: {},
  });
  const v = verifyModel(serialiseModel(file));
  const c = new Classifier(tf, v.file.manifest, v.params, 64);
  const m = maskSet(held).set;
  const p = c.predict(m.bytes, m.n, m.width);
  const x = tf.tensor2d(inputRows(held, DEFAULT_ARCH.inputBytes), [held.n, DEFAULT_ARCH.inputBytes], 'int32');
  const out = r.model.predict(x) as Tensor;
  const ref = out.argMax(-1).dataSync();
  x.dispose();
  out.dispose();
  let agree = 0;
  for (let i = 0; i < held.n; i++) if (ref[i] === p.cls[i]) agree++;
  trained = { file, agree: agree / held.n, macroF1: score(held.labels, p.cls, 20).macroF1 };
  return trained;
}

test('trains on wasm and learns: held-out macro-F1 well above chance', { skip: SKIP }, async () => {
  const t = await small();
  // 40 sessions a class, 4 epochs: far from the full model, far above the 0.05 of guessing.
  assert.ok(t.macroF1 > 0.5, `macro-F1 ${t.macroF1}`);
  assert.ok(t.file.manifest.paramBytes < 5 * 1024 * 1024);
});

test('the fused batched inference answers as the tfjs model does', { skip: SKIP }, async () => {
  const t = await small();
  assert.ok(t.agree >= 0.99, `agreement ${t.agree}`);
});

test('a signed model verifies; one changed byte anywhere is refused', { skip: SKIP }, async () => {
  const t = await small();
  const k = keys();
  const signed = signModel(t.file, k.priv);
  const text = serialiseModel(signed);
  assert.equal(verifyModel(text, { trustedKeys: [k.pub] }).file.sha256, signed.sha256);

  const params = Buffer.from(signed.params, 'base64');
  params[1000] ^= 1;
  assert.throws(
    () => verifyModel({ ...signed, params: params.toString('base64') }, { trustedKeys: [k.pub] }),
    /hash checker.*parameters SHA-256/,
  );
  assert.throws(
    () =>
      verifyModel(
        { ...signed, manifest: { ...signed.manifest, maliciousClasses: [10] } },
        { trustedKeys: [k.pub] },
      ),
    /hash checker.*manifest was altered/,
  );
  const sig = Buffer.from(signed.signature?.value ?? '', 'base64');
  sig[5] ^= 1;
  assert.throws(
    () =>
      verifyModel(
        { ...signed, signature: { keyId: signed.signature?.keyId ?? '', value: sig.toString('base64') } },
        { trustedKeys: [k.pub] },
      ),
    /signature does not verify/,
  );
  assert.throws(() => verifyModel(text, { trustedKeys: [keys().pub] }), /not trusted/);
  assert.throws(() => verifyModel(serialiseModel(t.file), { trustedKeys: [k.pub] }), /not signed/);
  assert.throws(() => verifyModel(text, { installedVersion: '1.2' }), /version checker.*older/);
  assert.throws(() => verifyModel(text.slice(0, 500)), /format checker/);
});

test(
  'a model file of the earlier architecture (embedding 8, conv1 kernel 4) still loads and classifies',
  { skip: SKIP },
  async () => {
    const tf = await tfReady();
    // The default before the overlapping first convolution: model files carry their architecture, so files written
    // then must verify and run as they did (the fused first layer takes any kernel width).
    const old = { ...DEFAULT_ARCH, embed: 8, conv1: { filters: 24, kernel: 4, stride: 4 } };
    const model = buildModel(tf, old, 11);
    const file = exportModel(model, old, {
      name: 'old',
      version: '1.0.0',
      classNames: USTC_CLASS_NAMES,
      maliciousClasses: USTC_MALICIOUS,
      training: {},
      metrics: {},
    });
    const v = verifyModel(serialiseModel(file));
    assert.deepEqual(v.file.manifest.arch, old);
    const { test: held } = ustcSplit(0, 5);
    const m = maskSet(held).set;
    const p = new Classifier(tf, v.file.manifest, v.params, 32).predict(m.bytes, m.n, m.width);
    const x = tf.tensor2d(inputRows(held, old.inputBytes), [held.n, old.inputBytes], 'int32');
    const out = model.predict(x) as Tensor;
    const probs = out.dataSync();
    x.dispose();
    out.dispose();
    model.dispose();
    for (let i = 0; i < held.n; i++) {
      const ref = probs[i * old.classes + p.cls[i]];
      assert.ok(Math.abs(ref - p.confidence[i]) < 1e-4, `session ${i}: ${p.confidence[i]} vs tfjs ${ref}`);
      for (let c = 0; c < old.classes; c++) assert.ok(probs[i * old.classes + c] <= ref + 1e-5);
    }
  },
);
