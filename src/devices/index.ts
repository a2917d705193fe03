/**
 * The device registry and per-zone inspection (A-4, A-6, A-12, A-40… ). For other components (the IoT
 * gateway, the initial security check) the registry is the API: list/get, setGroup/confirm, restrict/unrestrict.
 */
export {
  DeviceRegistry,
  type RegistryCounts,
  type RegistryChange,
  type RegistryOptions,
} from './registry.js';
export { DeviceCatalog, SHIPPED_TYPES, type Classification, type DeviceType } from './catalog.js';
export {
  BUILTIN_GROUPS,
  DMZ_GROUP,
  RESTRICTION_LEVELS,
  type DeviceRecord,
  type Observation,
  type Restriction,
  type RestrictionLevel,
} from './model.js';
export { OuiTable, ouiTable, IEEE_DATA_DIR } from './oui.js';
export { parseDhcp, type DhcpFingerprint } from './dhcp-packet.js';
export { parseMdns, type MdnsAnnouncement } from './mdns-packet.js';
export {
  parseSsdp,
  parseDescription,
  checkLocation,
  fetchBounded,
  type SsdpMessage,
  type UpnpDescription,
} from './ssdp.js';
export { Discovery, type DiscoveryZone, type DiscoveryCounts, type DiscoveryOptions } from './discovery.js';
export { DEVICE_COUNTERS, groupSet, membership, renderDeviceRules, setUpdateScript } from './nft.js';
export { Sampler, type Sample } from './sampler.js';
export { InterComponentMap, type MapEntry } from './intercomponent.js';
export {
  DeviceService,
  devicesRuleset,
  deviceMembership,
  loadCatalog,
  devicesRuntimeFile,
  type DevicesRuntime,
  type DeviceServiceOptions,
} from './service.js';
export { registryIotSource, iotDeviceOf } from './iot-source.js';
export { neighbourObservations } from './neighbours.js';
