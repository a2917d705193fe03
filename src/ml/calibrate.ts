/**
 * Post-hoc per-class bias for macro-F1. The network is trained for likelihood; macro-F1 weighs every class alike,
 * so where two classes are confused (BitTorrent ↔ Outlook) the best split between them is not where the softmax
 * puts it. A bias b is added to each class's log-probability, chosen by coordinate ascent on macro-F1 over sessions
 * the model did not train on. One addition per class at inference.
 */
import { score } from './metrics.js';

export interface BiasFit {
  bias: Float32Array;
  /** macro-F1 on the fitting sessions with no bias and with the fitted one. */
  before: number;
  after: number;
}

/** Class ids for `probs` (n × classes) with `bias` added to every log-probability. */
export function biasedArgmax(probs: Float32Array, classes: number, bias?: ArrayLike<number>): Uint8Array {
  const n = probs.length / classes;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = Math.log(Math.max(probs[i * classes + c], 1e-30)) + (bias ? bias[c] : 0);
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * Coordinate ascent: each class's bias in turn takes the grid value (±range, `step` apart) that maximises macro-F1
 * with the others held, ties going to the value nearest zero; `rounds` passes. A change must gain more than
 * `minGain` to be taken, so noise-level wins on a small fitting set leave the bias at 0.
 */
export function fitClassBias(
  probs: Float32Array,
  labels: ArrayLike<number>,
  classes: number,
  o: { range?: number; step?: number; rounds?: number; minGain?: number } = {},
): BiasFit {
  const range = o.range ?? 2;
  const step = o.step ?? 0.1;
  const rounds = o.rounds ?? 3;
  const minGain = o.minGain ?? 0;
  const n = probs.length / classes;
  const logp = new Float32Array(probs.length);
  for (let i = 0; i < probs.length; i++) logp[i] = Math.log(Math.max(probs[i], 1e-30));
  const bias = new Float32Array(classes);
  const pred = new Uint8Array(n);
  const f1 = (): number => {
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestV = -Infinity;
      for (let c = 0; c < classes; c++) {
        const v = logp[i * classes + c] + bias[c];
        if (v > bestV) {
          bestV = v;
          best = c;
        }
      }
      pred[i] = best;
    }
    return score(labels, pred, classes).macroF1;
  };
  const before = f1();
  let current = before;
  const steps = Math.round(range / step);
  for (let r = 0; r < rounds; r++) {
    let moved = false;
    for (let c = 0; c < classes; c++) {
      const keep = bias[c];
      let bestB = keep;
      let bestF = current;
      for (let k = -steps; k <= steps; k++) {
        const b = k * step;
        if (b === keep) continue;
        bias[c] = b;
        const f = f1();
        const better = f > bestF + minGain || (Math.abs(f - bestF) < 1e-12 && Math.abs(b) < Math.abs(bestB));
        if (better) {
          bestF = f;
          bestB = b;
        }
      }
      bias[c] = bestB;
      if (bestB !== keep) moved = true;
      current = bestF;
    }
    if (!moved) break;
  }
  return { bias, before, after: current };
}
