/** Seeded shuffles and stratified k-fold splits (each fold keeps every class's share). */

/** mulberry32: small, fast, good enough to shuffle training batches reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
