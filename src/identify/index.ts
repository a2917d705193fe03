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
  IDENTIFY_SCHEMA,
  type Gates,
  type HeldOutMetrics,
  type PublishResult,
  type BenignReference,
  benignBlack,
  MAX_BENIGN_BLACK_RATE,
  SKIP_OOD_GATE,
} from './registry.js';
export { samplesFromEve } from './datasets/unlabelled-traffic.js';
export { IdentificationService, type IdentifyResponse, type ResponseVerdict } from './service.js';
export { specialScope } from './address-scope.js';
export {
  DEFAULT_LOOP,
  evaluate,
  featurise,
  type EvaluateOptions,
  type EvaluationReport,
} from './evaluate.js';
export type { GroupBy } from './split-groups.js';
export { loadUstcConversations, windowed, type AddressSample } from './datasets/ustc-conversations.js';
export {
  infrastructurePositives,
  isInfrastructure,
  FIRST_NON_SYSTEM_PORT,
  type InfrastructureSelection,
} from './datasets/infrastructure.js';
export { loadIpsumPu } from './datasets/ipsum-pu.js';
export { loadUnlabelledTraffic } from './datasets/unlabelled-traffic.js';
export {
  combineSources,
  sharedFeatures,
  SOURCE_BENIGN,
  SOURCE_IPSUM,
  SOURCE_USTC,
} from './datasets/combined.js';
export { isPublicAddress } from './datasets/unlabelled-traffic.js';
export { fastBatchOk, fastRequestOk } from './fast-validate.js';
export { captureCrossValidation, captureFold, type CaptureCvResult, type FoldResult } from './capture-cv.js';
