/**
 * The device registry: every device seen on an internal zone — from DHCP leases and packets,
 * mDNS, SSDP/UPnP and its own traffic — with vendor, fingerprint, services, protocols, type and group, kept in the
 * store. The user's decisions (group moves, confirmations) and restrictions are written at once and read back by the
 * daemon from the store, so a command in another process takes effect; observations are written in batches.
 *
 * Bounded: at most `maxDevices` devices. A new MAC beyond that evicts the device seen longest ago that the user has
 * neither confirmed nor restricted (counted); when every device is confirmed or restricted the new one is refused
 * (counted). Each device's lists are capped, so memory is bounded by the cap.
 */
import type { Db, SqliteStore } from '../store/index.js';
import { InputError } from '../framework/errors.js';
import { DEVICE_SCHEMA } from '../gateway/index.js';
import type { DeviceCatalog } from './catalog.js';
import {
  RESTRICTION_LEVELS,
  type DeviceRecord,
  type Observation,
  type Restriction,
  type RestrictionLevel,
} from './model.js';
import { ouiTable, type OuiTable } from './oui.js';
import { REGISTRY_SCHEMA } from './schema.js';

export interface RegistryOptions {
  catalog: DeviceCatalog;
  oui?: OuiTable;
  /** Most devices kept (default 4096). */
  maxDevices?: number;
}

export interface RegistryCounts {
  devices: number;
  maxDevices: number;
  evicted: number;
  refused: number;
}

/** What changed, for the listeners that program the kernel (group sets, restriction sets). */
export type RegistryChange = 'membership' | 'restriction';

interface Row {
  mac: string;
  ips: string;
  zone: string | null;
  hostname: string | null;
  vendor: string | null;
  dhcp: string | null;
  services: string;
  ssdp: string | null;
  upnp: string | null;
  protocols: string;
  first_seen: string;
  last_seen: string;
  type: string;
  grp: string | null;
  group_source: string;
  user_group: string | null;
  confirmed: number;
  restriction: string | null;
  user_rev: number;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

const push = (list: string[], v: string, max: number, front = false): boolean => {
  const i = list.indexOf(v);
  if (i === 0 || (i > 0 && !front)) return false;
  if (i > 0) list.splice(i, 1);
  if (front) list.unshift(v);
  else list.push(v);
  if (list.length > max) list.length = max;
  return true;
};

/** Addresses kept per family. */
const MAX_V4 = 4;
const MAX_V6 = 4;

/**
 * A device's addresses: IPv4 first (most recent first: the kernel sets, the IoT component and every table show
 * `ips[0]`), then IPv6 from ND (most recent first). IPv6 addresses come and go (privacy addresses), so at most
 * MAX_V6 are kept, and one seen again is not moved (no churn from every neighbour poll).
 */
const pushAddress = (list: string[], ip: string): boolean => {
  const v6 = ip.includes(':');
  const firstV6 = list.findIndex((x) => x.includes(':'));
  const v4 = firstV6 < 0 ? list.length : firstV6;
  if (!v6) {
    const i = list.indexOf(ip);
    if (i === 0) return false;
    if (i > 0) list.splice(i, 1);
    list.unshift(ip);
    if (v4 + (i > 0 ? 0 : 1) > MAX_V4) list.splice(MAX_V4, 1);
    return true;
  }
  if (list.includes(ip)) return false;
  list.splice(v4, 0, ip);
  if (list.length - v4 > MAX_V6) list.length = v4 + MAX_V6;
  return true;
};

export class DeviceRegistry {
  readonly maxDevices: number;
  /** In least-recently-seen order (a device seen is moved to the end). */
  private readonly devices = new Map<string, DeviceRecord>();
  /** The user's group choice per MAC ('' = a user device, ungrouped). */
  private readonly userGroup = new Map<string, string>();
  /** Current address → MAC. */
  private readonly byIp = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private readonly gone = new Set<string>();
  private readonly listeners: Array<(c: RegistryChange, d: DeviceRecord) => void> = [];
  private readonly db: Db;
  private readonly oui: OuiTable;
  private userRev = 0;
  evicted = 0;
  refused = 0;

  constructor(
    store: SqliteStore,
    private readonly o: RegistryOptions,
  ) {
    store.migrate(DEVICE_SCHEMA);
    store.migrate(REGISTRY_SCHEMA);
    this.db = store.db;
    this.oui = o.oui ?? ouiTable();
    this.maxDevices = o.maxDevices ?? 4096;
    const rows = this.db.prepare('SELECT * FROM device_registry ORDER BY last_seen').all() as Row[];
    for (const r of rows) {
      const d = this.fromRow(r);
      if (r.user_group !== null) this.userGroup.set(d.mac, r.user_group);
      this.classify(d);
      this.devices.set(d.mac, d);
      // The newest IPv4 address and the IPv6 ones (ND): older IPv4 leases may belong to other devices now.
      for (const ip of d.ips) if (ip === d.ips[0] || ip.includes(':')) this.byIp.set(ip, d.mac);
      this.userRev = Math.max(this.userRev, r.user_rev);
    }
    const counts = this.db.prepare('SELECT name, value FROM device_registry_counts').all() as Array<{
      name: string;
      value: number;
    }>;
    for (const c of counts) {
      if (c.name === 'evicted') this.evicted = c.value;
      if (c.name === 'refused') this.refused = c.value;
    }
  }

  onChange(fn: (c: RegistryChange, d: DeviceRecord) => void): void {
    this.listeners.push(fn);
  }

  private emit(c: RegistryChange, d: DeviceRecord): void {
    for (const fn of this.listeners) fn(c, d);
  }

  private fromRow(r: Row): DeviceRecord {
    return {
      mac: r.mac,
      ips: JSON.parse(r.ips) as string[],
      zone: r.zone,
      hostname: r.hostname,
      vendor: r.vendor ?? this.oui.vendor(r.mac) ?? null,
      dhcp: r.dhcp ? (JSON.parse(r.dhcp) as DeviceRecord['dhcp']) : null,
      services: JSON.parse(r.services) as string[],
      ssdp: r.ssdp ? (JSON.parse(r.ssdp) as DeviceRecord['ssdp']) : null,
      upnp: r.upnp ? (JSON.parse(r.upnp) as DeviceRecord['upnp']) : null,
      protocols: JSON.parse(r.protocols) as string[],
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      type: r.type,
      group: r.grp,
      groupSource: r.group_source,
      confirmed: r.confirmed === 1,
      restriction: r.restriction ? (JSON.parse(r.restriction) as Restriction) : null,
    };
  }

  /** Type and group from the rules, unless the user chose the group. Returns whether the group changed. */
  private classify(d: DeviceRecord): boolean {
    const before = d.group;
    const c = this.o.catalog.classify(d);
    d.type = c.type;
    const chosen = this.userGroup.get(d.mac);
    if (chosen !== undefined) {
      d.group = chosen === '' ? null : chosen;
      d.groupSource = 'user';
    } else {
      d.group = c.group;
      d.groupSource = c.rule;
    }
    return before !== d.group;
  }

  /** Adds what was seen of a device; undefined when the device was refused (registry full of kept devices). */
  observe(ob: Observation, now = new Date()): DeviceRecord | undefined {
    const mac = ob.mac.toLowerCase();
    if (!MAC.test(mac) || mac === '00:00:00:00:00:00' || parseInt(mac.slice(0, 2), 16) & 1) return undefined;
    const at = now.toISOString();
    let d = this.devices.get(mac);
    let changed = false;
    if (d) {
      this.devices.delete(mac);
    } else {
      if (this.devices.size >= this.maxDevices && !this.evictOne()) {
        this.refused++;
        return undefined;
      }
      d = {
        mac,
        ips: [],
        zone: null,
        hostname: null,
        vendor: this.oui.vendor(mac) ?? null,
        dhcp: null,
        services: [],
        ssdp: null,
        upnp: null,
        protocols: [],
        firstSeen: at,
        lastSeen: at,
        type: 'unknown',
        group: null,
        groupSource: '',
        confirmed: false,
        restriction: null,
      };
      changed = true;
    }
    this.devices.set(mac, d);
    d.lastSeen = at;
    let ipChanged = false;
    if (ob.ip && pushAddress(d.ips, ob.ip)) {
      changed = ipChanged = true;
      this.byIp.set(ob.ip, mac);
    }
    if (ob.zone && ob.zone !== d.zone) {
      d.zone = ob.zone;
      changed = true;
    }
    if (ob.hostname && ob.hostname !== d.hostname) {
      d.hostname = ob.hostname;
      changed = true;
    }
    if (ob.dhcp && (ob.dhcp.paramList || ob.dhcp.vendorClass)) {
      const next = { ...d.dhcp, ...ob.dhcp };
      if (JSON.stringify(next) !== JSON.stringify(d.dhcp)) {
        d.dhcp = next;
        changed = true;
      }
    }
    for (const s of ob.services ?? []) if (push(d.services, s, 32)) changed = true;
    if (ob.ssdp && ob.ssdp.location !== d.ssdp?.location) {
      d.ssdp = ob.ssdp;
      changed = true;
    }
    if (ob.upnp) {
      d.upnp = ob.upnp;
      changed = true;
    }
    if (ob.protocol && push(d.protocols, ob.protocol, 32)) changed = true;
    this.dirty.add(mac);
    this.gone.delete(mac);
    if (changed && (this.classify(d) || ipChanged)) this.emit('membership', d);
    return d;
  }

  private evictOne(): boolean {
    for (const [mac, d] of this.devices) {
      if (d.confirmed || d.restriction || this.userGroup.has(mac)) continue;
      this.devices.delete(mac);
      this.dirty.delete(mac);
      this.gone.add(mac);
      for (const ip of d.ips) if (this.byIp.get(ip) === mac) this.byIp.delete(ip);
      this.evicted++;
      if (d.group !== null || d.ips.length) this.emit('membership', { ...d, ips: [] });
      return true;
    }
    return false;
  }

  get(macOrIp: string): DeviceRecord | undefined {
    const k = macOrIp.toLowerCase();
    const d = this.devices.get(k);
    if (d) return d;
    const mac = this.byIp.get(k);
    return mac === undefined ? undefined : this.devices.get(mac);
  }

  /** The device named by MAC or address, or an InputError naming it. */
  private must(macOrIp: string): DeviceRecord {
    const d = this.get(macOrIp);
    if (!d) throw new InputError(`no device '${macOrIp}' in the registry (see moat devices list)`);
    return d;
  }

  list(): DeviceRecord[] {
    return [...this.devices.values()].sort(
      (a, b) => (a.zone ?? '').localeCompare(b.zone ?? '') || a.mac.localeCompare(b.mac),
    );
  }

  counts(): RegistryCounts {
    return {
      devices: this.devices.size,
      maxDevices: this.maxDevices,
      evicted: this.evicted,
      refused: this.refused,
    };
  }

  /** Moves a device to `group` (null: a user device, ungrouped); the rules no longer decide its group. */
  setGroup(macOrIp: string, group: string | null): DeviceRecord {
    const d = this.must(macOrIp);
    if (group !== null && !this.o.catalog.groups.has(group))
      throw new InputError(
        `no group '${group}' (known: ${[...this.o.catalog.groups.keys()].join(', ')}; define more in device-types.yaml)`,
      );
    this.userGroup.set(d.mac, group ?? '');
    this.classify(d);
    d.confirmed = true;
    this.writeDecision(d);
    this.emit('membership', d);
    return d;
  }

  /** The user agrees with the group the rules gave. */
  confirm(macOrIp: string): DeviceRecord {
    const d = this.must(macOrIp);
    d.confirmed = true;
    this.writeDecision(d);
    return d;
  }

  restrict(
    macOrIp: string,
    level: RestrictionLevel,
    reason: string,
    by = 'user',
    now = new Date(),
  ): DeviceRecord {
    if (!RESTRICTION_LEVELS.includes(level))
      throw new InputError(
        `no restriction level '${String(level)}' (known: ${RESTRICTION_LEVELS.join(', ')})`,
      );
    const d = this.must(macOrIp);
    d.restriction = { level, reason, by, since: now.toISOString() };
    this.writeDecision(d);
    this.emit('restriction', d);
    return d;
  }

  unrestrict(macOrIp: string): DeviceRecord {
    const d = this.must(macOrIp);
    d.restriction = null;
    this.writeDecision(d);
    this.emit('restriction', d);
    return d;
  }

  private writeDecision(d: DeviceRecord): void {
    this.flush();
    this.userRev++;
    const ug = this.userGroup.get(d.mac);
    this.db
      .prepare(
        `UPDATE device_registry SET user_group = ?, confirmed = ?, restriction = ?, grp = ?, group_source = ?,
         user_rev = (SELECT coalesce(max(user_rev), 0) + 1 FROM device_registry) WHERE mac = ?`,
      )
      .run(
        ug ?? null,
        d.confirmed ? 1 : 0,
        d.restriction ? JSON.stringify(d.restriction) : null,
        d.group,
        d.groupSource,
        d.mac,
      );
    this.userRev = (
      this.db.prepare('SELECT max(user_rev) AS r FROM device_registry').get() as { r: number }
    ).r;
  }

  /** Takes up decisions another process wrote (moat devices move|confirm|restrict|unrestrict). */
  reloadDecisions(): number {
    const top = (
      this.db.prepare('SELECT coalesce(max(user_rev), 0) AS r FROM device_registry').get() as { r: number }
    ).r;
    if (top <= this.userRev) return 0;
    const rows = this.db
      .prepare('SELECT mac, user_group, confirmed, restriction FROM device_registry WHERE user_rev > ?')
      .all(this.userRev) as Array<Pick<Row, 'mac' | 'user_group' | 'confirmed' | 'restriction'>>;
    this.userRev = top;
    for (const r of rows) {
      const d = this.devices.get(r.mac);
      if (!d) continue;
      if (r.user_group === null) this.userGroup.delete(r.mac);
      else this.userGroup.set(r.mac, r.user_group);
      const groupChanged = this.classify(d);
      d.confirmed = r.confirmed === 1;
      const before = JSON.stringify(d.restriction);
      d.restriction = r.restriction ? (JSON.parse(r.restriction) as Restriction) : null;
      if (groupChanged) this.emit('membership', d);
      if (before !== JSON.stringify(d.restriction)) this.emit('restriction', d);
    }
    return rows.length;
  }

  /** Writes observed fields of changed devices and removes evicted ones (one transaction); user decisions are kept. */
  flush(): void {
    if (this.dirty.size === 0 && this.gone.size === 0) return;
    const up = this.db
      .prepare(`INSERT INTO device_registry (mac, ips, zone, hostname, vendor, dhcp, services, ssdp,
        upnp, protocols, first_seen, last_seen, type, grp, group_source)
      VALUES (@mac, @ips, @zone, @hostname, @vendor, @dhcp, @services, @ssdp, @upnp, @protocols, @firstSeen,
        @lastSeen, @type, @group, @groupSource)
      ON CONFLICT (mac) DO UPDATE SET ips = excluded.ips, zone = excluded.zone, hostname = excluded.hostname,
        vendor = excluded.vendor, dhcp = excluded.dhcp, services = excluded.services, ssdp = excluded.ssdp,
        upnp = excluded.upnp, protocols = excluded.protocols, last_seen = excluded.last_seen, type = excluded.type,
        grp = excluded.grp, group_source = excluded.group_source`);
    const del = this.db.prepare('DELETE FROM device_registry WHERE mac = ?');
    const count = this.db.prepare(
      'INSERT INTO device_registry_counts VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    );
    const json = (v: unknown) => (v == null ? null : JSON.stringify(v));
    this.db.transaction(() => {
      for (const mac of this.gone) del.run(mac);
      for (const mac of this.dirty) {
        const d = this.devices.get(mac);
        if (!d) continue;
        up.run({
          mac: d.mac,
          zone: d.zone,
          hostname: d.hostname,
          vendor: d.vendor,
          firstSeen: d.firstSeen,
          lastSeen: d.lastSeen,
          type: d.type,
          group: d.group,
          groupSource: d.groupSource,
          ips: JSON.stringify(d.ips),
          dhcp: json(d.dhcp),
          services: JSON.stringify(d.services),
          ssdp: json(d.ssdp),
          upnp: json(d.upnp),
          protocols: JSON.stringify(d.protocols),
        });
      }
      count.run('evicted', this.evicted);
      count.run('refused', this.refused);
    })();
    this.dirty.clear();
    this.gone.clear();
  }
}
