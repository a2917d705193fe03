/** Messages between `runAnalysis` and its analysis workers. */
import type { EveCustomFields } from './eve-events.js';
import type { FlowEngineOptions } from '../flow/index.js';
import type { DispatchShared, RingShared } from './dispatch/ring.js';
import type { AnalysisStats } from './stats.js';

export interface WorkerData {
  /** The chunks every worker reads packets from, and this worker's ring of batches listing its packets. */
  shared: DispatchShared;
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
