/**
 * The flow layer's public surface: the engine factory, the symmetric flow hash workers shard by, Community
 * ID, and the options. Protocol defaults come from `proto/registry.ts`.
 */
import { datagramProtocols, streamProtocols } from '../proto/registry.js';
import { newFlowEngine } from './engine.js';
import type { FlowEngineOptions } from './options.js';
import type { FlowEngine, FlowSink } from './types.js';

export { symmetricFlowHash } from './flow-hash.js';
export { communityId, type CommunityIdInput } from './community-id.js';
export { DEFAULT_TIMEOUTS, DEFAULT_MAX_FLOWS, type FlowEngineOptions, type FlowTimeouts } from './options.js';
export type { FlowEndReason, FlowEngine, FlowSink, FlowState, FlowStats, FlowView } from './types.js';

export function createFlowEngine(sink: FlowSink, opts: FlowEngineOptions = {}): FlowEngine {
  return newFlowEngine(sink, opts, { stream: streamProtocols, datagram: datagramProtocols });
}
