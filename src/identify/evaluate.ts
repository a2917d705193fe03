/**
 * Honest evaluation (B-4 realisation notes): samples are split by neighbourhood (/24, /48 for IPv6) so
 * neighbours never straddle train and test; the test part is never seen by training, calibration,
 * threshold choice or the loop. From the training part a seed-validation slice scores the loop's
 * iterations; of the rest only `labelledShare` keeps its labels, the others are the unlabelled pool
 * the self-training step may pseudo-label. Reported on test: precision at coverage 0.5 and 0.8, coverage
 * at precision 0.95, PR-AUC, and the operating point at the model's black threshold — for the initial
 * model (no self-training) and the loop's best.
 */
import { computeFeatures, FEATURE_COUNT, type FeatureContext } from './features.js';
import { runSelfTrainingLoop, type IterationLog, type LoopParams } from './loop.js';
import {
  calibration,
  confusionAt,
  coverageAtPrecision,
  prAuc,
  prCurve,
  precisionAtCoverage,
} from './metrics.js';
import type { IdentifyModel } from './model.js';
import { DEFAULT_TRAIN, groupFraction, subset, trainModel, type LabelledSet } from './train.js';
import type { AddressSample } from './datasets/ustc-conversations.js';
import { neighbourhoodGroup, splitGroup, type GroupBy } from './split-groups.js';

export const DEFAULT_LOOP: LoopParams = {
  maxIterations: 5,
  kappa: 0.3,
  confidence: 0.95,
  alpha: 0.5,
  bootstrap: 200,
  pseudoWeight: 0.5,
  seed: 1,
  train: DEFAULT_TRAIN,
};

export { neighbourhoodGroup };

export interface FeaturiseOptions {
  /** Split groups by /24 (default) or by AS (needs ctx.geo; /24 when the AS is unknown). */
  groupBy?: GroupBy;
}

/**
 * Feature vectors, labels and split groups. Samples marked `addressFeatures: false` (anonymised
 * addresses) get traffic features only and are always grouped by /24.
 */
export function featurise(
  samples: (AddressSample & { addressFeatures?: boolean })[],
  ctx: FeatureContext,
  opts: FeaturiseOptions = {},
): LabelledSet {
  const n = samples.length;
  const x = new Float64Array(n * FEATURE_COUNT);
  const y = new Uint8Array(n);
  const w = new Float64Array(n).fill(1);
  const group = new Uint32Array(n);
  samples.forEach((s, i) => {
    const real = s.addressFeatures !== false;
    computeFeatures(
      s.ip,
      s.flows,
      undefined,
      undefined,
      real ? ctx : {},
      x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT),
    );
    y[i] = s.y;
    group[i] = s.capture ?? splitGroup(s.ip, opts.groupBy ?? '24', ctx.geo, real);
  });
  return { x, y, w, group, n, width: FEATURE_COUNT };
}

export interface SplitSets {
  labelled: LabelledSet;
  unlabelled: LabelledSet;
  validation: LabelledSet;
  test: LabelledSet;
  /** Index in the full set of each test sample, for per-source slices. */
  testIndex: number[];
  /** Unlabelled-only samples left out because their neighbourhood is on the test or validation side. */
  unlabelledDropped: number;
}

export interface SplitOptions {
  testShare: number;
  validationShare: number;
  labelledShare: number;
  testMask?: Uint8Array;
  /** 1 = the sample has no label (unlabelled traffic): it may only join the unlabelled pool. */
  unlabelledOnly?: Uint8Array;
}

export function splitForEvaluation(all: LabelledSet, opts: SplitOptions): SplitSets {
  const test: number[] = [];
  const val: number[] = [];
  const lab: number[] = [];
  const unl: number[] = [];
  let unlabelledDropped = 0;
  for (let i = 0; i < all.n; i++) {
    const g = all.group[i];
    const side = (opts.testMask ? opts.testMask[i] === 1 : groupFraction(g, 101) < opts.testShare)
      ? test
      : groupFraction(g, 202) < opts.validationShare
        ? val
        : groupFraction(g, 303) < opts.labelledShare
          ? lab
          : unl;
    if (opts.unlabelledOnly?.[i]) {
      // Unlabelled traffic next to a test or validation seed would carry its neighbourhood across.
      if (side === test || side === val) unlabelledDropped++;
      else unl.push(i);
    } else side.push(i);
  }
  return {
    labelled: subset(all, lab),
    unlabelled: subset(all, unl),
    validation: subset(all, val),
    test: subset(all, test),
    testIndex: test,
    unlabelledDropped,
  };
}

export interface TestMetrics {
  precisionAtCoverage50: number;
  precisionAtCoverage80: number;
  coverageAtPrecision95: number;
  prAuc: number;
  /** At the model's own black threshold. */
  precision: number;
  coverage: number;
  positives: number;
  negatives: number;
  /** Is the score a probability? Expected calibration error (10 bins) and Brier score on test. */
  ece: number;
  brier: number;
}

export function testMetrics(model: IdentifyModel, test: LabelledSet): TestMetrics {
  const s = new Float64Array(test.n);
  for (let i = 0; i < test.n; i++) s[i] = model.score(test.x, i * test.width).score;
  const curve = prCurve(s, test.y);
  const op = confusionAt(s, test.y, model.data.thresholds.black);
  let pos = 0;
  for (let i = 0; i < test.n; i++) pos += test.y[i];
  return {
    precisionAtCoverage50: precisionAtCoverage(curve, 0.5),
    precisionAtCoverage80: precisionAtCoverage(curve, 0.8),
    coverageAtPrecision95: coverageAtPrecision(curve, 0.95).recall,
    prAuc: prAuc(curve),
    precision: op.precision,
    coverage: op.recall,
    positives: pos,
    negatives: test.n - pos,
    ...calibration(s, test.y),
  };
}

export interface SliceReport {
  name: string;
  withoutSelfTraining: TestMetrics;
  withSelfTraining: TestMetrics;
}

export interface EvaluationReport {
  dataset: string;
  sizes: {
    labelled: number;
    unlabelled: number;
    validation: number;
    test: number;
    unlabelledDropped: number;
  };
  withoutSelfTraining: TestMetrics;
  withSelfTraining: TestMetrics;
  /** The same two models scored on the test samples of each source. */
  slices: SliceReport[];
  iterations: IterationLog[];
  bestIteration: number;
  stoppedBy: string;
  best: IdentifyModel;
  /**
   * With `finalFit`: the model to publish — refit on every labelled row outside the test split (training and
   * validation) when self-training did not win; the self-trained scheme when it did. Its test metrics beside.
   */
  final?: IdentifyModel;
  withFinal?: TestMetrics;
}

export interface EvaluateOptions {
  testShare?: number;
  validationShare?: number;
  labelledShare?: number;
  /** Fixed held-out samples (e.g. unseen families) instead of the /24 test split. */
  testMask?: Uint8Array;
  unlabelledOnly?: Uint8Array;
  slices?: { name: string; mask: Uint8Array }[];
  loop?: Partial<LoopParams>;
  /** Fit the model to publish on every labelled row outside the test split (see EvaluationReport.final). */
  finalFit?: boolean;
  /** The features the tree may split on (default: all); see sharedFeatures. */
  features?: number[];
}

/** Two sets as one (the rows of `a`, then those of `b`). */
function concat(a: LabelledSet, b: LabelledSet): LabelledSet {
  const n = a.n + b.n;
  const x = new Float64Array(n * a.width);
  x.set(a.x.subarray(0, a.n * a.width));
  x.set(b.x.subarray(0, b.n * b.width), a.n * a.width);
  const y = new Uint8Array(n);
  y.set(a.y);
  y.set(b.y, a.n);
  const w = new Float64Array(n);
  w.set(a.w);
  w.set(b.w, a.n);
  const group = new Uint32Array(n);
  group.set(a.group);
  group.set(b.group, a.n);
  const out: LabelledSet = { x, y, w, group, n, width: a.width };
  if (a.realBenign || b.realBenign) {
    out.realBenign = new Uint8Array(n);
    if (a.realBenign) out.realBenign.set(a.realBenign);
    if (b.realBenign) out.realBenign.set(b.realBenign, a.n);
  }
  return out;
}

export function evaluate(
  name: string,
  all: LabelledSet,
  opts: EvaluateOptions = {},
  onIteration?: (it: IterationLog) => void,
): EvaluationReport {
  const sets = splitForEvaluation(all, {
    testShare: opts.testShare ?? 0.3,
    validationShare: opts.validationShare ?? 0.25,
    labelledShare: opts.labelledShare ?? 0.3,
    ...(opts.testMask ? { testMask: opts.testMask } : {}),
    ...(opts.unlabelledOnly ? { unlabelledOnly: opts.unlabelledOnly } : {}),
  });
  const base: LoopParams = { ...DEFAULT_LOOP, ...opts.loop };
  const params: LoopParams = opts.features
    ? { ...base, train: { ...base.train, tree: { ...base.train.tree, features: opts.features } } }
    : base;
  const r = runSelfTrainingLoop(sets.labelled, sets.unlabelled, sets.validation, params, onIteration);
  const slices = (opts.slices ?? []).map((sl) => {
    const part = subset(
      sets.test,
      sets.testIndex.flatMap((i, k) => (sl.mask[i] ? [k] : [])),
    );
    return {
      name: sl.name,
      withoutSelfTraining: testMetrics(r.initial, part),
      withSelfTraining: testMetrics(r.best, part),
    };
  });
  let final: IdentifyModel | undefined;
  if (opts.finalFit)
    final =
      r.bestIteration > 0
        ? r.best
        : trainModel(concat(sets.labelled, sets.validation), params.train, {
            final: 'labelled + validation',
          });
  return {
    ...(final ? { final, withFinal: testMetrics(final, sets.test) } : {}),
    dataset: name,
    sizes: {
      labelled: sets.labelled.n,
      unlabelled: sets.unlabelled.n,
      validation: sets.validation.n,
      test: sets.test.n,
      unlabelledDropped: sets.unlabelledDropped,
    },
    withoutSelfTraining: testMetrics(r.initial, sets.test),
    withSelfTraining: testMetrics(r.best, sets.test),
    slices,
    iterations: r.iterations,
    bestIteration: r.bestIteration,
    stoppedBy: r.stoppedBy,
    best: r.best,
  };
}
