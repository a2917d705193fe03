/** The visible USTC-TFC2016 folder, and a small seeded per-class sample of it for fast training in tests. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readUstcFolder, seededRandom, shuffle, subset, type SessionSet } from '../../src/ml/index.js';

export const USTC_DIR = join(
  process.cwd(),
  '..',
  'shared',
  'corpus',
  'ml',
  'ustc-tfc2016-20class-session-l7',
);
export const HAVE_USTC = existsSync(join(USTC_DIR, 'images-idx3-ubyte.gz'));
export const SKIP = HAVE_USTC ? false : `needs ${USTC_DIR} (../shared/corpus)`;

let cached: SessionSet | undefined;
export function ustc(): SessionSet {
  cached ??= readUstcFolder(USTC_DIR);
  return cached;
}

/** Two disjoint seeded samples, `train` and `test` sessions per class. */
export function ustcSplit(train: number, test: number, seed = 7): { train: SessionSet; test: SessionSet } {
  const s = ustc();
  const rows = shuffle(
    Array.from({ length: s.n }, (_, i) => i),
    seededRandom(seed),
  );
  const count = new Map<number, number>();
  const tr: number[] = [];
  const te: number[] = [];
  for (const r of rows) {
    const c = count.get(s.labels[r]) ?? 0;
    count.set(s.labels[r], c + 1);
    if (c < train) tr.push(r);
    else if (c < train + test) te.push(r);
  }
  return { train: subset(s, tr), test: subset(s, te) };
}
