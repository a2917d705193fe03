/**
 * The published model (B-2): a decision tree whose leaves carry calibrated probabilities, its readable
 * rules, and the two operating thresholds (black ≥ t_black, gray ≥ t_gray) chosen on calibration data.
 * Serialises to JSON for the model store; a model never changes once built (hot swap replaces it whole).
 */
import { FEATURE_NAMES } from './features.js';
import { exportRules, leafOf, leaves, type Rule, type TreeNode } from './tree.js';

export const MODEL_FORMAT = 'moat-identify-tree/1';

export interface ModelData {
  format: typeof MODEL_FORMAT;
  features: string[];
  tree: TreeNode;
  thresholds: { black: number; gray: number };
  trainedAt: string;
  /** Free-form training facts (params, data sizes, loop summary). */
  info: Record<string, unknown>;
}

export type Verdict = 'black' | 'gray' | 'clean';

export class IdentifyModel {
  readonly rules: Map<number, Rule>;

  constructor(readonly data: ModelData) {
    if (data.format !== MODEL_FORMAT)
      throw new Error(`model format '${String(data.format)}' is not ${MODEL_FORMAT}`);
    const want = FEATURE_NAMES.join(',');
    if (data.features.join(',') !== want)
      throw new Error('model was trained on a different feature list; retrain it with this moat version');
    this.rules = exportRules(data.tree);
  }

  static fromJson(text: string): IdentifyModel {
    return new IdentifyModel(JSON.parse(text) as ModelData);
  }

  toJson(): string {
    return JSON.stringify(this.data);
  }

  /** Calibrated probability and the leaf (rule) that produced it. */
  score(x: ArrayLike<number>, offset = 0): { score: number; leafId: number } {
    const leaf = leafOf(this.data.tree, x, offset);
    return { score: leaf.p, leafId: leaf.id };
  }

  verdictOf(score: number): Verdict {
    return score >= this.data.thresholds.black
      ? 'black'
      : score >= this.data.thresholds.gray
        ? 'gray'
        : 'clean';
  }

  /** The rules as an analyst reads them, most suspicious first. */
  describe(): string[] {
    return [...this.rules.values()]
      .sort((a, b) => b.score - a.score)
      .map((r) => {
        const v = this.verdictOf(r.score);
        return `${r.id}: IF ${r.when} THEN ${v} (p=${r.score.toFixed(3)}, n=${r.support})`;
      });
  }
}

/**
 * Calibration: each leaf's probability becomes the observed positive rate of held-aside calibration
 * samples in it, shrunk towards the training estimate with a prior weight of 2 samples (leaves the
 * calibration set barely reaches keep roughly their training rate). Unweighted: class weights used
 * for growing must not leak into probabilities.
 */
export function calibrateLeaves(
  tree: TreeNode,
  x: Float64Array,
  y: Uint8Array,
  width: number,
  idx: ArrayLike<number>,
  trainRate: Map<number, number>,
): void {
  const pos = new Map<number, number>();
  const tot = new Map<number, number>();
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    const leaf = leafOf(tree, x, i * width);
    tot.set(leaf.id, (tot.get(leaf.id) ?? 0) + 1);
    if (y[i]) pos.set(leaf.id, (pos.get(leaf.id) ?? 0) + 1);
  }
  for (const leaf of leaves(tree)) {
    const prior = trainRate.get(leaf.id) ?? leaf.p;
    leaf.p = ((pos.get(leaf.id) ?? 0) + 2 * prior) / ((tot.get(leaf.id) ?? 0) + 2);
  }
}
