/** The honeypot's public surface (A-70…A-75). */
export { Honeypot, type HoneypotOptions, type SessionRecorder } from './honeypot.js';
export { SessionCapture, interfaceFor } from './capture.js';
export { Session } from './session.js';
export { EveLog } from './eve.js';
export { InstanceStore, HONEYPOT_SCHEMA } from './store.js';
export { startTelnet } from './services/telnet.js';
export { startSsh } from './services/ssh.js';
export { startHttp } from './services/http.js';
export { startMqtt } from './services/mqtt.js';
export { startCatchAll } from './services/catchall.js';
export {
  loadHoneypotConfig,
  HoneypotConfigSchema,
  defaultCaptureConfig,
  captureSettings,
  type CaptureConfig,
  type HoneypotConfig,
} from './config.js';
export type { CaptureRef, InstanceRecord, SampleRecord } from './instance.js';
export { interactionReport } from './report.js';
export { makeKeyFile, readKeyFile } from './config.js';
export { loadDeviceEndConfig } from './device-end-config.js';
export { DeviceEndServer, RelayGate, RelayLink, selfSignedCert, type DeviceEndCert } from './relay/index.js';
export { type ListeningService } from './services/listen.js';
