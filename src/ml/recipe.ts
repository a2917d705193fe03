/**
 * The default training recipe: what `moat ml train` and the benches use unless told otherwise. Chosen by 5-fold
 * cross-validation on the visible USTC set (README, "macro-F1"), not on one fold: the fold-to-fold spread (±0.011)
 * is larger than most single changes' gains. 12 epochs with the mean of the last 5 beat 8 with the last 3 in every
 * fold (+0.005, session 9); the framing table at weight 2 (the smallest of the plateau on an inner split: 2, 3, 4
 * and 6 scored alike) added +0.014 ± 0.003 on top, in each of the 5 CV folds (README, session 10).
 */
import { DEFAULT_ARCH, type Arch } from './arch.js';
import { buildFramingTable } from './framing.js';
import { maskSet } from './mask.js';
import type { SessionSet } from './idx.js';
import type { ModelMeta } from './model-io.js';

export interface TrainRecipe {
  arch: Arch;
  epochs: number;
  learningRate: number;
  labelSmoothing: number;
  averageLast: number;
  /**
   * Weight of the framing side input (./framing.ts) against the network's log-probabilities; 0 = no framing table
   * in the model file.
   */
  framingWeight: number;
}

export const ML_RECIPE: TrainRecipe = {
  arch: DEFAULT_ARCH,
  epochs: 12,
  learningRate: 0.003,
  labelSmoothing: 0.1,
  averageLast: 5,
  framingWeight: 2,
};

/** The model file's logit adjustment for a model trained on `set` under the recipe: the framing table, if any. */
export function framingAdjust(
  set: SessionSet,
  arch: Arch,
  weight = ML_RECIPE.framingWeight,
): Pick<ModelMeta, 'logitAdjust'> {
  if (weight <= 0) return {};
  return {
    logitAdjust: { framing: buildFramingTable(maskSet(set).set, arch.classes, arch.inputBytes, weight) },
  };
}
