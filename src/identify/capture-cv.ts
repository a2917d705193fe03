/**
 * Group k-fold by capture (issue 15 §5): how often a training recipe calls black the public addresses of benign
 * captures it never saw. Each capture (its samples share `capture`) lands in exactly one fold; fold j's model is
 * fit without any of fold j's captures, and judged on fold j's addresses that no training capture holds. The
 * out-of-distribution gate's single split is one draw of this; the folds give a rate over every capture.
 */
import type { AddressSample } from './datasets/ustc-conversations.js';
import { featurise } from './evaluate.js';
import type { IdentifyModel } from './model.js';
import { groupFraction } from './train.js';

export interface FoldResult {
  fold: number;
  trainingCaptures: number;
  heldOutCaptures: number;
  /** Held-out public addresses (those no training capture holds). */
  addresses: number;
  black: number;
  gray: number;
}

export interface CaptureCvResult {
  k: number;
  folds: FoldResult[];
  addresses: number;
  black: number;
  gray: number;
  /** black / addresses over all folds. */
  blackRate: number;
}

/** The fold of a capture: a stable hash, so one capture is always in one fold whatever else is in the set. */
export function captureFold(capture: number, k: number): number {
  return Math.min(k - 1, Math.floor(groupFraction(capture, 515) * k));
}

/**
 * Runs `fit` k times, each time on the samples of the other folds' captures, and counts the verdicts on the
 * held-out fold. Samples without `capture` are refused: a sample with no capture cannot be kept on one side.
 */
export function captureCrossValidation(
  benign: readonly AddressSample[],
  k: number,
  fit: (training: AddressSample[], fold: number) => IdentifyModel,
): CaptureCvResult {
  if (!(k >= 2)) throw new RangeError(`group k-fold needs k ≥ 2, got ${k}`);
  const foldOf = benign.map((s) => {
    if (s.capture === undefined) throw new RangeError(`sample ${s.ip} has no capture id`);
    return captureFold(s.capture, k);
  });
  const folds: FoldResult[] = [];
  for (let j = 0; j < k; j++) {
    const training = benign.filter((_, i) => foldOf[i] !== j);
    const seen = new Set(training.map((s) => s.ip));
    const heldOut = benign.filter((s, i) => foldOf[i] === j && !seen.has(s.ip));
    const model = fit(training, j);
    const set = featurise(heldOut, {});
    let black = 0;
    let gray = 0;
    for (let i = 0; i < set.n; i++) {
      const v = model.verdictOf(model.score(set.x, i * set.width).score);
      if (v === 'black') black++;
      else if (v === 'gray') gray++;
    }
    folds.push({
      fold: j,
      trainingCaptures: new Set(training.map((s) => s.capture)).size,
      heldOutCaptures: new Set(benign.filter((_, i) => foldOf[i] === j).map((s) => s.capture)).size,
      addresses: set.n,
      black,
      gray,
    });
  }
  const addresses = folds.reduce((a, f) => a + f.addresses, 0);
  const black = folds.reduce((a, f) => a + f.black, 0);
  const gray = folds.reduce((a, f) => a + f.gray, 0);
  return { k, folds, addresses, black, gray, blackRate: addresses ? black / addresses : 0 };
}
