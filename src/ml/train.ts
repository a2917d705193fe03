/**
 * Training on tfjs wasm: seeded shuffles, mini-batches through trainOnBatch so a caller can pause between batches
 * (the local trainer's load and night-window budget) and save a checkpoint after each epoch (resume after kill -9).
 */
import type * as TF from '@tensorflow/tfjs';
import { buildModel, checkArch, type Arch } from './arch.js';
import { seededRandom, shuffle } from './folds.js';
import { loadTfModel, modelParams } from './model-io.js';
import { maskSet } from './mask.js';
import type { SessionSet } from './idx.js';
import { ConfigError } from '../framework/errors.js';

export interface TrainOptions {
  arch: Arch;
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  /** Cosine decay of the learning rate over the epochs down to this fraction of it (1 = constant, the default). */
  lrFloor?: number;
  seed?: number;
  /**
   * Label smoothing ε: targets become 1 − ε + ε/C on the true class and ε/C elsewhere (0 = hard labels, the
   * default). Keeps the softmax from saturating on the many sessions that are easy, which is where this model
   * overfitted.
   */
  labelSmoothing?: number;
  /**
   * Stochastic weight averaging: the returned parameters are the mean of the parameters at the end of each of the
   * last `averageLast` epochs (0 or 1 = the last epoch's, the default), when the run has at least twice as many
   * epochs (otherwise none). Free at inference (one set of weights).
   */
  averageLast?: number;
  /**
   * Random-offset augmentation: with probability `shiftProb` (default 0.5) a training row loses a prefix of 1 to
   * `shift` bytes and is zero-padded at the end, as if its capture had begun that much later (0 = off, the default).
   * On the USTC set it hurts (macro-F1 −0.02 on an inner split, README): its TLS sessions start mid-stream but at a
   * record boundary, and the framing read from byte 0 is what the model uses. Kept for sets captured otherwise.
   */
  shift?: number;
  shiftProb?: number;
  /**
   * Logit adjustment by the training set's own class prior (federated clients on label-skewed shares): the loss is
   * the cross-entropy of softmax(z + τ·log π), π the share's class frequencies (add-one smoothed), while the model
   * itself still outputs softmax(z). A client then has no reason to push its home classes' logits up and its rare
   * classes' down, which each client would otherwise do toward a different prior (0 or absent = off).
   */
  logitAdjust?: number;
  /**
   * FedProx's proximal term μ/2·‖w − w₀‖² toward the starting parameters `initial`, applied as a decoupled step after
   * each Adam step (w −= lr·μ·(w − w₀), as AdamW decouples weight decay): Adam would rescale a proximal gradient
   * coordinate by coordinate and undo its pull (0 or absent = off).
   */
  proximalMu?: number;
  /** The running sum of the averaging window so far (a checkpoint's), when resuming inside that window. */
  averageState?: AverageState;
  /** Start from these parameters (resume, or a federated round's global model). */
  initial?: Float32Array[];
  /** Epochs already done (resume): the shuffles continue where they were. */
  startEpoch?: number;
  /** Awaited before every batch: the place to wait for load to drop or a night window to open. */
  beforeBatch?: () => Promise<void>;
  /** Adam's step count and moments to continue from (a checkpoint's), instead of fresh ones. */
  optimizerState?: OptimizerState;
  /** Called after every epoch with the parameters and the optimiser's state so far. */
  afterEpoch?: (
    epoch: number,
    params: Float32Array[],
    loss: number,
    /** Reads Adam's state out of the backend: only a caller that keeps it (a checkpoint) pays for that. */
    optimizer: () => Promise<OptimizerState>,
    /** The weight-averaging window's running sum, once the window has begun (for a checkpoint). */
    average?: AverageState,
  ) => void | Promise<void>;
}

/** Stochastic weight averaging's state: how many epochs' parameters are summed, and their sum. */
export interface AverageState {
  count: number;
  sum: Float64Array[];
}

/** Adam's state: the step count, then the first and second moments of every trainable weight, in order. */
export interface OptimizerState {
  iterations: number;
  moments: { shape: number[]; data: Float32Array }[];
}

async function saveOptimizer(opt: TF.AdamOptimizer): Promise<OptimizerState> {
  const named = await opt.getWeights();
  const iterations = (await named[0].tensor.data())[0];
  const moments = await Promise.all(
    named.slice(1).map(async (w) => ({
      shape: w.tensor.shape.map(Number),
      data: (await w.tensor.data()) as Float32Array,
    })),
  );
  return { iterations, moments };
}

/** Adam keeps its moments by position (the order of the trainable weights), which is all a restore needs. */
async function restoreOptimizer(tf: typeof TF, opt: TF.AdamOptimizer, s: OptimizerState): Promise<void> {
  await opt.setWeights([
    { name: 'iter', tensor: tf.scalar(s.iterations, 'int32') },
    ...s.moments.map((m, i) => ({ name: `moment${i}`, tensor: tf.tensor(m.data, m.shape) })),
  ]);
}

export interface Trained {
  model: TF.LayersModel;
  params: Float32Array[];
  specs: { name: string; shape: number[] }[];
  losses: number[];
}

/** The model input for a set: its first inputBytes bytes, headers masked, zero-padded; int32 byte ids. */
export function inputRows(s: SessionSet, inputBytes: number): Int32Array {
  const m = maskSet(s).set;
  const x = new Int32Array(s.n * inputBytes);
  const use = Math.min(s.width, inputBytes);
  for (let i = 0; i < s.n; i++)
    for (let j = 0; j < use; j++) x[i * inputBytes + j] = m.bytes[i * s.width + j];
  return x;
}

/** Cosine schedule: 1 at the first epoch, `floor` at the last. */
export function lrAt(epoch: number, epochs: number, floor: number): number {
  if (epochs <= 1) return 1;
  return floor + (1 - floor) * 0.5 * (1 + Math.cos((Math.PI * epoch) / (epochs - 1)));
}

/**
 * tfjs reads an optimizer's learning rate from a field at every step but exposes no setter for it; changing the
 * field keeps Adam's moments, which a new optimizer each epoch would throw away.
 */
function setLearningRate(opt: TF.AdamOptimizer, lr: number): void {
  (opt as unknown as { learningRate: number }).learningRate = lr;
}

function currentLr(opt: TF.AdamOptimizer): number {
  return (opt as unknown as { learningRate: number }).learningRate;
}

/** log π per class: the set's label frequencies, add-one smoothed so a class the share lacks stays finite. */
export function classLogPrior(s: SessionSet, classes: number): Float32Array {
  const counts = new Float64Array(classes).fill(1);
  for (let i = 0; i < s.n; i++) counts[s.labels[i]]++;
  const total = s.n + classes;
  return Float32Array.from(counts, (c) => Math.log(c / total));
}

/**
 * Cross-entropy of softmax(z + b) from the model's own softmax output p = softmax(z): softmax(z + b) = p·e^b / Σ p·e^b,
 * so −Σ y log q = −Σ y (log p + b) + log Σ p·e^b (Σ y = 1). p is clipped as tfjs's categorical cross-entropy clips it.
 */
function adjustedCrossEntropy(tf: typeof TF, y: TF.Tensor, p: TF.Tensor, logPrior: TF.Tensor): TF.Tensor {
  return tf.tidy(() => {
    const logP = tf.log(tf.clipByValue(p, 1e-7, 1 - 1e-7));
    const shifted = tf.add(logP, logPrior);
    return tf.sub(tf.logSumExp(shifted, -1), tf.sum(tf.mul(y, shifted), -1));
  });
}

/** FedProx's decoupled proximal step: every trainable weight moves `rate` of the way back toward its anchor. */
function proximalStep(tf: typeof TF, model: TF.LayersModel, anchors: TF.Tensor[], rate: number): void {
  tf.tidy(() => {
    model.trainableWeights.forEach((w, k) => {
      const v = w.read();
      w.write(tf.sub(v, tf.mul(tf.sub(v, anchors[k]), rate)));
    });
  });
}

export async function trainModel(tf: typeof TF, s: SessionSet, o: TrainOptions): Promise<Trained> {
  const bad = checkArch(o.arch);
  if (bad) throw new ConfigError(`model architecture: ${bad}`);
  if (s.n === 0) throw new ConfigError(`${s.source}: no sessions to train on`);
  const L = o.arch.inputBytes;
  const batch = o.batchSize ?? 64;
  const seed = o.seed ?? 1;
  // Same seed either way: the dropout masks of a resumed run are those of the run it continues.
  const model = o.initial ? loadTfModel(tf, o.arch, o.initial, seed) : buildModel(tf, o.arch, seed);
  const lr0 = o.learningRate ?? 0.003;
  const optimizer = tf.train.adam(lr0);
  const eps = o.labelSmoothing ?? 0;
  const C = o.arch.classes;
  const tau = o.logitAdjust ?? 0;
  // Soft (one-hot or smoothed) targets whenever the loss is not the plain sparse one.
  const dense = eps > 0 || tau > 0;
  const logPrior = tau > 0 ? tf.tensor1d(classLogPrior(s, C).map((v) => tau * v)) : undefined;
  model.compile({
    optimizer,
    loss: logPrior
      ? (y: TF.Tensor, p: TF.Tensor) => adjustedCrossEntropy(tf, y, p, logPrior)
      : dense
        ? 'categoricalCrossentropy'
        : 'sparseCategoricalCrossentropy',
  });
  const floor = o.lrFloor ?? 1;
  if (o.optimizerState && o.optimizerState.moments.length > 0)
    await restoreOptimizer(tf, optimizer, o.optimizerState);
  const x = inputRows(s, L);
  const rnd = seededRandom(seed * 7919);
  const order = Array.from({ length: s.n }, (_, i) => i);
  // Replay the shuffles of the epochs already done, so a resumed run sees the batches an unbroken one would.
  for (let e = 0; e < (o.startEpoch ?? 0); e++) shuffle(order, rnd);
  const losses: number[] = [];
  const xb = new Int32Array(batch * L);
  const yb = new Float32Array(dense ? batch * C : batch);
  const mu = o.proximalMu ?? 0;
  const anchors = mu > 0 && o.initial ? model.trainableWeights.map((w) => tf.keep(w.read().clone())) : [];
  // Averaging is for the plateau: a run shorter than twice the window is still descending in the window, and its
  // mean lags the last epoch's parameters (a 4-epoch quick run lost most of its confident answers to it).
  const averageLast = o.epochs >= 2 * (o.averageLast ?? 1) ? (o.averageLast ?? 1) : 1;
  let sum: Float64Array[] | undefined = o.averageState?.sum.map((a) => a.slice());
  let summed = o.averageState?.count ?? 0;
  const shift = Math.min(o.shift ?? 0, L - 1);
  const shiftProb = o.shiftProb ?? 0.5;
  for (let epoch = o.startEpoch ?? 0; epoch < o.epochs; epoch++) {
    shuffle(order, rnd);
    // Seeded per epoch, so a run resumed at an epoch draws the offsets an unbroken one would.
    const aug = seededRandom(seed * 104_729 + epoch * 7_919 + 17);
    if (floor !== 1) setLearningRate(optimizer, lr0 * lrAt(epoch, o.epochs, floor));
    let lossSum = 0;
    let batches = 0;
    for (let from = 0; from < s.n; from += batch) {
      if (o.beforeBatch) await o.beforeBatch();
      const count = Math.min(batch, s.n - from);
      for (let i = 0; i < count; i++) {
        const r = order[from + i];
        const drop = shift > 0 && aug() < shiftProb ? 1 + Math.floor(aug() * shift) : 0;
        xb.set(x.subarray(r * L + drop, (r + 1) * L), i * L);
        if (drop > 0) xb.fill(0, (i + 1) * L - drop, (i + 1) * L);
        if (dense) {
          yb.fill(eps / C, i * C, (i + 1) * C);
          yb[i * C + s.labels[r]] += 1 - eps;
        } else yb[i] = s.labels[r];
      }
      const xt = tf.tensor2d(xb.subarray(0, count * L), [count, L], 'int32');
      const yt = dense
        ? tf.tensor2d(yb.subarray(0, count * C), [count, C], 'float32')
        : tf.tensor1d(yb.subarray(0, count), 'float32');
      const loss = (await model.trainOnBatch(xt, yt)) as number;
      xt.dispose();
      yt.dispose();
      if (anchors.length > 0) proximalStep(tf, model, anchors, currentLr(optimizer) * mu);
      lossSum += loss;
      batches++;
    }
    losses.push(lossSum / Math.max(1, batches));
    if (averageLast > 1 && epoch >= o.epochs - averageLast) {
      const now = modelParams(model).arrays;
      sum ??= now.map((a) => new Float64Array(a.length));
      now.forEach((a, k) => {
        const acc = (sum as Float64Array[])[k];
        for (let j = 0; j < a.length; j++) acc[j] += a[j];
      });
      summed++;
    }
    if (o.afterEpoch)
      await o.afterEpoch(
        epoch,
        modelParams(model).arrays,
        losses[losses.length - 1],
        () => saveOptimizer(optimizer),
        sum ? { count: summed, sum } : undefined,
      );
  }
  for (const a of anchors) a.dispose();
  logPrior?.dispose();
  if (sum && summed > 1) {
    const n = summed;
    const mean = sum.map((acc) => Float32Array.from(acc, (v) => v / n));
    const shapes = model.weights.map((w) => w.shape.map(Number));
    const ts = mean.map((a, k) => tf.tensor(a, shapes[k]));
    model.setWeights(ts);
    for (const t of ts) t.dispose();
  }
  const { specs, arrays } = modelParams(model);
  return { model, params: arrays, specs, losses };
}
