/**
 * Scoring and fusing federated updates (A-85, A-87). Each update is scored on the known malicious traffic and the
 * benign reference (macro-F1 over the labelled reference sessions); its weight is that score above a floor,
 * squared, so a poisoned update (flipped labels) that scores near chance weighs next to nothing, and an update
 * whose parameters sit far from the others' (scaled weights) is given none. FedAvg then averages the parameters
 * with the weights the committed blocks carry.
 */
import type * as TF from '@tensorflow/tfjs';
import { Classifier } from './classifier.js';
import type { SessionSet } from './idx.js';
import { maskSet } from './mask.js';
import type { ModelManifest } from './model-file.js';
import { score } from './metrics.js';

export interface ScoredUpdate {
  f1: number;
  norm: number;
  weight: number;
}

function l2(params: readonly Float32Array[]): number {
  let s = 0;
  for (const p of params) for (const v of p) s += v * v;
  return Math.sqrt(s);
}

/** Weight of each update from its reference macro-F1 and parameter norm (`floor`: F1 worth nothing). */
export function scoreUpdates(
  tf: typeof TF,
  manifest: ModelManifest,
  updates: readonly Float32Array[][],
  reference: SessionSet,
  floor = 0.3,
): ScoredUpdate[] {
  const ref = maskSet(reference).set;
  const norms = updates.map(l2);
  const sorted = [...norms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return updates.map((params, i) => {
    const c = new Classifier(tf, manifest, params);
    const p = c.predict(ref.bytes, ref.n, ref.width);
    const f1 = score(ref.labels, p.cls, manifest.arch.classes).macroF1;
    const outlier = norms[i] > 3 * median || norms[i] < median / 3;
    const w = outlier ? 0 : Math.max(0, f1 - floor) ** 2;
    return { f1, norm: norms[i], weight: w };
  });
}

/** Weighted average of parameter sets (weights need not sum to 1; all zero is refused). */
export function fedAvg(
  updates: readonly { params: readonly Float32Array[]; weight: number }[],
): Float32Array[] {
  const total = updates.reduce((s, u) => s + u.weight, 0);
  if (!(total > 0)) throw new Error('FedAvg: every update has weight 0');
  const out = updates[0].params.map((p) => new Float32Array(p.length));
  for (const u of updates) {
    const w = u.weight / total;
    if (w === 0) continue;
    u.params.forEach((p, k) => {
      const o = out[k];
      for (let i = 0; i < p.length; i++) o[i] += w * p[i];
    });
  }
  return out;
}
