/**
 * What the console reads from the tables other components own, as they are in the store today: the gateway's
 * device table, the security event cache, honeypot sessions, rule bundles, identification models and TLS policy
 * versions. Everything goes through `StoreView`, so the console can be pointed at richer tables (the device
 * registry, the gateway's live tables) by giving it another implementation. A table that is not there (a store
 * no gateway or honeypot ever wrote) reads as empty.
 */
import type { Db } from '../store/index.js';
import type { DeviceDirectory, DirectoryDevice } from './ports.js';

export interface DeviceRow {
  mac: string;
  ip: string;
  zone: string | null;
  hostname: string | null;
  firstSeen: string;
  lastSeen: string;
  /** A running DHCP lease (the gateway's live device table), or no lease information at all. */
  active: boolean;
  /** What the device registry (src/devices) knows; absent for a store without one. */
  registry?: {
    vendor: string | null;
    type: string;
    group: string | null;
    confirmed: boolean;
    protocols: string[];
    restriction: DirectoryDevice['restriction'];
  };
}

export interface CacheEntryRow {
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  proto: number;
  operationType: string;
  operation: string;
  eventId: string;
  diagnosis: string;
  status: string;
  createdMs: number;
}

export interface HoneypotSessionRow {
  id: string;
  service: string;
  peerIp: string;
  peerPort: number;
  localPort: number;
  start: string;
  end: string | null;
  endReason: string | null;
  credentials: Array<{ user: string; password: string; accepted: boolean }>;
  commands: Array<{ at: string; line: string; route: string }>;
  downloads: Array<{ url: string; tool: string; status: string; sha256?: string; size?: number }>;
  samples: Array<{ sha256: string; size: number; source: string; executed: boolean }>;
  bytesIn: number;
  bytesOut: number;
}

export interface BundleVersionRow {
  version: string;
  name: string;
  sha256: string;
  records: number;
  installedAt: string;
  active: boolean;
}

export interface ModelVersionRow {
  version: number;
  createdAt: string;
  status: string;
  reason: string | null;
  active: boolean;
  source: string;
}

export interface PolicyVersionRow {
  version: number;
  appliedAt: string;
  source: string;
}

export interface StoreView {
  devices(): DeviceRow[];
  device(mac: string): DeviceRow | undefined;
  cacheEntries(limit: number): CacheEntryRow[];
  blockingEntries(): number;
  honeypotSessions(limit: number): HoneypotSessionRow[];
  honeypotSession(id: string): HoneypotSessionRow | undefined;
  bundles(): BundleVersionRow[];
  models(): ModelVersionRow[];
  policyVersions(): PolicyVersionRow[];
  policyText(version?: number): string | undefined;
}

const json = <T>(s: unknown, fallback: T): T => {
  try {
    return typeof s === 'string' ? (JSON.parse(s) as T) : fallback;
  } catch {
    return fallback;
  }
};

/** The recorded store, read as the components wrote it. */
export class RecordedStoreView implements StoreView {
  constructor(private readonly db: Db) {}

  private has(table: string): boolean {
    return (
      this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !==
      undefined
    );
  }

  /** The live lease table (gateway_devices), by MAC. */
  protected leases(): Map<string, DeviceRow> {
    if (!this.has('gateway_devices')) return new Map();
    const rows = this.db.prepare('SELECT * FROM gateway_devices ORDER BY ip').all() as Record<
      string,
      unknown
    >[];
    return new Map(rows.map((r) => [String(r.mac), deviceOf(r)]));
  }

  /** The registry as written to the store (batched by the daemon), when the store has one. */
  protected registered(): DirectoryDevice[] | undefined {
    if (!this.has('device_registry')) return undefined;
    const rows = this.db.prepare('SELECT * FROM device_registry').all() as Record<string, unknown>[];
    return rows.map((r) => ({
      mac: String(r.mac),
      ips: json<string[]>(r.ips, []),
      zone: r.zone === null ? null : String(r.zone),
      hostname: r.hostname === null ? null : String(r.hostname),
      vendor: r.vendor === null ? null : String(r.vendor),
      type: String(r.type),
      group: r.grp === null ? null : String(r.grp),
      confirmed: r.confirmed === 1,
      protocols: json<string[]>(r.protocols, []),
      firstSeen: String(r.first_seen),
      lastSeen: String(r.last_seen),
      restriction: json<DirectoryDevice['restriction']>(r.restriction, null),
    }));
  }

  /** Registry devices with their lease state, then devices with a lease the registry does not hold (yet). */
  devices(): DeviceRow[] {
    const leases = this.leases();
    const reg = this.registered();
    if (!reg) return [...leases.values()];
    const out = reg.map((d) => fromDirectory(d, leases.get(d.mac)));
    const known = new Set(reg.map((d) => d.mac));
    for (const [mac, l] of leases) if (!known.has(mac)) out.push(l);
    return out.sort((a, b) => ipKey(a.ip).localeCompare(ipKey(b.ip)));
  }

  device(mac: string): DeviceRow | undefined {
    return this.devices().find((d) => d.mac === mac);
  }

  cacheEntries(limit: number): CacheEntryRow[] {
    if (!this.has('security_event_cache')) return [];
    const rows = this.db
      .prepare('SELECT * FROM security_event_cache ORDER BY created_us DESC LIMIT ?')
      .all(limit) as Record<string, unknown>[];
    return rows.map((r) => ({
      srcIp: String(r.src_ip),
      dstIp: String(r.dst_ip),
      srcPort: Number(r.src_port),
      dstPort: Number(r.dst_port),
      proto: Number(r.proto),
      operationType: String(r.operation_type),
      operation: String(r.operation),
      eventId: String(r.event_id),
      diagnosis: String(r.diagnosis),
      status: String(r.status),
      createdMs: Math.floor(Number(r.created_us) / 1000),
    }));
  }

  blockingEntries(): number {
    if (!this.has('security_event_cache')) return 0;
    const r = this.db
      .prepare("SELECT count(*) AS n FROM security_event_cache WHERE operation_type = 'block'")
      .get() as { n: number };
    return r.n;
  }

  honeypotSessions(limit: number): HoneypotSessionRow[] {
    if (!this.has('honeypot_instances')) return [];
    const rows = this.db
      .prepare('SELECT * FROM honeypot_instances ORDER BY start DESC LIMIT ?')
      .all(limit) as Record<string, unknown>[];
    return rows.map(sessionOf);
  }

  honeypotSession(id: string): HoneypotSessionRow | undefined {
    if (!this.has('honeypot_instances')) return undefined;
    const r = this.db.prepare('SELECT * FROM honeypot_instances WHERE id = ?').get(id) as
      Record<string, unknown> | undefined;
    return r ? sessionOf(r) : undefined;
  }

  bundles(): BundleVersionRow[] {
    if (!this.has('rule_bundles')) return [];
    const rows = this.db.prepare('SELECT * FROM rule_bundles ORDER BY installed_at DESC').all() as Record<
      string,
      unknown
    >[];
    return rows.map((r) => ({
      version: String(r.version),
      name: String(r.name),
      sha256: String(r.sha256),
      records: Number(r.records),
      installedAt: String(r.installed_at),
      active: r.active === 1,
    }));
  }

  models(): ModelVersionRow[] {
    if (!this.has('identify_models')) return [];
    const active = this.has('identify_activations')
      ? ((
          this.db.prepare('SELECT version FROM identify_activations ORDER BY seq DESC LIMIT 1').get() as
            { version: number } | undefined
        )?.version ?? null)
      : null;
    const rows = this.db
      .prepare(
        'SELECT version, created_at, status, reason, metrics_json FROM identify_models ORDER BY version DESC',
      )
      .all() as Record<string, unknown>[];
    return rows.map((r) => ({
      version: Number(r.version),
      createdAt: String(r.created_at),
      status: String(r.status),
      reason: r.reason === null ? null : String(r.reason),
      active: Number(r.version) === active,
      source: String(json<Record<string, unknown>>(r.metrics_json, {}).source ?? 'trained here'),
    }));
  }

  policyVersions(): PolicyVersionRow[] {
    if (!this.has('tlsmon_policy_versions')) return [];
    const rows = this.db
      .prepare(
        'SELECT version, applied_at, source FROM tlsmon_policy_versions ORDER BY version DESC LIMIT 100',
      )
      .all() as Record<string, unknown>[];
    return rows.map((r) => ({
      version: Number(r.version),
      appliedAt: String(r.applied_at),
      source: String(r.source),
    }));
  }

  policyText(version?: number): string | undefined {
    if (!this.has('tlsmon_policy_versions')) return undefined;
    const r = (
      version === undefined
        ? this.db.prepare('SELECT text FROM tlsmon_policy_versions ORDER BY version DESC LIMIT 1').get()
        : this.db.prepare('SELECT text FROM tlsmon_policy_versions WHERE version = ?').get(version)
    ) as { text: string } | undefined;
    return r?.text;
  }
}

const ipKey = (ip: string): string =>
  ip
    .split('.')
    .map((x) => x.padStart(3, '0'))
    .join('.');

function fromDirectory(d: DirectoryDevice, lease: DeviceRow | undefined): DeviceRow {
  return {
    mac: d.mac,
    ip: d.ips[0] ?? lease?.ip ?? '',
    zone: d.zone ?? lease?.zone ?? null,
    hostname: d.hostname ?? lease?.hostname ?? null,
    firstSeen: d.firstSeen,
    lastSeen: d.lastSeen,
    // No lease (a fixed address): seen by the registry's discovery in the last ten minutes.
    active: lease?.active ?? Date.now() - Date.parse(d.lastSeen) < 600_000,
    registry: {
      vendor: d.vendor,
      type: d.type,
      group: d.group,
      confirmed: d.confirmed,
      protocols: d.protocols,
      restriction: d.restriction,
    },
  };
}

/**
 * Inside the gateway daemon: devices from the running registry (fresher than its batched writes) and the live
 * lease table; everything else as recorded.
 */
export class DirectoryStoreView extends RecordedStoreView {
  constructor(
    db: Db,
    private readonly directory: DeviceDirectory,
  ) {
    super(db);
  }

  protected override registered(): DirectoryDevice[] {
    return this.directory.list();
  }

  override device(mac: string): DeviceRow | undefined {
    const d = this.directory.get(mac);
    return d ? fromDirectory(d, this.leases().get(d.mac)) : undefined;
  }
}

function deviceOf(r: Record<string, unknown>): DeviceRow {
  const expires = r.lease_expires === null ? null : Date.parse(String(r.lease_expires));
  return {
    mac: String(r.mac),
    ip: String(r.ip),
    zone: r.zone === null ? null : String(r.zone),
    hostname: r.hostname === null ? null : String(r.hostname),
    firstSeen: String(r.first_seen),
    lastSeen: String(r.last_seen),
    active: expires === null || expires > Date.now(),
  };
}

function sessionOf(r: Record<string, unknown>): HoneypotSessionRow {
  return {
    id: String(r.id),
    service: String(r.service),
    peerIp: String(r.peer_ip),
    peerPort: Number(r.peer_port),
    localPort: Number(r.local_port),
    start: String(r.start),
    end: r.end === null ? null : String(r.end),
    endReason: r.end_reason === null ? null : String(r.end_reason),
    credentials: json(r.credentials, []),
    commands: json(r.commands, []),
    downloads: json(r.downloads, []),
    samples: json(r.samples, []),
    bytesIn: Number(r.bytes_in),
    bytesOut: Number(r.bytes_out),
  };
}
