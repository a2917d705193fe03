/** Spec B identification: features, rule-readable model, self-training loop, model store, service. */
export * from './flow-record.js';
export * from './features.js';
export { growTree, exportRules, leafOf, type TreeNode, type TreeParams, type Rule } from './tree.js';
export * from './metrics.js';
export { IdentifyModel, MODEL_FORMAT, type ModelData, type Verdict } from './model.js';
export {
  trainModel,
  DEFAULT_TRAIN,
  groupFraction,
  subset,
  type LabelledSet,
  type TrainParams,
} from './train.js';
export {
  runSelfTrainingLoop,
  objective,
  type LoopParams,
  type LoopResult,
  type IterationLog,
} from './loop.js';
export {
  ModelRegistry,
  IDENTIFY_MIGRATIONS,
  type Gates,
  type HeldOutMetrics,
  type PublishResult,
} from './registry.js';
export { IdentificationService, type IdentifyResponse } from './service.js';
