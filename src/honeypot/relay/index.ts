/** The relay to real IoT devices (A-51, A-53, A-72…A-75). */
export { classifyCommand, type CommandClass } from './classify.js';
export { RelayGate } from './gate.js';
export { RelayClient, GatewayServer, type DeviceEndpoint, type Registration } from './tunnel.js';
export { selfSignedCert, type GatewayCert } from './tls.js';
export { encodeFrame, FrameReader, FrameType, MAGIC } from './frame.js';
