/** The public surface of tlsmon/: other folders import only this file. */
export { scoreEve } from './explain.js';
export { type HandshakeFeatures } from './features.js';
export { MemoryHeatHistory } from './history/memory-history.js';
export { TlsMonitorInspector } from './inspector.js';
export { TlsMonitor } from './monitor.js';
export { parseDuration } from './policy/duration.js';
export { PolicyError, loadPolicyFile, parsePolicyText, validatePolicyFile } from './policy/load.js';
export { policySchema } from './policy/schema.js';
export { type Tlsmon } from './setup.js';
export { createTlsmon } from './setup.js';
export { TlsmonComponent } from './component.js';
