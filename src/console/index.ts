/** The console's public surface: `moat console` and the gateway daemon mount it through these. */
export {
  mountConsole,
  startConsole,
  consoleCertificate,
  findWebDir,
  type ConsoleOptions,
  type Console,
  type StartedConsole,
} from './server.js';
export { importEve, zoneFunction, type ImportResult } from './import-eve.js';
export { followEve, type EveFollower } from './follow-eve.js';
export { RecordedStoreView, type StoreView } from './store-view.js';
export { explainAlert, explanationText, type Explanation } from './explain.js';
export { CONSOLE_SCHEMA } from './schema.js';
export { ConsoleComponent, type ConsoleComponentOptions } from './component.js';
export type {
  DeviceDirectory,
  DirectoryDevice,
  GatewayConfigHook,
  IotControl,
  IotGrant,
  RestrictionLevel,
} from './ports.js';
