/**
 * Group k-fold by capture (issue 15 §5): no capture is both training and test, every capture is judged once, and
 * the rate is what the fold models really call on unseen captures (it moves with the model; nothing is fixed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  captureCrossValidation,
  captureFold,
  DEFAULT_TRAIN,
  featurise,
  trainModel,
  type AddressSample,
  type IdentifyModel,
} from '../../src/identify/index.js';
import { allBlackModel, syntheticRequests } from './synthetic.js';

/** Synthetic addresses in 40 captures of 15: the first 600 requests' labels kept for training. */
function samples(): AddressSample[] {
  return syntheticRequests(600, 21, 0.15).map((r, i) => ({
    ip: r.req.ip,
    flows: r.req.traffic!.flows as AddressSample['flows'],
    y: r.y,
    family: 'synthetic',
    capture: 1000 + Math.floor(i / 15),
  }));
}

test('group k-fold by capture: no capture on both sides, every capture held out once', () => {
  const all = samples();
  const k = 5;
  const heldOutCaptures = new Set<number>();
  const r = captureCrossValidation(all, k, (training, fold) => {
    for (const s of training)
      assert.notEqual(captureFold(s.capture!, k), fold, `capture ${s.capture} leaked`);
    for (const s of all) if (captureFold(s.capture!, k) === fold) heldOutCaptures.add(s.capture!);
    return allBlackModel();
  });
  assert.equal(heldOutCaptures.size, 40);
  assert.equal(r.folds.length, k);
  assert.equal(
    r.folds.reduce((a, f) => a + f.heldOutCaptures, 0),
    40,
  );
  // An all-black model calls every held-out address black: the rate is counted, not assumed.
  assert.equal(r.black, r.addresses);
  assert.equal(r.blackRate, 1);
  assert.throws(() => captureCrossValidation(all, 1, () => allBlackModel()), /k ≥ 2/);
  assert.throws(
    () => captureCrossValidation([{ ...all[0], capture: undefined }], 3, () => allBlackModel()),
    /no capture id/,
  );
});

test('group k-fold by capture: the rate is the fold models’ own black calls on the captures they never saw', () => {
  const all = samples();
  const fit = (training: AddressSample[]): IdentifyModel => {
    const set = featurise(training, {});
    return trainModel(set, DEFAULT_TRAIN);
  };
  const r = captureCrossValidation(all, 4, fit);
  // Recount each fold independently with its model: the function's numbers must match.
  let black = 0;
  let benignBlack = 0;
  let benign = 0;
  for (let j = 0; j < 4; j++) {
    const training = all.filter((s) => captureFold(s.capture!, 4) !== j);
    const seen = new Set(training.map((s) => s.ip));
    const held = all.filter((s) => captureFold(s.capture!, 4) === j && !seen.has(s.ip));
    const m = fit(training);
    const set = featurise(held, {});
    for (let i = 0; i < set.n; i++) {
      const v = m.verdictOf(m.score(set.x, i * set.width).score);
      if (v === 'black') black++;
      if (held[i].y === 0) {
        benign++;
        if (v === 'black') benignBlack++;
      }
    }
  }
  assert.equal(r.black, black);
  // The synthetic abuse beacons are learnable: the folds catch a real share, and some overlap rows err.
  assert.ok(black > 0.05 * r.addresses, `${black} of ${r.addresses} black`);
  assert.ok(benignBlack < benign, `${benignBlack} of ${benign} benign black`);
});
