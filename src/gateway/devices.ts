/**
 * The device component: the leases dnsmasq hands out become rows of the store's device table, and each
 * device that comes online (a new or renewed lease) or goes (its lease left the file) is announced on the bus's
 * `device` topic for the other components.
 */
import type { Component, Health, Publisher } from '../framework/index.js';
import type { SqliteStore } from '../store/index.js';
import { DeviceTable } from './device-table.js';
import type { Lease } from './leases.js';

/** Zone names as the bus's device topic words them (the user LAN is A-4's user-device component). */
const BUS_ZONE: Record<string, string> = { lan: 'user', iot: 'iot', dmz: 'dmz' };

export interface DevicesConfig {
  /** The store the device table lives in (opened by the command, shared with the other components). */
  store: SqliteStore;
  /** The zone of an address, from the configuration in force. */
  zoneOf: (ip: string) => string | undefined;
  bus?: Publisher;
  log?: (line: string) => void;
}

export class DevicesComponent implements Component<DevicesConfig> {
  readonly name = 'devices';
  readonly dependsOn: readonly string[];
  private table?: DeviceTable;
  /** The leases seen last, by MAC: what changed is announced, what is unchanged is not. */
  private last = new Map<string, Lease>();
  leases = 0;

  constructor(readonly config: DevicesConfig) {
    this.dependsOn = config.bus ? ['bus'] : [];
  }

  async start(): Promise<void> {
    this.table = new DeviceTable(this.config.store);
  }

  /** The whole lease file, whenever dnsmasq rewrote it. */
  onLeases(leases: readonly Lease[], now = new Date()): void {
    if (!this.table) throw new Error('the devices component is not started');
    const { zoneOf, bus, log } = this.config;
    const changed = this.table.record(leases, zoneOf, now);
    this.leases = leases.length;
    const at = now.toISOString();
    const next = new Map(leases.map((l) => [l.mac, l]));
    const announce = (l: Lease, state: 'online' | 'offline') => {
      const zone = zoneOf(l.ip);
      bus?.publish('device', {
        ip: l.ip,
        mac: l.mac,
        name: l.hostname,
        zone: zone === undefined ? undefined : (BUS_ZONE[zone] ?? zone),
        state,
        at,
      });
    };
    for (const l of leases) {
      const before = this.last.get(l.mac);
      if (!before || before.ip !== l.ip || before.expires !== l.expires) announce(l, 'online');
    }
    for (const [mac, l] of this.last) if (!next.has(mac)) announce(l, 'offline');
    this.last = next;
    if (changed) log?.(`devices: ${changed} lease change(s), ${leases.length} lease(s)`);
  }

  async stop(): Promise<void> {
    this.table = undefined;
  }

  health(): Health {
    return this.table
      ? { ok: true, detail: `${this.leases} lease(s)` }
      : { ok: false, detail: 'not started' };
  }
}
