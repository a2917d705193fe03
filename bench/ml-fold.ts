/**
 * One fold of a payload-CNN experiment, shared by the CV bench (ml-cv.ts) and the exploration bench
 * (ml-explore.ts): train on one part, export the model file, classify the held-out part with the fused classifier
 * (what `moat ml eval` runs) and score it.
 */
import type * as TF from '@tensorflow/tfjs';
import {
  Classifier,
  buildFramingTable,
  ML_RECIPE,
  USTC_CLASS_NAMES,
  USTC_MALICIOUS,
  exportModel,
  maskSet,
  score,
  trainModel,
  type Arch,
  type ModelMeta,
  type Scores,
  type SessionSet,
  type TrainOptions,
  type TrainRecipe,
} from '../src/ml/index.js';

/** What a bench's model file says of itself: nothing is deployed from a bench. */
export const BENCH_META: ModelMeta = {
  name: 'bench',
  version: '0',
  classNames: USTC_CLASS_NAMES,
  maliciousClasses: USTC_MALICIOUS,
  training: {},
  metrics: {},
};

export interface FoldResult {
  scores: Scores;
  /** Predicted class per held-out session. */
  predicted: Uint8Array;
  /** Softmax outputs per held-out session (n × classes). */
  probs: Float32Array;
  /** Training CPU time, seconds. */
  cpuSeconds: number;
  parameters: number;
  losses: number[];
}

/** The default recipe with `over`'s fields (and its arch's fields) replacing the default's. */
export function recipeWith(over: Partial<Omit<TrainRecipe, 'arch'>> & { arch?: Partial<Arch> }): TrainRecipe {
  return { ...ML_RECIPE, ...over, arch: { ...ML_RECIPE.arch, ...over.arch } };
}

export async function trainAndScore(
  tf: typeof TF,
  train: SessionSet,
  held: SessionSet,
  options: TrainOptions & { framingWeight?: number },
): Promise<FoldResult> {
  const cpu0 = process.cpuUsage();
  const r = await trainModel(tf, train, options);
  const cpu = process.cpuUsage(cpu0);
  const fw = options.framingWeight ?? 0;
  const file = exportModel(r.model, options.arch, {
    ...BENCH_META,
    ...(fw > 0
      ? {
          logitAdjust: {
            framing: buildFramingTable(maskSet(train).set, options.arch.classes, options.arch.inputBytes, fw),
          },
        }
      : {}),
  });
  r.model.dispose();
  const c = new Classifier(tf, file.manifest, r.params);
  const m = maskSet(held).set;
  const p = c.predict(m.bytes, m.n, m.width);
  const probs = c.probabilities(m.bytes, m.n, m.width);
  c.dispose();
  return {
    scores: score(held.labels, p.cls, options.arch.classes),
    predicted: p.cls,
    probs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    parameters: r.params.reduce((a, b) => a + b.length, 0),
    losses: r.losses,
  };
}
