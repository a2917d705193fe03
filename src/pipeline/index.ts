export { runAnalysis } from './run.js';
export type { AnalysisInput, AnalysisOptions } from './run.js';
export { Pipeline } from './pipeline.js';
export type { PipelineOptions } from './pipeline.js';
export type { AnalysisStats } from './stats.js';
export { analyzeToEvents } from './collect.js';
export { type EveCustomFields } from './eve-events.js';
export { type Inspector, type LateFindings } from './inspector.js';
export {
  decompressLayerLimit,
  dnsOptions,
  eveOptionsOf,
  REQUEST_BODY_LIMIT_KEY,
  RESPONSE_BODY_LIMIT_KEY,
  sizeSetting,
  type EveOptions,
} from './eve-config.js';
