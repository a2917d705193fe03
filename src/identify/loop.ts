/**
 * The B-5 iterative identification loop with self-training:
 *
 * S1  parameters and a maximum iteration count (LoopParams).
 * S2  train a scheme (model) and score its precision P_k ("accuracy") and recall C_k ("coverage") on seed
 *     validation data; the maximum estimate (B-6) is J_k = α·C_k/CGmax + (1−α)·P_k/WGmax, both normalised
 *     by their best values so far; the best-matching scheme is the iteration with the highest J.
 * S3  evaluation condition (B-7): a paired bootstrap over the validation seeds estimates
 *     Pr[J_k > J_0]; when it reaches the configured confidence the improvement is significant → S6.
 * S4  semi-supervised step (B-8): the learning factor B(k+1) = (P_k/WGmax)·(C_k/CGmax) and the
 *     adjustment coefficient κ give the confidence margin m = κ·B(k+1); unlabelled samples scoring
 *     ≥ 1 − m become pseudo-positives, ≤ m pseudo-negatives (weight `pseudoWeight`). A scheme far from
 *     the historical bests gets a narrow margin, so a regressing model adds few labels.
 * S5  k += 1; below the maximum, back to S2.
 * S6  the best scheme is returned with every iteration's log.
 */
import { confusionAt } from './metrics.js';
import type { IdentifyModel } from './model.js';
import { trainModel, type LabelledSet, type TrainParams } from './train.js';
import { mulberry32 } from '../framework/index.js';

export interface LoopParams {
  maxIterations: number;
  /** κ, the adjustment coefficient of B-8. */
  kappa: number;
  /** Confidence for the B-7 significance test. */
  confidence: number;
  /** α, the weight of coverage in the objective (1 − α for precision). */
  alpha: number;
  bootstrap: number;
  pseudoWeight: number;
  /**
   * At most this share of the labelled set's size is pseudo-labelled per iteration, split between the
   * classes by the labelled class prior, most confident first (the rest stay in the pool for later
   * iterations). Undefined: every sample beyond the margin is taken at once.
   */
  pseudoCap?: number;
  seed: number;
  train: TrainParams;
}

export interface IterationLog {
  k: number;
  precision: number;
  recall: number;
  objective: number;
  /** Iteration 0's objective under the current normalisers. */
  objective0: number;
  /** Bootstrap estimate of Pr[J_k > J_0] (B-7); null at k = 0. */
  probImproved: number | null;
  cgMax: number;
  wgMax: number;
  margin: number;
  pseudoPositive: number;
  pseudoNegative: number;
  unlabelledLeft: number;
  blackThreshold: number;
}

export interface LoopResult {
  best: IdentifyModel;
  /** Iteration 0's scheme: the model without any self-training. */
  initial: IdentifyModel;
  bestIteration: number;
  iterations: IterationLog[];
  stoppedBy: 'significant-improvement' | 'max-iterations' | 'no-unlabelled-data';
}

function scoreAll(model: IdentifyModel, x: Float64Array, n: number, width: number): Float64Array {
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) s[i] = model.score(x, i * width).score;
  return s;
}

export function objective(p: number, c: number, wgMax: number, cgMax: number, alpha: number): number {
  return alpha * (cgMax > 0 ? c / cgMax : 0) + (1 - alpha) * (wgMax > 0 ? p / wgMax : 0);
}

export function runSelfTrainingLoop(
  labelled: LabelledSet,
  unlabelled: { x: Float64Array; n: number; group: Uint32Array },
  validation: LabelledSet,
  params: LoopParams,
  onIteration: (log: IterationLog) => void = () => {},
): LoopResult {
  const width = labelled.width;
  const random = mulberry32(params.seed);
  const iterations: IterationLog[] = [];
  const models: IdentifyModel[] = [];
  const valScores: Float64Array[] = [];
  let wgMax = 0;
  let cgMax = 0;
  // Pseudo-labelled additions accumulate across iterations; an unlabelled sample is labelled at most once.
  const remaining = new Set<number>([...Array(unlabelled.n).keys()]);
  const pseudoIdx: number[] = [];
  const pseudoY: number[] = [];
  let current = labelled;
  let stoppedBy: LoopResult['stoppedBy'] = 'max-iterations';
  let margin = 0;
  let added = { pos: 0, neg: 0 };
  // Bootstrap resamples of the validation set, fixed for the whole run so comparisons are paired.
  const resamples: Uint32Array[] = [];
  for (let b = 0; b < params.bootstrap; b++) {
    const r = new Uint32Array(validation.n);
    for (let i = 0; i < validation.n; i++) r[i] = Math.floor(random() * validation.n);
    resamples.push(r);
  }
  for (let k = 0; k < params.maxIterations; k++) {
    const model = trainModel(current, params.train, { iteration: k });
    models.push(model);
    const vs = scoreAll(model, validation.x, validation.n, width);
    valScores.push(vs);
    const m = confusionAt(vs, validation.y, model.data.thresholds.black);
    wgMax = Math.max(wgMax, m.precision);
    cgMax = Math.max(cgMax, m.recall);
    const p0 = confusionAt(valScores[0], validation.y, models[0].data.thresholds.black);
    const jk = objective(m.precision, m.recall, wgMax, cgMax, params.alpha);
    const j0 = objective(p0.precision, p0.recall, wgMax, cgMax, params.alpha);
    let probImproved: number | null = null;
    if (k > 0) {
      let better = 0;
      for (const r of resamples) {
        const a = confusionAt(vs, validation.y, model.data.thresholds.black, r);
        const b = confusionAt(valScores[0], validation.y, models[0].data.thresholds.black, r);
        if (
          objective(a.precision, a.recall, wgMax, cgMax, params.alpha) >
          objective(b.precision, b.recall, wgMax, cgMax, params.alpha)
        )
          better++;
      }
      probImproved = resamples.length > 0 ? better / resamples.length : 0;
    }
    const log: IterationLog = {
      k,
      precision: m.precision,
      recall: m.recall,
      objective: jk,
      objective0: j0,
      probImproved,
      cgMax,
      wgMax,
      margin,
      pseudoPositive: added.pos,
      pseudoNegative: added.neg,
      unlabelledLeft: remaining.size,
      blackThreshold: model.data.thresholds.black,
    };
    iterations.push(log);
    onIteration(log);
    if (probImproved !== null && probImproved >= params.confidence) {
      stoppedBy = 'significant-improvement';
      break;
    }
    if (k === params.maxIterations - 1) break;
    if (remaining.size === 0) {
      stoppedBy = 'no-unlabelled-data';
      break;
    }
    // S4 (B-8): margin from κ and the learning factor B(k+1).
    const learningFactor = (wgMax > 0 ? m.precision / wgMax : 0) * (cgMax > 0 ? m.recall / cgMax : 0);
    margin = params.kappa * learningFactor;
    added = { pos: 0, neg: 0 };
    const pos: { i: number; s: number }[] = [];
    const neg: { i: number; s: number }[] = [];
    for (const i of remaining) {
      const s = model.score(unlabelled.x, i * width).score;
      if (s >= 1 - margin) pos.push({ i, s });
      else if (s <= margin) neg.push({ i, s });
    }
    if (params.pseudoCap !== undefined) {
      // Self-training that swallows the pool in one step drifts towards its own mistakes; a few of the
      // most confident per step, in the seeds' class ratio, keeps the pseudo-labels from outvoting them.
      const total = Math.max(2, Math.floor(params.pseudoCap * labelled.n));
      let lp = 0;
      for (let i = 0; i < labelled.n; i++) lp += labelled.y[i];
      const posQuota = Math.max(1, Math.round((total * lp) / Math.max(1, labelled.n)));
      pos.sort((a, b) => b.s - a.s || a.i - b.i).splice(posQuota);
      neg.sort((a, b) => a.s - b.s || a.i - b.i).splice(Math.max(1, total - posQuota));
    }
    for (const [list, label] of [
      [pos, 1],
      [neg, 0],
    ] as const)
      for (const { i } of list) {
        pseudoIdx.push(i);
        pseudoY.push(label);
        remaining.delete(i);
        if (label) added.pos++;
        else added.neg++;
      }
    current = withPseudoLabels(labelled, unlabelled, pseudoIdx, pseudoY, params.pseudoWeight);
  }
  // S6: the best-matching scheme under the final normalisers — but self-training is off unless it wins:
  // a self-trained scheme is chosen only when its win over iteration 0 on held-out validation data is
  // significant (probImproved ≥ confidence); otherwise the model without self-training is the result.
  let bestIteration = 0;
  let bestJ = -Infinity;
  iterations.forEach((it, k) => {
    if (k > 0 && !(it.probImproved !== null && it.probImproved >= params.confidence)) return;
    const j = objective(it.precision, it.recall, wgMax, cgMax, params.alpha);
    if (j > bestJ + 1e-12) {
      bestJ = j;
      bestIteration = k;
    }
  });
  return { best: models[bestIteration], initial: models[0], bestIteration, iterations, stoppedBy };
}

function withPseudoLabels(
  labelled: LabelledSet,
  unlabelled: { x: Float64Array; group: Uint32Array },
  idx: number[],
  y: number[],
  weight: number,
): LabelledSet {
  const width = labelled.width;
  const n = labelled.n + idx.length;
  const x = new Float64Array(n * width);
  x.set(labelled.x.subarray(0, labelled.n * width));
  const yy = new Uint8Array(n);
  yy.set(labelled.y);
  const w = new Float64Array(n);
  w.set(labelled.w);
  const group = new Uint32Array(n);
  group.set(labelled.group);
  idx.forEach((i, k) => {
    const j = labelled.n + k;
    x.set(unlabelled.x.subarray(i * width, (i + 1) * width), j * width);
    yy[j] = y[k];
    w[j] = weight;
    group[j] = unlabelled.group[i];
  });
  const out: LabelledSet = { x, y: yy, w, group, n, width };
  if (labelled.realBenign) {
    out.realBenign = new Uint8Array(n);
    out.realBenign.set(labelled.realBenign);
  }
  return out;
}
