export { runAnalysis } from './run.js';
export type { AnalysisInput, AnalysisOptions } from './run.js';
export { Pipeline } from './pipeline.js';
export type { PipelineOptions } from './pipeline.js';
export type { AnalysisStats } from './stats.js';
export type { EveConsumer } from './eve-events.js';
export { analyzeToEvents } from './collect.js';
