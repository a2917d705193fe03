/** Messages between `runAnalysis` and its analysis workers. */
import type { EveCustomFields } from './eve-events.js';
import type { FlowEngineOptions } from '../flow/index.js';
import type { AnalysisStats } from './stats.js';

export interface WorkerData {
  file: string;
  shardIndex: number;
  shardCount: number;
  flow?: FlowEngineOptions;
  eveTypes?: string[];
  eveCustom?: EveCustomFields;
  progress: boolean;
  /**
   * Append EVE lines straight to this file (opened O_APPEND: each batch lands whole) instead of posting them
   * to the main thread — saves a copy of every line across threads.
   */
  eveFile?: string;
}

export type WorkerMessage =
  | { kind: 'lines'; lines: string[] }
  | { kind: 'progress'; fraction: number }
  | { kind: 'done'; stats: AnalysisStats }
  | { kind: 'error'; message: string };
