/** The public surface of ml/: the payload CNN, its model format and registry, training and federated learning. */
export { tfReady } from './backend.js';
export {
  readUstcFolder,
  writeUstcFolder,
  subset,
  parseIdxImages,
  parseIdxLabels,
  type SessionSet,
} from './idx.js';
export { maskHeaders, maskSet } from './mask.js';
export { DEFAULT_ARCH, archSchema, buildModel, checkArch, type Arch } from './arch.js';
export { ML_RECIPE, framingAdjust, type TrainRecipe } from './recipe.js';
export {
  canonicalJson,
  manifestHash,
  modelFileSchema,
  serialiseModel,
  sha256Hex,
  type ModelFile,
  type ModelManifest,
} from './model-file.js';
export {
  ModelRejected,
  buildModelFile,
  exportModel,
  keyIdOf,
  loadTfModel,
  modelParams,
  signModel,
  verifyModel,
  type ModelMeta,
  type VerifiedModel,
} from './model-io.js';
export { Classifier, type Predictions } from './classifier.js';
export {
  trainModel,
  inputRows,
  lrAt,
  classLogPrior,
  type TrainOptions,
  type Trained,
  type OptimizerState,
  type AverageState,
} from './train.js';
export { score, formatScores, type Scores, type ClassScore } from './metrics.js';
export { biasedArgmax, fitClassBias, type BiasFit } from './calibrate.js';
export {
  buildFramingTable,
  framingHistogram,
  mergeFramingTables,
  framingKey,
  framingLogOdds,
  framingSchema,
  type FramingTable,
} from './framing.js';
export { stratifiedFolds, complement, seededRandom, shuffle } from './folds.js';
export { USTC_CLASS_NAMES, USTC_MALICIOUS } from './ustc.js';
export {
  MlRegistry,
  ML_SCHEMA,
  DEFAULT_GATES,
  type DeployGates,
  type DeployTest,
  type AddResult,
  type ModelRow,
} from './registry.js';
export {
  trainLocally,
  inWindow,
  type Budget,
  type LocalTrainOptions,
  type LocalTrainResult,
} from './local-train.js';
export {
  issueApplianceKey,
  seal,
  open as unseal,
  encodeSet,
  decodeSet,
  signLog,
  verifyLog,
  type WorkerLog,
} from './cloud.js';
export { runWorkerJob, type WorkerJob } from './cloud-worker.js';
export { CnnInspector, CNN_SID, type CnnInspectorOptions, type BatchClassifier } from './cnn-inspector.js';
export { CnnWorker } from './cnn-worker.js';
export {
  Ledger,
  LedgerError,
  GENESIS,
  blockHash,
  checkBlock,
  keyRing,
  sameFusion,
  signBlock,
  validSigners,
  verifyInclusion,
  type Block,
  type BlockBody,
  type Fusion,
  type KeyRing,
} from './ledger.js';
export {
  fedAvg,
  fuseFraming,
  fuseInto,
  fuseRound,
  globalsNeeded,
  scoreUpdates,
  type ScoredUpdate,
} from './fedavg.js';
export {
  registerKey,
  checkRegistry,
  sealEnvelope,
  envelopeProblem,
  reportSchema,
  type FlReport,
  type RegisteredKey,
  type Envelope,
} from './fl-protocol.js';
export { FL_SCHEMA, openFlStore, type FlStore, type ReportRow } from './fl-store.js';
export { FlServer, type FlServerOptions } from './fl-server.js';
export {
  FlClient,
  FlRefused,
  sendReports,
  type FlClientOptions,
  type ReportConnection,
  type SyncResult,
  type ServerState,
} from './fl-client.js';
export { sendPendingReports } from './fl-report.js';
