/**
 * What the console uses of other components when it runs inside the gateway daemon: the device registry
 * (src/devices), the IoT component's device control (src/iot) and the gateway's own configuration. Declared here as
 * the console needs them, so the console does not depend on how those components are built; the daemon hands in
 * the real objects (the registry and the IoT component satisfy these shapes).
 */

export type RestrictionLevel = 'rate-limited' | 'internet-only' | 'quarantined';

export interface DirectoryDevice {
  mac: string;
  /** Addresses seen, most recent first. */
  ips: string[];
  zone: string | null;
  hostname: string | null;
  vendor: string | null;
  type: string;
  /** null: a user device (not grouped, A-43). */
  group: string | null;
  confirmed: boolean;
  protocols: string[];
  firstSeen: string;
  lastSeen: string;
  restriction: { level: RestrictionLevel; reason: string; since: string; by: string } | null;
}

/** The device registry: the devices found on the internal zones, their groups and restrictions (A-40…A-43). */
export interface DeviceDirectory {
  list(): DirectoryDevice[];
  /** The groups the device types define (built-in and the user's). */
  groups(): string[];
  get(macOrIp: string): DirectoryDevice | undefined;
  /** Throws (InputError) for a group the device types do not define. */
  setGroup(macOrIp: string, group: string | null): unknown;
  restrict(macOrIp: string, level: RestrictionLevel, reason: string, by?: string): unknown;
  unrestrict(macOrIp: string): unknown;
}

export interface IotGrant {
  deviceId: string;
  action: 'power' | 'set' | 'credentials';
  key?: string;
  value?: string;
  who: string;
  ttlSeconds?: number;
  uses?: number;
}

/** The IoT component's device control under the user's authorisation of each step, and its check. */
export interface IotControl {
  /** The devices the IoT component serves (id = MAC for leased devices). */
  describe(): Array<{
    id: string;
    name?: string;
    address?: string;
    zone: string;
    protocols: string[];
    mqtt: { connected: boolean; credentials: boolean };
    state?: unknown;
  }>;
  grant(g: IotGrant): { id: string; expiresAt: string };
  control(
    deviceId: string,
    req: { authorisation: string; action: 'power'; value: string },
  ): Promise<{ via: string; value: string; confirmed: boolean; detail: string }>;
  provision(deviceId: string, authorisation: string): Promise<Record<string, unknown>>;
  status(deviceId: string): Promise<{ values: Record<string, unknown>; at: string; via: string }>;
  check(): Promise<unknown>;
  latestCheck(): unknown;
}

/** The running gateway's configuration file, which the first deployment's network step edits. */
export interface GatewayConfigHook {
  file: string;
  /** The gateway's state directory (isolation.json). */
  stateDir: string;
  /** Makes the running gateway take up the file; false = it refused and runs on as before (the reason given). */
  reload(): Promise<{ ok: boolean; error?: string }>;
}
