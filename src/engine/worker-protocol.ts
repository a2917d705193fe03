/** Messages between `runAnalysis` and its analysis workers. */
import type { EveCustomFields } from './eve-events.js';
import type { FlowEngineOptions } from '../flow/index.js';
import type { RingShared } from './dispatch/ring.js';
import type { AnalysisStats } from './stats.js';

export interface WorkerData {
  /** The shared-memory ring this worker takes its packets from. */
  ring: RingShared;
  shardIndex: number;
  shardCount: number;
  flow?: FlowEngineOptions;
  eveTypes?: string[];
  eveCustom?: EveCustomFields;
  /** Interface name for `in_iface` (live capture). */
  iface?: string;
  /**
   * Append EVE lines straight to this file (opened O_APPEND: each batch lands whole) instead of posting them
   * to the main thread — saves a copy of every line across threads.
   */
  eveFile?: string;
}

export type WorkerMessage =
  | { kind: 'lines'; lines: string[] }
  | { kind: 'done'; stats: AnalysisStats }
  | { kind: 'error'; message: string };
