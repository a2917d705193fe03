/**
 * The router's device table (A-4 "keeps the state of all user devices", A-5): one row per MAC address seen in a
 * DHCP lease, with its zone, address, host name and lease end. Rows are kept after a lease ends (the device is
 * known, just not on the network now); a renewal or a new address updates the row.
 */
import type { Db, Schema, SqliteStore } from '../store/index.js';
import type { Lease } from './leases.js';

export const DEVICE_SCHEMA: Schema = {
  component: 'gateway-devices',
  migrations: [
    {
      version: 1,
      name: 'devices',
      sqlite: `CREATE TABLE gateway_devices (
      mac TEXT PRIMARY KEY,
      ip TEXT NOT NULL,
      zone TEXT,
      hostname TEXT,
      client_id TEXT,
      lease_expires TEXT,
      first_seen TEXT NOT NULL,
      last_seen TEXT NOT NULL
    )`,
    },
  ],
};

export interface Device {
  mac: string;
  ip: string;
  zone: string | null;
  hostname: string | null;
  clientId: string | null;
  /** ISO time; null = a lease that never expires. */
  leaseExpires: string | null;
  firstSeen: string;
  lastSeen: string;
  /** The lease is still running. */
  active: boolean;
}

interface Row {
  mac: string;
  ip: string;
  zone: string | null;
  hostname: string | null;
  client_id: string | null;
  lease_expires: string | null;
  first_seen: string;
  last_seen: string;
}

export class DeviceTable {
  private readonly upsertOne;
  private readonly db: Db;

  constructor(store: SqliteStore) {
    store.migrate(DEVICE_SCHEMA);
    this.db = store.db;
    const db = this.db;
    // Only a changed lease touches the row: an unchanged lease file rewritten by dnsmasq leaves last_seen alone.
    this.upsertOne = db.prepare(`INSERT INTO gateway_devices
        (mac, ip, zone, hostname, client_id, lease_expires, first_seen, last_seen)
      VALUES (@mac, @ip, @zone, @hostname, @clientId, @leaseExpires, @now, @now)
      ON CONFLICT(mac) DO UPDATE SET
        ip = excluded.ip, zone = excluded.zone,
        hostname = coalesce(excluded.hostname, gateway_devices.hostname),
        client_id = coalesce(excluded.client_id, gateway_devices.client_id),
        lease_expires = excluded.lease_expires, last_seen = excluded.last_seen
      WHERE gateway_devices.ip IS NOT excluded.ip
         OR gateway_devices.lease_expires IS NOT excluded.lease_expires
         OR gateway_devices.zone IS NOT excluded.zone
         OR (excluded.hostname IS NOT NULL AND gateway_devices.hostname IS NOT excluded.hostname)`);
  }

  /** Records the leases (one transaction); `zoneOf` names the zone of an address. Returns rows changed. */
  record(leases: readonly Lease[], zoneOf: (ip: string) => string | undefined, now = new Date()): number {
    const iso = now.toISOString();
    let changed = 0;
    this.db.transaction(() => {
      for (const l of leases)
        changed += this.upsertOne.run({
          mac: l.mac,
          ip: l.ip,
          zone: zoneOf(l.ip) ?? null,
          hostname: l.hostname ?? null,
          clientId: l.clientId ?? null,
          leaseExpires: l.expires === undefined ? null : new Date(l.expires).toISOString(),
          now: iso,
        }).changes;
    })();
    return changed;
  }

  list(now = Date.now()): Device[] {
    const rows = this.db.prepare('SELECT * FROM gateway_devices ORDER BY zone, ip').all() as Row[];
    return rows.map((r) => ({
      mac: r.mac,
      ip: r.ip,
      zone: r.zone,
      hostname: r.hostname,
      clientId: r.client_id,
      leaseExpires: r.lease_expires,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      active: r.lease_expires === null || Date.parse(r.lease_expires) > now,
    }));
  }
}
