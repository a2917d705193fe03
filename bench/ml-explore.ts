/**
 * Exploration for the payload CNN: trains variants (recipe and architecture overrides, augmentation, schedule) on
 * the training part of one stratified fold and scores the held-out fold; prints macro-F1 and the largest confusions.
 * With `--inner`, the fold's training part is itself split (stratified, one fifth held out) and the fold's own
 * held-out part is not touched, so variants can be chosen without looking at any CV test fold's answers.
 * `node dist/bench/ml-explore.js --fold 0 [--inner] --variants '[{"name":"x","epochs":8,"arch":{...}}]'`.
 */
import { join } from 'node:path';
import {
  USTC_CLASS_NAMES,
  complement,
  readUstcFolder,
  stratifiedFolds,
  subset,
  tfReady,
  type TrainOptions,
} from '../src/ml/index.js';
import { recipeWith, trainAndScore } from './ml-fold.js';

type Variant = { name: string } & Parameters<typeof recipeWith>[0] & Partial<Omit<TrainOptions, 'arch'>>;

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const dir = join(process.cwd(), '..', 'shared', 'corpus', 'ml', 'ustc-tfc2016-20class-session-l7');
const fold = Number(opt('fold') ?? 0);
const variants = JSON.parse(opt('variants') ?? '[]') as Variant[];

const tf = await tfReady();
const set = readUstcFolder(dir);
const folds = stratifiedFolds(set.labels, 5, 1);
let train = subset(set, complement(set.n, folds[fold]));
let held = subset(set, folds[fold]);
if (args.includes('--inner')) {
  const inner = stratifiedFolds(train.labels, 5, 2);
  held = subset(train, inner[0]);
  train = subset(train, complement(train.n, inner[0]));
}
console.log(
  `fold ${fold}${args.includes('--inner') ? ' (inner split of its training part)' : ''}: train ${train.n}, test ${held.n}`,
);
for (const v of variants) {
  const recipe = recipeWith(v);
  const r = await trainAndScore(tf, train, held, { ...v, ...recipe, seed: 1 + fold });
  const s = r.scores;
  const pairs: string[] = [];
  s.confusion.forEach((row, t) =>
    row.forEach((n, q) => {
      if (t !== q && n >= 3) pairs.push(`${USTC_CLASS_NAMES[t]}→${USTC_CLASS_NAMES[q]} ${n}`);
    }),
  );
  console.log(
    `${v.name}: macro-F1 ${s.macroF1.toFixed(4)} acc ${s.accuracy.toFixed(4)} params ${r.parameters} train ${r.cpuSeconds.toFixed(0)} CPU-s loss ${r.losses.map((l) => l.toFixed(3)).join(' ')}`,
  );
  console.log(`  confusions: ${pairs.join(', ')}`);
  console.log(
    `  worst F1: ${[...s.perClass]
      .sort((a, b) => a.f1 - b.f1)
      .slice(0, 6)
      .map((x) => `${USTC_CLASS_NAMES[x.cls]} ${x.f1.toFixed(3)}`)
      .join(', ')}`,
  );
}
