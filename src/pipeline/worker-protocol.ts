/** Messages between `runAnalysis` and its analysis workers. */
import type { DispatchShared, RingShared } from './dispatch/ring.js';
import type { ShardSettings } from './dispatch/shard-pipeline.js';
import type { AnalysisStats } from './stats.js';

export interface WorkerData extends ShardSettings {
  /** The chunks every worker reads packets from, and this worker's ring of batches listing its packets. */
  shared: DispatchShared;
  ring: RingShared;
  /**
   * Append EVE lines straight to this file (opened O_APPEND: each batch lands whole) instead of posting them
   * to the main thread — saves a copy of every line across threads.
   */
  eveFile?: string;
}

export type WorkerMessage =
  | { kind: 'lines'; lines: string[] }
  | { kind: 'done'; stats: AnalysisStats }
  | { kind: 'error'; message: string }
  /** The reading side aborted (its own error says why); this worker stopped without one of its own. */
  | { kind: 'aborted' };
