/**
 * The device registry's tables. Version 1 supersedes the gateway's lease table (`gateway_devices`, which dnsmasq's
 * leases still feed): every device it held is copied in, reclassified when the registry opens.
 */
import type { Schema } from '../store/index.js';

export const REGISTRY_SCHEMA: Schema = {
  component: 'devices',
  migrations: [
    {
      version: 1,
      name: 'registry',
      sqlite: `CREATE TABLE device_registry (
      mac TEXT PRIMARY KEY,
      ips TEXT NOT NULL,
      zone TEXT,
      hostname TEXT,
      vendor TEXT,
      dhcp TEXT,
      services TEXT NOT NULL,
      ssdp TEXT,
      upnp TEXT,
      protocols TEXT NOT NULL,
      first_seen TEXT NOT NULL,
      last_seen TEXT NOT NULL,
      type TEXT NOT NULL,
      grp TEXT,
      group_source TEXT NOT NULL,
      user_group TEXT,
      confirmed INTEGER NOT NULL DEFAULT 0,
      restriction TEXT,
      user_rev INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX device_registry_user_rev ON device_registry (user_rev);
    CREATE TABLE device_registry_counts (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO device_registry (mac, ips, zone, hostname, services, protocols, first_seen, last_seen, type, grp,
      group_source)
      SELECT mac, json_array(ip), zone, hostname, '[]', '[]', first_seen, last_seen, 'unknown',
        CASE WHEN zone = 'lan' THEN NULL ELSE 'others' END, 'migrated from gateway_devices'
      FROM gateway_devices;`,
    },
  ],
};
