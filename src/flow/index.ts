/**
 * The flow layer's public surface: the engine factory, the symmetric flow hash workers shard by, Community
 * ID, and the options. Protocol defaults come from `proto/registry.ts`.
 */
import { datagramProtocols, streamProtocols } from '../proto/registry.js';
import { newFlowTracker } from './flow-tracker.js';
import type { FlowTrackerOptions } from './options.js';
import type { FlowTracker, FlowSink } from './types.js';

export { symmetricFlowHash } from './flow-hash.js';
export { communityId, type CommunityIdInput } from './community-id.js';
export {
  DEFAULT_TIMEOUTS,
  DEFAULT_MAX_FLOWS,
  type FlowTrackerOptions,
  type FlowTimeouts,
} from './options.js';
export type { FlowEndReason, FlowTracker, FlowSink, FlowState, FlowStats, FlowView } from './types.js';

export function createFlowTracker(sink: FlowSink, opts: FlowTrackerOptions = {}): FlowTracker {
  return newFlowTracker(sink, opts, { stream: streamProtocols, datagram: datagramProtocols });
}
