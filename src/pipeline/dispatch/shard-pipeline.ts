/**
 * The Pipeline of one analysis thread of a multi-thread run — the reading thread's own share and each
 * worker's are built here alike, so they cannot drift apart in options. Flow time comes only from the
 * dispatcher's ticks (see expiry-clock.ts).
 */
import type { EveCustomFields } from '../eve-events.js';
import type { FlowTrackerOptions } from '../../flow/index.js';
import { Pipeline } from '../pipeline.js';
import type { EveBytesOut } from '../../output/index.js';
import type { HttpParseOptions } from '../../proto/index.js';

export interface ShardSettings {
  shardIndex: number;
  shardCount: number;
  flow?: FlowTrackerOptions;
  eveTypes?: string[];
  eveCustom?: EveCustomFields;
  /** Interface name for `in_iface` (live capture). */
  iface?: string;
  http?: HttpParseOptions;
}

/** `out`: where this thread's EVE lines are written. */
export function shardPipeline(out: EveBytesOut, s: ShardSettings): Pipeline {
  return new Pipeline(out, {
    shardIndex: s.shardIndex,
    shardCount: s.shardCount,
    flow: s.flow,
    eveTypes: s.eveTypes ? new Set(s.eveTypes) : undefined,
    eveCustom: s.eveCustom,
    iface: s.iface,
    http: s.http,
    externalClock: true,
  });
}
