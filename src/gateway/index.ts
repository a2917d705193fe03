/** The gateway's public surface: the appliance's router (`moat gateway`) and the nftables drivers. */
export { NftablesDriver, NftError, type NftOptions } from './nftables.js';
export { runNft, checkedIp } from './nft-exec.js';
export { GatewayConfigSchema, type GatewayConfig, type DevicesConfigSection } from './config-schema.js';
export { GatewayConfigError, loadGatewayConfig, parseGatewayConfig, type LoadedConfig } from './config.js';
export type { ConfigIssue, GatewayPlan, Zone, ZoneName } from './config-rules.js';
export {
  renderRuleset,
  COUNTERS,
  type Ruleset,
  type CounterValue,
  type RulesetState,
  type RulesetExtension,
} from './ruleset.js';
export { applyRuleset, checkRuleset, readTable, RulesetRejected, type TableState } from './ruleset-apply.js';
export { renderDnsmasqConf } from './dnsmasq-conf.js';
export { parseLeases, readLeaseFile, type Lease } from './leases.js';
export { DeviceTable, DEVICE_SCHEMA, type Device } from './device-table.js';
export { listConntrack, parseConntrackXml, ConntrackError, type ConntrackEntry } from './conntrack.js';
export {
  natTable,
  sessionTable,
  portMappings,
  portRanges,
  zoneClassifier,
  type NatRow,
  type SessionRow,
  type PortMapping,
} from './tables.js';
export { Gateway, type GatewayOptions, type GatewayExtension, type RuntimeStatus } from './gateway.js';
export { RouterComponent, type RouterConfig } from './router.js';
export { DevicesComponent, type DevicesConfig } from './devices.js';
export { DhcpDns, type DhcpDnsOptions } from './dhcp-dns.js';
export { gatewayStatus, type GatewayStatus } from './status.js';
export { AlreadyRunning } from './state-files.js';
export { LinkError } from './links.js';
export { Supervised, type SupervisedOptions, type SupervisorEvent } from './supervisor.js';
export {
  FlaggedDevices,
  SelfIsolationTrigger,
  readIsolation,
  writeIsolation,
  type IsolationState,
} from './isolation.js';
export { runningGatewayPid, statePaths } from './state-files.js';
export { listNeighbours, parseNeighbours, type NeighbourRow } from './neighbours.js';
export { PeerTable, type PeerRow } from './peers.js';
export { getFromDaemon, type GatewayTables } from './api.js';
export { apiSocketPath, GatewayLive } from './live.js';
export { LiveInspection, type CaptureStatus, type InterfaceStats, type LiveAnalysis } from './inspection.js';
export { PacketRing } from './packet-ring.js';
export { tarGz } from './tar.js';
export {
  VerdictStore,
  VerdictsConfigSchema,
  expiresAtS,
  postToInbox,
  renderVerdicts,
  verdictKey,
  verdictTableName,
  verdictTableOptions,
  type VerdictsConfig,
} from './enforce/index.js';
