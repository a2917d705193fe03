/**
 * The IoT gateway's tables: per-device MQTT credentials (hashed), the user's authorisations,
 * the audit log of every configuration and control step, the protocols identified, and the initial security
 * check's runs and findings. One schema, migrated on open like every component's.
 */
import type { Db, Schema, SqliteStore } from '../store/index.js';

export const IOT_SCHEMA: Schema = {
  component: 'iot',
  migrations: [
    {
      version: 1,
      name: 'credentials, authorisations, audit, protocols, checks',
      sqlite: `
      CREATE TABLE iot_credentials (
        device_id TEXT PRIMARY KEY,
        salt TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        authorisation_id TEXT NOT NULL
      );
      CREATE TABLE iot_authorisations (
        id TEXT PRIMARY KEY,
        device_id TEXT NOT NULL,
        action TEXT NOT NULL,
        key TEXT,
        value TEXT,
        who TEXT NOT NULL,
        granted_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        uses_left INTEGER NOT NULL
      );
      CREATE INDEX iot_authorisations_device ON iot_authorisations (device_id);
      CREATE TABLE iot_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        device_id TEXT NOT NULL,
        action TEXT NOT NULL,
        key TEXT,
        value TEXT,
        who TEXT,
        authorisation_id TEXT,
        outcome TEXT NOT NULL,
        via TEXT,
        detail TEXT
      );
      CREATE INDEX iot_audit_device ON iot_audit (device_id, seq);
      CREATE TABLE iot_protocols (
        device_id TEXT NOT NULL,
        protocol TEXT NOT NULL,
        source TEXT NOT NULL,
        detail TEXT,
        at TEXT NOT NULL,
        PRIMARY KEY (device_id, protocol)
      );
      CREATE TABLE iot_check_runs (
        id TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        report TEXT NOT NULL
      );`,
    },
  ],
};

/** The step a user authorises: switching, setting one value, or provisioning the device's credentials. */
export type StepAction = 'power' | 'set' | 'credentials';

export interface Authorisation {
  id: string;
  deviceId: string;
  action: StepAction;
  /** For `set`: the value's name. */
  key: string | null;
  /** The value authorised; null = any value of that step. */
  value: string | null;
  who: string;
  grantedAt: string;
  expiresAt: string;
  usesLeft: number;
}

export interface AuditEntry {
  seq: number;
  at: string;
  deviceId: string;
  action: string;
  key: string | null;
  value: string | null;
  who: string | null;
  authorisationId: string | null;
  /** 'sent' (done), 'refused' (no valid authorisation: nothing was sent), 'failed' (sent, the device did not take it). */
  outcome: 'sent' | 'refused' | 'failed';
  via: string | null;
  detail: string | null;
}

export interface ProtocolRow {
  deviceId: string;
  protocol: string;
  /** 'registry' (the registry saw it), 'probe' (we asked the device), 'broker' (it logged in to our broker). */
  source: string;
  detail: string | null;
  at: string;
}

interface AuthRow {
  id: string;
  device_id: string;
  action: StepAction;
  key: string | null;
  value: string | null;
  who: string;
  granted_at: string;
  expires_at: string;
  uses_left: number;
}

const authOf = (r: AuthRow): Authorisation => ({
  id: r.id,
  deviceId: r.device_id,
  action: r.action,
  key: r.key,
  value: r.value,
  who: r.who,
  grantedAt: r.granted_at,
  expiresAt: r.expires_at,
  usesLeft: r.uses_left,
});

export class IotStore {
  readonly db: Db;

  constructor(store: SqliteStore) {
    store.migrate(IOT_SCHEMA);
    this.db = store.db;
  }

  putCredentials(deviceId: string, salt: string, hash: string, authorisationId: string): void {
    this.db
      .prepare(
        `INSERT INTO iot_credentials (device_id, salt, hash, created_at, authorisation_id) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(device_id) DO UPDATE SET salt = excluded.salt, hash = excluded.hash,
           created_at = excluded.created_at, authorisation_id = excluded.authorisation_id`,
      )
      .run(deviceId, salt, hash, new Date().toISOString(), authorisationId);
  }

  credentials(deviceId: string): { salt: string; hash: string } | undefined {
    return this.db.prepare('SELECT salt, hash FROM iot_credentials WHERE device_id = ?').get(deviceId) as
      { salt: string; hash: string } | undefined;
  }

  addAuthorisation(a: Authorisation): void {
    this.db
      .prepare(
        `INSERT INTO iot_authorisations (id, device_id, action, key, value, who, granted_at, expires_at, uses_left)
         VALUES (@id, @deviceId, @action, @key, @value, @who, @grantedAt, @expiresAt, @usesLeft)`,
      )
      .run(a);
  }

  authorisation(id: string): Authorisation | undefined {
    const r = this.db.prepare('SELECT * FROM iot_authorisations WHERE id = ?').get(id) as AuthRow | undefined;
    return r && authOf(r);
  }

  authorisations(deviceId?: string): Authorisation[] {
    const rows = (
      deviceId === undefined
        ? this.db.prepare('SELECT * FROM iot_authorisations ORDER BY granted_at')
        : this.db.prepare('SELECT * FROM iot_authorisations WHERE device_id = ? ORDER BY granted_at')
    ).all(...(deviceId === undefined ? [] : [deviceId])) as AuthRow[];
    return rows.map(authOf);
  }

  /** Takes one use of an authorisation; false when none is left (another request took the last). */
  consume(id: string): boolean {
    return (
      this.db
        .prepare('UPDATE iot_authorisations SET uses_left = uses_left - 1 WHERE id = ? AND uses_left > 0')
        .run(id).changes === 1
    );
  }

  audit(e: Omit<AuditEntry, 'seq' | 'at'>): void {
    this.db
      .prepare(
        `INSERT INTO iot_audit (at, device_id, action, key, value, who, authorisation_id, outcome, via, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        new Date().toISOString(),
        e.deviceId,
        e.action,
        e.key,
        e.value,
        e.who,
        e.authorisationId,
        e.outcome,
        e.via,
        e.detail,
      );
  }

  auditLog(deviceId?: string, limit = 100): AuditEntry[] {
    const sql = `SELECT seq, at, device_id AS deviceId, action, key, value, who, authorisation_id AS authorisationId,
      outcome, via, detail FROM iot_audit ${deviceId === undefined ? '' : 'WHERE device_id = ?'} ORDER BY seq DESC LIMIT ?`;
    const args = deviceId === undefined ? [limit] : [deviceId, limit];
    return (this.db.prepare(sql).all(...args) as AuditEntry[]).reverse();
  }

  putProtocol(deviceId: string, protocol: string, source: string, detail?: string): void {
    this.db
      .prepare(
        `INSERT INTO iot_protocols (device_id, protocol, source, detail, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(device_id, protocol) DO UPDATE SET source = excluded.source, detail = excluded.detail, at = excluded.at`,
      )
      .run(deviceId, protocol, source, detail ?? null, new Date().toISOString());
  }

  protocols(deviceId: string): ProtocolRow[] {
    return this.db
      .prepare(
        'SELECT device_id AS deviceId, protocol, source, detail, at FROM iot_protocols WHERE device_id = ? ORDER BY protocol',
      )
      .all(deviceId) as ProtocolRow[];
  }

  putCheckRun(id: string, reason: string, startedAt: string, endedAt: string, report: unknown): void {
    this.db
      .prepare('INSERT INTO iot_check_runs (id, reason, started_at, ended_at, report) VALUES (?, ?, ?, ?, ?)')
      .run(id, reason, startedAt, endedAt, JSON.stringify(report));
  }

  checkRunCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM iot_check_runs').get() as { n: number }).n;
  }

  latestCheckRun():
    { id: string; reason: string; startedAt: string; endedAt: string; report: unknown } | undefined {
    const r = this.db
      .prepare('SELECT * FROM iot_check_runs ORDER BY started_at DESC, rowid DESC LIMIT 1')
      .get() as
      { id: string; reason: string; started_at: string; ended_at: string; report: string } | undefined;
    return (
      r && {
        id: r.id,
        reason: r.reason,
        startedAt: r.started_at,
        endedAt: r.ended_at,
        report: JSON.parse(r.report),
      }
    );
  }
}
