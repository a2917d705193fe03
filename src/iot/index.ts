/**
 * The IoT gateway component: MQTT broker with per-device credentials and ACLs, CoAP and HTTP
 * control of devices under the user's authorisation, the device-control API, protocol identification and the
 * initial security check. Devices come in through `IotDeviceSource` (the device registry satisfies it).
 */
export {
  iotDeviceSchema,
  mqttPrefix,
  staticDevices,
  IOT_PROTOCOLS,
  type IotDevice,
  type IotDeviceSource,
  type IotProtocol,
} from './device.js';
export { IotGatewayComponent, type IotGatewayOptions } from './component.js';
export { iotConfigSchema, loadIotConfig, parseIotConfig, type IotConfig } from './config.js';
export { IotStore, IOT_SCHEMA, type Authorisation, type AuditEntry, type StepAction } from './store.js';
export { IotBroker, underPrefix, type BrokerOptions, type DeviceState } from './broker.js';
export { DeviceControl, type ControlRequest, type ControlResult, type GrantRequest } from './control.js';
export { buildIotApi, controlSchema, grantSchema, type IotApiContext } from './api.js';
export { BadStep, DeviceFailure, NoProtocol, NotAuthorised, UnknownDevice } from './errors.js';
export { checkDevice, checkTable, runCheck, type CheckOptions, type CheckTarget } from './check/run.js';
export type { CheckReport, DeviceReport, Finding, CheckName } from './check/finding.js';
export { MIRAI_CREDENTIALS } from './check/mirai-credentials.js';
export { telnetDefaultLogin } from './check/telnet.js';
export { probeTls } from './check/tls.js';
export { probeUpnpIgd } from './check/upnp.js';
