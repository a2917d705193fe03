/**
 * One training run of the model (one iteration of the B-5 loop): class-balanced tree growing on part of the
 * labelled data, leaf calibration and threshold choice on the rest (split by neighbourhood group so a /24
 * never sits on both sides).
 */
import { FEATURE_NAMES } from './features.js';
import { calibrateLeaves, IdentifyModel, MODEL_FORMAT } from './model.js';
import { coverageAtPrecision, prCurve } from './metrics.js';
import { growTree, leafOf, leaves, type TrainingSet, type TreeNode, type TreeParams } from './tree.js';

export interface LabelledSet extends TrainingSet {
  /** Neighbourhood group per sample (/24 or ASN), for splits that keep neighbours together. */
  group: Uint32Array;
  /**
   * 1 = real benign traffic (public addresses of benign captures): the black threshold is set so that at most
   * `maxBenignBlack` of these rows are black — the deployment's negatives are internet traffic, not a data set's.
   */
  realBenign?: Uint8Array;
}

export interface TrainParams {
  tree: TreeParams;
  /** Target precision for the black threshold (B-4 accuracy threshold). */
  targetPrecision: number;
  /** Precision that makes a score 'gray'. */
  grayPrecision: number;
  /** Share of groups held aside for calibration. */
  calibrationShare: number;
  /** At most this share of the realBenign rows may be black (the out-of-distribution gate's 1%). */
  maxBenignBlack?: number;
  /**
   * At most this share of the realBenign rows may be gray or black (default 5%): a gray band that holds half of
   * real benign traffic tells an analyst nothing.
   */
  maxBenignGray?: number;
}

export const DEFAULT_TRAIN: TrainParams = {
  tree: { maxDepth: 6, minLeaf: 5, maxBins: 32 },
  targetPrecision: 0.95,
  grayPrecision: 0.6,
  calibrationShare: 0.3,
};

/** Deterministic hash of a group id into [0, 1): the same group always lands on the same side. */
export function groupFraction(group: number, salt: number): number {
  let h = (group ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 4294967296;
}

export function subset(set: LabelledSet, idx: ArrayLike<number>): LabelledSet {
  const n = idx.length;
  const x = new Float64Array(n * set.width);
  const y = new Uint8Array(n);
  const w = new Float64Array(n);
  const group = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    x.set(set.x.subarray(i * set.width, (i + 1) * set.width), k * set.width);
    y[k] = set.y[i];
    w[k] = set.w[i];
    group[k] = set.group[i];
  }
  const out: LabelledSet = { x, y, w, group, n, width: set.width };
  if (set.realBenign) out.realBenign = Uint8Array.from(idx as ArrayLike<number>, (i) => set.realBenign![i]);
  return out;
}

/**
 * The lowest black threshold that leaves at most `maxShare` of the real benign rows black (0 without any): one
 * above the (k+1)-th highest of their scores, k = ⌊maxShare·n⌋.
 */
function benignFloor(tree: TreeNode, data: LabelledSet, rows: readonly number[], maxShare: number): number {
  if (!data.realBenign) return 0;
  const scores: number[] = [];
  for (const i of rows) if (data.realBenign[i]) scores.push(leafOf(tree, data.x, i * data.width).p);
  if (scores.length === 0) return 0;
  scores.sort((a, b) => b - a);
  const k = Math.floor(maxShare * scores.length);
  return k >= scores.length ? 0 : scores[k] + 1e-9;
}

export function trainModel(
  data: LabelledSet,
  params: TrainParams,
  info: Record<string, unknown> = {},
): IdentifyModel {
  const fit: number[] = [];
  const cal: number[] = [];
  for (let i = 0; i < data.n; i++)
    (groupFraction(data.group[i], 7) < params.calibrationShare ? cal : fit).push(i);
  // Too few calibration samples of a class: calibrate on the training data itself (optimistic, noted).
  const calPos = cal.filter((i) => data.y[i]).length;
  const calibrateOnFit = calPos < 5 || cal.length - calPos < 5;
  const fitIdx = calibrateOnFit ? [...Array(data.n).keys()] : fit;
  const fitSet = subset(data, fitIdx);
  let wPos = 0;
  let wNeg = 0;
  for (let i = 0; i < fitSet.n; i++) {
    if (fitSet.y[i]) wPos += fitSet.w[i];
    else wNeg += fitSet.w[i];
  }
  // Class balance: each class carries half the total weight, so rare positives still shape the splits.
  const total = wPos + wNeg;
  for (let i = 0; i < fitSet.n; i++)
    fitSet.w[i] *= fitSet.y[i] ? total / (2 * (wPos || 1)) : total / (2 * (wNeg || 1));
  const tree = growTree(fitSet, params.tree);
  // Unweighted training rate per leaf as the calibration prior.
  const trainPos = new Map<number, number>();
  const trainTot = new Map<number, number>();
  for (let i = 0; i < fitSet.n; i++) {
    const id = leafOf(tree, fitSet.x, i * fitSet.width).id;
    trainTot.set(id, (trainTot.get(id) ?? 0) + 1);
    if (fitSet.y[i]) trainPos.set(id, (trainPos.get(id) ?? 0) + 1);
  }
  const rate = new Map<number, number>();
  for (const l of leaves(tree))
    rate.set(l.id, ((trainPos.get(l.id) ?? 0) + 0.5) / ((trainTot.get(l.id) ?? 0) + 1));
  const calIdx = calibrateOnFit ? fitIdx : cal;
  calibrateLeaves(tree, data.x, data.y, data.width, calIdx, rate);
  const scores = new Float64Array(calIdx.length);
  const labels = new Uint8Array(calIdx.length);
  calIdx.forEach((i, k) => {
    scores[k] = leafOf(tree, data.x, i * data.width).p;
    labels[k] = data.y[i];
  });
  const curve = prCurve(scores, labels);
  const black = coverageAtPrecision(curve, params.targetPrecision);
  const gray = coverageAtPrecision(curve, params.grayPrecision);
  // No threshold reaches the target precision: only the purest leaf can be black (the gates will judge).
  let tBlack = black.recall > 0 ? black.threshold : (curve[0]?.threshold ?? 1);
  // The bound is read on real benign rows the tree never grew on (whole captures held aside with the
  // calibration groups): on its own training rows a tree is optimistic, and the gate judges unseen captures.
  const spared = benignFloor(tree, data, calIdx, params.maxBenignBlack ?? 0.01);
  const benignCapped = spared > tBlack;
  if (benignCapped) tBlack = spared;
  const graySpared = benignFloor(tree, data, calIdx, params.maxBenignGray ?? 0.05);
  const tGray = Math.min(Math.max(gray.recall > 0 ? gray.threshold : tBlack, graySpared), tBlack);
  return new IdentifyModel({
    format: MODEL_FORMAT,
    features: [...FEATURE_NAMES],
    tree,
    thresholds: { black: tBlack, gray: tGray },
    trainedAt: new Date().toISOString(),
    info: {
      ...info,
      samples: data.n,
      calibration: calibrateOnFit ? 'on-training-data' : calIdx.length,
      ...(benignCapped ? { blackThresholdRaisedForRealBenign: spared } : {}),
      ...(graySpared > (gray.recall > 0 ? gray.threshold : tBlack)
        ? { grayThresholdRaisedForRealBenign: graySpared }
        : {}),
    },
  });
}
