/**
 * Five-fold CV of post-hoc per-class bias (src/ml/calibrate.ts) on top of a recipe. Per fold: model A trains on
 * four fifths of the fold's training part (stratified, seed 2) and the bias is fitted on A's answers for the last
 * fifth; model B trains on the whole training part (the plain CV's model, same seed) and the held-out fold is
 * scored with and without A's bias. The held-out fold is used for nothing but the score. Writes every model's
 * softmax outputs to `--dump FILE` (JSON) for offline analysis.
 * `node dist/bench/ml-calib.js [--recipe JSON] [--folds K] [--dump FILE]`
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import {
  Classifier,
  USTC_CLASS_NAMES,
  biasedArgmax,
  complement,
  exportModel,
  fitClassBias,
  formatScores,
  maskSet,
  readUstcFolder,
  score,
  stratifiedFolds,
  subset,
  tfReady,
  trainModel,
  type SessionSet,
  type TrainOptions,
} from '../src/ml/index.js';
import { BENCH_META, recipeWith } from './ml-fold.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const over = JSON.parse(opt('recipe') ?? '{}') as Parameters<typeof recipeWith>[0] & Partial<TrainOptions>;
const recipe = recipeWith(over);
const k = Number(opt('folds') ?? 5);
const dump = opt('dump');
const dir = join(process.cwd(), '..', 'shared', 'corpus', 'ml', 'ustc-tfc2016-20class-session-l7');
const C = recipe.arch.classes;

async function trainProbs(
  tf: typeof TF,
  train: SessionSet,
  sets: SessionSet[],
  seed: number,
): Promise<{ probs: Float32Array[]; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const r = await trainModel(tf, train, { ...over, ...recipe, seed });
  const cpu = process.cpuUsage(cpu0);
  const file = exportModel(r.model, recipe.arch, BENCH_META);
  r.model.dispose();
  const c = new Classifier(tf, file.manifest, r.params);
  const probs = sets.map((s) => {
    const m = maskSet(s).set;
    return c.probabilities(m.bytes, m.n, m.width);
  });
  c.dispose();
  return { probs, cpu: (cpu.user + cpu.system) / 1e6 };
}

const round = (a: Float32Array): number[] => Array.from(a, (v) => Math.round(v * 1e6) / 1e6);

const tf = await tfReady();
const set = readUstcFolder(dir);
const folds = stratifiedFolds(set.labels, k, 1);
const out: unknown[] = [];
interface FoldRun {
  held: SessionSet;
  train: SessionSet;
  bias: Float32Array;
  aHeld: Float32Array;
  dump: Record<string, unknown>;
}
const runs: FoldRun[] = [];
const aRows: { plain: number; biased: number }[] = [];
const truth: number[] = [];
const aPlainPred: number[] = [];
const aBiasedPred: number[] = [];
// Pass 1, every fold's model A and its bias: on a loaded machine this is the part that is sure to finish.
for (let i = 0; i < k; i++) {
  const trainIdx = complement(set.n, folds[i]);
  const train = subset(set, trainIdx);
  const held = subset(set, folds[i]);
  const inner = stratifiedFolds(train.labels, 5, 2);
  const innerVal = subset(train, inner[0]);
  const innerTrain = subset(train, complement(train.n, inner[0]));
  const a = await trainProbs(tf, innerTrain, [innerVal, held], 1 + i);
  const fit = fitClassBias(a.probs[0], innerVal.labels, C);
  const pa = biasedArgmax(a.probs[1], C);
  const pab = biasedArgmax(a.probs[1], C, fit.bias);
  const plain = score(held.labels, pa, C).macroF1;
  const biased = score(held.labels, pab, C).macroF1;
  aRows.push({ plain, biased });
  truth.push(...held.labels);
  aPlainPred.push(...pa);
  aBiasedPred.push(...pab);
  console.log(
    `fold ${i + 1}/${k} A (inner 4/5): ${plain.toFixed(4)} → biased ${biased.toFixed(4)}; inner fit ${fit.before.toFixed(4)} → ${fit.after.toFixed(4)}; training ${a.cpu.toFixed(0)} CPU-s; load ${loadavg()[0].toFixed(1)}`,
  );
  console.log(
    `  bias ${Array.from(fit.bias)
      .map((v, c) => (v ? `${USTC_CLASS_NAMES[c]} ${v.toFixed(1)}` : ''))
      .filter(Boolean)
      .join(', ')}`,
  );
  const d = {
    fold: i,
    held: folds[i],
    innerVal: inner[0].map((r) => trainIdx[r]),
    aVal: round(a.probs[0]),
    aHeld: round(a.probs[1]),
    bias: Array.from(fit.bias),
  };
  runs.push({ held, train, bias: fit.bias, aHeld: a.probs[1], dump: d });
  out.push(d);
  if (dump)
    writeFileSync(
      dump,
      JSON.stringify({ recipe: { ...over, ...recipe }, labels: Array.from(set.labels), folds: out }),
    );
}
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]): number => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const ms = (xs: number[]): string => `${mean(xs).toFixed(4)} ± ${sd(xs).toFixed(4)}`;
console.log(`recipe ${JSON.stringify({ ...over, ...recipe })}`);
console.log(`\nA, no bias, pooled:\n${formatScores(score(truth, aPlainPred, C), USTC_CLASS_NAMES)}`);
console.log(`A, with its bias, pooled:\n${formatScores(score(truth, aBiasedPred, C), USTC_CLASS_NAMES)}`);
console.log(
  `${k}-fold, model A: ${ms(aRows.map((r) => r.plain))} → biased ${ms(aRows.map((r) => r.biased))}, paired gain ${ms(aRows.map((r) => r.biased - r.plain))}`,
);
// Pass 2, model B (the whole training part, the plain CV's model) scored with and without A's bias.
const bRows: { plain: number; biased: number }[] = [];
for (let i = 0; i < k; i++) {
  const r = runs[i];
  const b = await trainProbs(tf, r.train, [r.held], 1 + i);
  const plain = score(r.held.labels, biasedArgmax(b.probs[0], C), C).macroF1;
  const biased = score(r.held.labels, biasedArgmax(b.probs[0], C, r.bias), C).macroF1;
  bRows.push({ plain, biased });
  console.log(
    `fold ${i + 1}/${k} B (whole training part): ${plain.toFixed(4)} → with A's bias ${biased.toFixed(4)}; training ${b.cpu.toFixed(0)} CPU-s; load ${loadavg()[0].toFixed(1)}`,
  );
  r.dump.bHeld = round(b.probs[0]);
  if (dump)
    writeFileSync(
      dump,
      JSON.stringify({ recipe: { ...over, ...recipe }, labels: Array.from(set.labels), folds: out }),
    );
}
console.log(
  `${k}-fold, model B: ${ms(bRows.map((r) => r.plain))} → with A's bias ${ms(bRows.map((r) => r.biased))}, paired gain ${ms(bRows.map((r) => r.biased - r.plain))}`,
);
