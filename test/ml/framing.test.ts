/**
 * The framing side input and the logit adjustment of a model file: TLS framing keys from a session image, the
 * table's push towards the classes a key was seen with, the classifier applying a manifest's adjustment, A-2's
 * checks on it, and the macro-F1 bias fit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Classifier,
  DEFAULT_ARCH,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  biasedArgmax,
  buildFramingTable,
  buildModel,
  exportModel,
  fitClassBias,
  manifestHash,
  framingHistogram,
  framingKey,
  framingLogOdds,
  mergeFramingTables,
  score,
  serialiseModel,
  tfReady,
  verifyModel,
  ModelRejected,
  type ModelManifest,
} from '../../src/ml/index.js';

const W = 784;

/** A session image: TLS records of the given lengths (content type 0x17, version 3.3), filler bytes, zero-padded. */
function tlsRow(lengths: number[], total: number): Uint8Array {
  const row = new Uint8Array(W);
  let p = 0;
  for (const len of lengths) {
    if (p >= W) break;
    const head = [0x17, 3, 3, len >> 8, len & 0xff];
    for (let j = 0; j < 5 && p + j < W; j++) row[p + j] = head[j];
    for (let j = 5; j < 5 + len && p + j < Math.min(W, total); j++) row[p + j] = 0x80 | (j & 0x7f);
    p += 5 + len;
  }
  return row;
}

function rows(...rs: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(rs.length * W);
  rs.forEach((r, i) => out.set(r, i * W));
  return out;
}

test('framing key: record lengths walked from byte 0 and where the bytes end; null when byte 0 is no record', () => {
  const b = rows(
    tlsRow([61], 66),
    tlsRow([1400], 2000),
    tlsRow([87, 400, 123, 4], 631),
    new Uint8Array(W).fill(0x47),
  );
  assert.equal(framingKey(b, 0, W, W), '61/66');
  assert.equal(framingKey(b, 1, W, W), '1400/784');
  assert.equal(framingKey(b, 2, W, W), '87,400,123,4/631');
  assert.equal(framingKey(b, 3, W, W), null);
  // A header cut by the window's end is not walked into; the walk reads only the first `use` bytes.
  assert.equal(framingKey(b, 0, W, 4), null);
});

test('framing table: a key seen only with one class pushes towards it; unseen keys push nowhere', () => {
  const b = rows(tlsRow([61], 66), tlsRow([61], 66), tlsRow([1343], 2000), new Uint8Array(W).fill(0x47));
  const t = buildFramingTable({ n: 4, width: W, bytes: b, labels: Uint8Array.from([0, 0, 3, 7]) }, 20, W, 1);
  assert.deepEqual(Object.keys(t.counts).sort(), ['1343/784', '61/66']);
  assert.equal(t.counts['61/66'][0], 2);
  assert.equal(t.prior[7], 0.25);
  const lo = framingLogOdds(t);
  const v = lo.get('61/66');
  assert.ok(v && v[0] > 0 && v[3] < 0, 'towards class 0, away from 3');
  assert.equal(v[5], 0, 'a class the training set never held gets no push');
  assert.equal(lo.get('9/14'), undefined);
});

test('histograms summed: the table of the union, in any order; a histogram without its session count is refused', () => {
  const b = rows(
    tlsRow([61], 66),
    tlsRow([61], 66),
    tlsRow([1343], 2000),
    new Uint8Array(W).fill(0x47),
    tlsRow([61], 66),
    tlsRow([87, 400], 600),
  );
  const labels = Uint8Array.from([0, 0, 3, 7, 3, 19]);
  const part = (from: number, to: number): Parameters<typeof framingHistogram>[0] => ({
    n: to - from,
    width: W,
    bytes: b.subarray(from * W, to * W),
    labels: labels.subarray(from, to),
  });
  const union = buildFramingTable(part(0, 6), 20, W, 2);
  const a = framingHistogram(part(0, 2), 20, W);
  const c = framingHistogram(part(2, 6), 20, W);
  assert.equal(a.sessions, 2);
  assert.equal(a.weight, 0, 'a histogram is not a table to use on its own');
  const merged = mergeFramingTables([a, c], 2);
  assert.equal(merged.sessions, 6);
  assert.deepEqual(merged.counts, union.counts);
  assert.deepEqual(merged.counts['61/66'], [2, 0, 0, 1, ...new Array<number>(16).fill(0)]);
  assert.deepEqual(merged.prior, union.prior);
  assert.equal(merged.weight, 2);
  // The same bytes whichever histogram comes first.
  assert.equal(JSON.stringify(mergeFramingTables([c, a], 2)), JSON.stringify(merged));
  const { sessions: _n, ...bare } = a;
  assert.throws(() => mergeFramingTables([bare, c], 2), /without its session count/);
});

async function untrained(): Promise<{
  manifest: ModelManifest;
  params: Float32Array[];
  text: (m: ModelManifest) => string;
}> {
  const tf = await tfReady();
  const model = buildModel(tf, DEFAULT_ARCH, 11);
  const meta = {
    name: 'framing-test',
    version: '1.0.0',
    classNames: USTC_CLASS_NAMES,
    maliciousClasses: USTC_MALICIOUS,
    training: {},
    metrics: {},
  };
  const plain = exportModel(model, DEFAULT_ARCH, meta);
  model.dispose();
  const v = verifyModel(serialiseModel(plain));
  return {
    manifest: v.file.manifest,
    params: v.params,
    text: (m) => serialiseModel({ ...plain, manifest: m, sha256: manifestHash(m) }),
  };
}

test('a model file with a logit adjustment: the classifier applies it, A-2 checks it', async () => {
  const tf = await tfReady();
  const u = await untrained();
  const b = rows(tlsRow([61], 66), tlsRow([1400], 2000), new Uint8Array(W).fill(0x47));
  const plain = new Classifier(tf, u.manifest, u.params);
  const before = plain.predict(b, 3, W);
  plain.dispose();
  // A large bias towards class 12 moves every answer there; the framing table then moves key 61/66 to class 4.
  const classBias = new Array<number>(20).fill(0);
  classBias[12] = 15;
  const framing = buildFramingTable(
    { n: 2, width: W, bytes: rows(tlsRow([61], 66), tlsRow([61], 66)), labels: Uint8Array.from([4, 4]) },
    20,
    W,
    10,
    0.01,
  );
  // The table's prior is its own two sessions' (all class 4): give every class some, as a real training set does.
  framing.prior = new Array<number>(20).fill(0.05);
  const adjusted: ModelManifest = { ...u.manifest, logitAdjust: { classBias, framing } };
  const v = verifyModel(u.text(adjusted));
  const c = new Classifier(tf, v.file.manifest, v.params);
  const after = c.predict(b, 3, W);
  c.dispose();
  assert.notDeepEqual(Array.from(before.cls), [4, 12, 12]);
  assert.deepEqual(Array.from(after.cls), [4, 12, 12]);
  assert.ok(after.confidence[1] > 0.99 && after.confidence[1] <= 1);
  // Wrong lengths are refused by the syntax checker, naming the field.
  const short: ModelManifest = { ...u.manifest, logitAdjust: { classBias: [1, 2, 3] } };
  assert.throws(
    () => verifyModel(u.text(short)),
    (e: unknown) =>
      e instanceof ModelRejected && e.checker === 'syntax' && /classBias has 3 entries/.test(e.message),
  );
  // The adjustment is inside the manifest, so the model id covers it: changing it without re-hashing is refused.
  const text = u.text(adjusted).replace('"classBias":[0,', '"classBias":[1,');
  assert.throws(
    () => verifyModel(text),
    (e: unknown) => e instanceof ModelRejected && e.checker === 'hash',
  );
});

test('bias fit: a class the network under-calls gets a positive bias and macro-F1 rises', () => {
  // Three classes; class 2's sessions look like class 1's to the network, by a small margin.
  const n = 300;
  const probs = new Float32Array(n * 3);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % 3;
    labels[i] = cls;
    const p = cls === 0 ? [0.8, 0.1, 0.1] : cls === 1 ? [0.1, 0.6, 0.3] : [0.1, 0.5, 0.4];
    probs.set(p, i * 3);
  }
  const fit = fitClassBias(probs, labels, 3);
  assert.ok(fit.after > fit.before + 0.2, `${fit.before} → ${fit.after}`);
  assert.ok(fit.bias[2] - fit.bias[1] > Math.log(0.5 / 0.4), 'class 2 raised over class 1');
  assert.equal(score(labels, biasedArgmax(probs, 3, fit.bias), 3).macroF1, fit.after);
});
