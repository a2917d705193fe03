/**
 * The flow layer's public surface: the tracker factory, the parser contract protocol modules implement (the
 * pipeline hands the tracker their definitions: this layer names no protocol), the symmetric flow hash workers
 * shard by, Community ID and the options.
 */
export { createFlowTracker } from './flow-tracker.js';
export { flowAddress } from './flow.js';
export { STREAM_EVENT_NAMES } from './app-session.js';
export { hasPorts, symmetricFlowHash } from './flow-hash.js';
export { communityId, type CommunityIdInput } from './community-id.js';
export {
  DEFAULT_TIMEOUTS,
  DEFAULT_MAX_FLOWS,
  type FlowTrackerOptions,
  type FlowTimeouts,
  type MidstreamPolicy,
} from './options.js';
export {
  STREAM_SETTING_KEYS,
  applyStreamSetting,
  checkStreamSettings,
  streamOptionsOf,
} from './stream-settings.js';
export type { FlowEndReason, FlowTracker, FlowSink, FlowState, FlowStats, FlowView } from './types.js';
export {
  NO_PROTOCOLS,
  PROBE_MATCH,
  PROBE_NEED_MORE,
  PROBE_NO,
  TO_CLIENT,
  TO_SERVER,
  type AppAnomaly,
  type AppAnomalyRecord,
  type AppContext,
  type AppProtoName,
  type AppProtocols,
  type AppRecordBase,
  type DatagramParser,
  type DatagramProtocolDef,
  type Direction,
  type Framer,
  type ProbeResult,
  type StreamParser,
  type StreamProtocolDef,
} from './app-contract.js';
export { FlowSampler } from './sampling.js';
export { FlowPrefixes, type FlowPrefix } from './flow-prefix.js';
