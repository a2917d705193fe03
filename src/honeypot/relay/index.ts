/** The relay to real IoT devices (A-51, A-53, A-72…A-75). */
export { classifyCommand, commandNames, type CommandClass } from './classify.js';
export { RelayGate } from './gate.js';
export {
  RelayClient,
  DeviceEndServer,
  type DeviceEndpoint,
  type Registration,
  type Forwarded,
  type RelayTransport,
} from './tunnel.js';
export { DeviceSelector, type DeviceProtocol } from './select.js';
export { RelayLink } from './link.js';
export { selfSignedCert, type DeviceEndCert } from './tls.js';
export { encodeFrame, FrameReader, FrameType, MAGIC } from './frame.js';
