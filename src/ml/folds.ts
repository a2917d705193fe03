/** Seeded shuffles and stratified k-fold splits (each fold keeps every class's share). */
import { mulberry32 } from '../framework/index.js';

/** The framework's mulberry32, under the name the training code uses: batches shuffle the same way every run. */
export const seededRandom = mulberry32;

export function shuffle<T>(xs: T[], rnd: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = xs[i];
    xs[i] = xs[j];
    xs[j] = t;
  }
  return xs;
}

/** Row indices of each of k folds, stratified by label. */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed: number): number[][] {
  const rnd = seededRandom(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    let rows = byClass.get(l);
    if (!rows) byClass.set(l, (rows = []));
    rows.push(i);
  }
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    for (const r of shuffle(byClass.get(cls) ?? [], rnd)) folds[next++ % k].push(r);
  }
  return folds.map((f) => f.sort((a, b) => a - b));
}

/** Every row not in `fold`. */
export function complement(n: number, fold: readonly number[]): number[] {
  const out = new Uint8Array(n);
  for (const r of fold) out[r] = 1;
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (!out[i]) rest.push(i);
  return rest;
}
