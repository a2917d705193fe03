/**
 * A-1, the logic framework: components with a lifecycle, the registry that starts them in dependency order, and
 * the typed message bus every inter-component message goes through (in process, or over Redis Streams). The bottom
 * layer of src/: it imports no domain folder (a Redis bus is handed the store's client factory by whoever composes it).
 */
export { defineComponent, type Component, type ComponentSpec, type Health } from './component.js';
export {
  ComponentRegistry,
  ComponentGraphError,
  ComponentStartError,
  ComponentStopError,
  type ComponentReport,
  type ComponentState,
  type RegistryHealth,
} from './registry.js';
export {
  BusValidationError,
  compareMessageIds,
  validatePayload,
  type BusConfig,
  type BusErrorReport,
  type BusOptions,
  type Handler,
  type MessageBus,
  type MessageMeta,
  type Publisher,
  type SubscribeOptions,
  type Subscription,
} from './bus.js';
export { InProcessBus, type InProcessBusOptions } from './in-process-bus.js';
export { RedisStreamsBus, type RedisFactory, type RedisStreamsBusOptions } from './redis-bus.js';
export type { BusStats } from './redis-consumer.js';
export {
  MOAT_TOPICS,
  cacheEntryChangeSchema,
  cacheEntrySchema,
  deviceSchema,
  honeypotSessionRecordSchema,
  honeypotSessionSchema,
  interventionSchema,
  modelVersionSchema,
  verdictSchema,
  type CacheEntryChange,
  type CacheEntryMessage,
  type DeviceMessage,
  type HoneypotSessionMessage,
  type HoneypotSessionRecord,
  type InterventionMessage,
  type ModelVersionMessage,
  type MoatTopics,
  type TopicCatalog,
  type VerdictMessage,
} from './topics.js';
export { mulberry32 } from './prng.js';
// The typed errors every folder throws; folders import them from ./errors.js directly, which loads nothing else.
export { MoatError, InputError, ConfigError, OperationalError, listenFailure } from './errors.js';
export {
  persistentSelfSigned,
  selfSignedCertificate,
  type SelfSignedCertificate,
  type SelfSignedOptions,
} from './self-signed.js';
