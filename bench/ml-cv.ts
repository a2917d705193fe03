/**
 * Five-fold stratified cross-validation of the payload CNN on a USTC-layout folder (default: the visible
 * USTC-TFC2016 set): per fold, train on four fifths, score the fifth; prints per-fold and mean macro-F1 and accuracy,
 * and training CPU time. `node dist/bench/ml-cv.js [DIR] [--epochs N] [--folds K] [--recipe JSON]`; the recipe
 * overrides the default one (ML_RECIPE) field by field, e.g. `{"labelSmoothing":0,"arch":{"embed":8}}`; other
 * training options (`shift`, `lrFloor`, `batchSize`) may be given there too. `--only-folds 4,5` runs those folds alone.
 */
import { join } from 'node:path';
import {
  USTC_CLASS_NAMES,
  complement,
  formatScores,
  readUstcFolder,
  score,
  stratifiedFolds,
  subset,
  tfReady,
  type TrainOptions,
} from '../src/ml/index.js';
import { recipeWith, trainAndScore } from './ml-fold.js';

const args = process.argv.slice(2);
const flag = (name: string, d: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const ri = args.indexOf('--recipe');
const over = (ri >= 0 ? JSON.parse(args[ri + 1]) : {}) as Parameters<typeof recipeWith>[0] &
  Partial<TrainOptions>;
const recipe = recipeWith(over);
const dir =
  args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ??
  join(process.cwd(), '..', 'shared', 'corpus', 'ml', 'ustc-tfc2016-20class-session-l7');
const epochs = flag('epochs', recipe.epochs);
const k = flag('folds', 5);
// `--only-folds 4,5`: run those folds alone (same split and seeds as the full run), to spread a CV over processes.
const oi = args.indexOf('--only-folds');
const only = oi >= 0 ? new Set(args[oi + 1].split(',').map((x) => Number(x) - 1)) : undefined;

const tf = await tfReady();
const set = readUstcFolder(dir);
const folds = stratifiedFolds(set.labels, k, 1);
const f1s: number[] = [];
const accs: number[] = [];
const truth: number[] = [];
const pred: number[] = [];
for (let i = 0; i < k; i++) {
  if (only !== undefined && !only.has(i)) continue;
  const train = subset(set, complement(set.n, folds[i]));
  const held = subset(set, folds[i]);
  const r = await trainAndScore(tf, train, held, { ...over, ...recipe, epochs, seed: 1 + i });
  const s = r.scores;
  f1s.push(s.macroF1);
  accs.push(s.accuracy);
  truth.push(...held.labels);
  pred.push(...r.predicted);
  console.log(
    `fold ${i + 1}/${k}: train ${train.n}, test ${held.n}, macro-F1 ${s.macroF1.toFixed(4)}, accuracy ${s.accuracy.toFixed(4)}, training ${r.cpuSeconds.toFixed(0)} CPU-s`,
  );
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]): number => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
console.log(`recipe ${JSON.stringify({ ...over, ...recipe, epochs })}`);
console.log(`\npooled over the ${only ? only.size : k} held-out folds:`);
console.log(formatScores(score(truth, pred, recipe.arch.classes), USTC_CLASS_NAMES));
console.log(
  `${only ? `folds ${[...only].map((i) => i + 1).join(',')} of ` : ''}${k}-fold CV (${epochs} epochs, ${set.n} sessions): macro-F1 ${mean(f1s).toFixed(4)} ± ${sd(f1s).toFixed(4)}, accuracy ${mean(accs).toFixed(4)}`,
);
