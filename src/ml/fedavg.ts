/**
 * Scoring and fusing federated updates (A-85, A-87). Each update is scored on the known malicious traffic and the
 * benign reference (macro-F1 over the labelled reference sessions); its weight is its score above a bar (half the
 * round's median score, at least a floor near chance), squared, so a poisoned update (flipped labels) that scores
 * far below its peers weighs next to nothing, and an update whose change sits far from the others' in norm (scaled
 * weights) is given none. FedAvg then averages the parameters
 * with the weights the committed blocks carry.
 */
import type * as TF from '@tensorflow/tfjs';
import { Classifier } from './classifier.js';
import { mergeFramingTables, type FramingTable } from './framing.js';
import type { SessionSet } from './idx.js';
import { maskSet } from './mask.js';
import type { Fusion } from './ledger.js';
import type { ModelManifest } from './model-file.js';
import { score } from './metrics.js';
import { ML_RECIPE } from './recipe.js';

export interface ScoredUpdate {
  f1: number;
  norm: number;
  weight: number;
}

/** L2 norm of the parameters, or of their change from `base` (the round's global model) when given. */
function l2(params: readonly Float32Array[], base?: readonly Float32Array[]): number {
  let s = 0;
  params.forEach((p, k) => {
    const b = base?.[k];
    for (let i = 0; i < p.length; i++) {
      const v = b ? p[i] - b[i] : p[i];
      s += v * v;
    }
  });
  return Math.sqrt(s);
}

/**
 * Weight of each update from its reference macro-F1 and norm (`floor`: F1 worth nothing). With `base`, the norm is
 * that of the update's change from the global model it started from: a client scaling its change stands out more
 * clearly there than in the parameters' own norm.
 */
export function scoreUpdates(
  tf: typeof TF,
  manifest: ModelManifest,
  updates: readonly Float32Array[][],
  reference: SessionSet,
  floor = 0.05,
  base?: readonly Float32Array[],
): ScoredUpdate[] {
  const ref = maskSet(reference).set;
  const norms = updates.map((u) => l2(u, base));
  const sorted = [...norms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const scored = updates.map((params, i) => {
    const c = new Classifier(tf, manifest, params);
    const p = c.predict(ref.bytes, ref.n, ref.width);
    c.dispose();
    const f1 = score(ref.labels, p.cls, manifest.arch.classes).macroF1;
    return { f1, norm: norms[i], outlier: norms[i] > 3 * median || norms[i] < median / 3 };
  });
  // The bar is relative to the round: half the median update's F1 (early rounds from a random model all score
  // low, and must still count), never below `floor`.
  const f1s = scored.map((s) => s.f1).sort((a, b) => a - b);
  const bar = Math.max(floor, f1s[Math.floor(f1s.length / 2)] / 2);
  return scored.map((s) => ({
    f1: s.f1,
    norm: s.norm,
    weight: s.outlier ? 0 : Math.max(0, s.f1 - bar) ** 2,
  }));
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

/**
 * The next global model from a round's weighted updates, as the round's blocks say (server and appliances run this
 * same code, so the result is the same to the bit). `global` is the round's global model, `previous` the round
 * before's (undefined in round 0: no momentum yet). Without a fusion rule: the weighted FedAvg, or `global` itself
 * when every weight is 0. FedAvgM: g + serverLr·(avg − g) + momentum·(g − previous), avg being `global` when every
 * weight is 0.
 */
export function fuseRound(
  updates: readonly { params: readonly Float32Array[]; weight: number }[],
  global: readonly Float32Array[],
  previous: readonly Float32Array[] | undefined,
  fusion: Fusion | undefined,
): Float32Array[] {
  const any = updates.some((u) => u.weight > 0);
  if (!fusion) return any ? fedAvg(updates) : global.map((p) => Float32Array.from(p));
  const avg = any ? fedAvg(updates) : global;
  const { serverLr: lr, momentum: beta } = fusion;
  return global.map((g, k) => {
    const a = avg[k];
    const q = previous?.[k];
    const out = new Float32Array(g.length);
    for (let i = 0; i < g.length; i++) out[i] = g[i] + lr * (a[i] - g[i]) + (q ? beta * (g[i] - q[i]) : 0);
    return out;
  });
}

/** How many earlier globals (rounds into−1, into−2, …) `fuseInto` needs for the fusion into round `into`. */
export function globalsNeeded(into: number, fusion: Fusion | undefined): number {
  if (!fusion) return Math.min(1, into);
  const base = Math.min(2, into);
  return averagesInto(into, fusion) ? Math.max(base, windowOf(into, fusion) - 1) : base;
}

/** Models in the final average: the iterate and the globals before it, never round 0's (the untrained start). */
function windowOf(into: number, fusion: Fusion): number {
  return Math.min(fusion.averageLast ?? 1, into);
}

function averagesInto(into: number, fusion: Fusion): boolean {
  return (fusion.averageLast ?? 1) > 1 && fusion.rounds === into;
}

/**
 * Round `into`'s global model from round into−1's weighted updates, as the blocks' rule says. `recent` holds the
 * verified globals of rounds into−1, into−2, … (at least `globalsNeeded` of them). With `averageLast` k and
 * `into` the run's last round, the result is the mean of the FedAvgM iterate and the k−1 globals before it (fewer
 * when the run is shorter: round 0's random initial model is never in it), summed in float64 in a fixed order so
 * every appliance gets the same bits.
 */
export function fuseInto(
  updates: readonly { params: readonly Float32Array[]; weight: number }[],
  recent: readonly (readonly Float32Array[])[],
  into: number,
  fusion: Fusion | undefined,
): Float32Array[] {
  if (recent.length < globalsNeeded(into, fusion))
    throw new Error(
      `fusion into round ${into}: ${recent.length} earlier globals, needs ${globalsNeeded(into, fusion)}`,
    );
  const x = fuseRound(updates, recent[0], into >= 2 ? recent[1] : undefined, fusion);
  if (!fusion || !averagesInto(into, fusion)) return x;
  const window = [x, ...recent.slice(0, windowOf(into, fusion) - 1)];
  return x.map((p, k) => {
    const out = new Float32Array(p.length);
    for (let i = 0; i < p.length; i++) {
      let s = 0;
      for (const m of window) s += m[k][i];
      out[i] = s / window.length;
    }
    return out;
  });
}

/**
 * The framing table of the global model fused from a round's updates: the histograms of the updates the blocks
 * kept (weight > 0) summed, at the recipe's weight; undefined when no kept update carries one. A poisoned
 * appliance's histogram goes out with its update. Server and appliances run this same code on the ledger's updates.
 */
export function fuseFraming(
  updates: readonly { framing: FramingTable | undefined; weight: number }[],
): FramingTable | undefined {
  const kept = updates.filter((u) => u.weight > 0 && u.framing).map((u) => u.framing as FramingTable);
  return kept.length > 0 ? mergeFramingTables(kept, ML_RECIPE.framingWeight) : undefined;
}
