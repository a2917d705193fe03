/** The console's own records: alerts and traffic it was handed, the user's device settings, audit, settings. */
import type { Db } from '../store/index.js';

export interface AlertRow {
  id: number;
  tsMs: number;
  sid: number;
  signature: string;
  severity: number;
  action: string;
  category: string;
  srcIp: string | null;
  destIp: string | null;
}

export interface DeviceSettings {
  mac: string;
  name: string | null;
  group: string;
  restricted: boolean;
  authorised: boolean;
  kind: string;
}

export interface AuditRow {
  id: number;
  at: string;
  user: string;
  action: string;
  target: string;
  detail: string;
}

type Eve = Record<string, unknown>;

/** EVE's timestamp (Suricata's `2024-03-01T12:00:03.945318+0000`) in ms. */
export function eveTimeMs(ts: unknown): number {
  if (typeof ts !== 'string') return Date.now();
  const m = /^(.*T\d\d:\d\d:\d\d(?:\.\d{1,3})?)\d*([+-]\d\d)(\d\d)$/.exec(ts);
  const ms = Date.parse(m ? `${m[1]}${m[2]}:${m[3]}` : ts);
  return Number.isFinite(ms) ? ms : Date.now();
}

export class ConsoleDb {
  private readonly insertAlert;
  private readonly addTraffic;

  constructor(readonly db: Db) {
    this.insertAlert = db.prepare(`INSERT INTO console_alerts
      (ts_ms, sid, signature, severity, action, category, src_ip, dest_ip, eve) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.addTraffic =
      db.prepare(`INSERT INTO console_traffic (minute, zone, ip, bytes, flows) VALUES (?, ?, ?, ?, 1)
      ON CONFLICT (minute, zone, ip) DO UPDATE SET bytes = bytes + excluded.bytes, flows = flows + 1`);
  }

  /** Stores an EVE alert; returns its row id. */
  addAlert(ev: Eve): number {
    const a = (ev.alert ?? {}) as Eve;
    const r = this.insertAlert.run(
      eveTimeMs(ev.timestamp),
      Number(a.signature_id ?? 0),
      String(a.signature ?? 'alert'),
      Number(a.severity ?? 3),
      String(a.action ?? 'allowed'),
      String(a.category ?? ''),
      typeof ev.src_ip === 'string' ? ev.src_ip : null,
      typeof ev.dest_ip === 'string' ? ev.dest_ip : null,
      JSON.stringify(ev),
    );
    return Number(r.lastInsertRowid);
  }

  /** Adds a flow's bytes to the minute it ended in, under the zone of its source. */
  addFlow(ev: Eve, zoneOf: (ip: string) => string): void {
    const f = (ev.flow ?? {}) as Eve;
    const src = typeof ev.src_ip === 'string' ? ev.src_ip : undefined;
    if (!src) return;
    const bytes = Number(f.bytes_toserver ?? 0) + Number(f.bytes_toclient ?? 0);
    const minute = Math.floor(eveTimeMs(f.end ?? ev.timestamp) / 60_000);
    this.addTraffic.run(minute, zoneOf(src), src, bytes);
  }

  alerts(o: { limit: number; before?: number; src?: string }): AlertRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (o.before !== undefined) {
      where.push('id < ?');
      args.push(o.before);
    }
    if (o.src !== undefined) {
      where.push('src_ip = ?');
      args.push(o.src);
    }
    const sql = `SELECT id, ts_ms, sid, signature, severity, action, category, src_ip, dest_ip FROM console_alerts
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, o.limit) as Eve[]).map((r) => ({
      id: Number(r.id),
      tsMs: Number(r.ts_ms),
      sid: Number(r.sid),
      signature: String(r.signature),
      severity: Number(r.severity),
      action: String(r.action),
      category: String(r.category),
      srcIp: (r.src_ip as string | null) ?? null,
      destIp: (r.dest_ip as string | null) ?? null,
    }));
  }

  alertEve(id: number): Eve | undefined {
    const r = this.db.prepare('SELECT eve FROM console_alerts WHERE id = ?').get(id) as
      { eve: string } | undefined;
    return r ? (JSON.parse(r.eve) as Eve) : undefined;
  }

  alertCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM console_alerts').get() as { n: number }).n;
  }

  /** Alerts per bucket (ms) over the last `span` ms of recorded time; and blocked ones. */
  alertSeries(bucketMs: number, buckets: number): Array<{ t: number; alerts: number; blocked: number }> {
    const last = (this.db.prepare('SELECT max(ts_ms) AS t FROM console_alerts').get() as { t: number | null })
      .t;
    if (last === null) return [];
    const from = Math.floor(last / bucketMs) * bucketMs - (buckets - 1) * bucketMs;
    const rows = this.db
      .prepare(
        `SELECT (ts_ms / ?) * ? AS t, count(*) AS n, sum(action = 'blocked') AS b FROM console_alerts
         WHERE ts_ms >= ? GROUP BY 1 ORDER BY 1`,
      )
      .all(bucketMs, bucketMs, from) as Array<{ t: number; n: number; b: number }>;
    return rows.map((r) => ({ t: r.t, alerts: r.n, blocked: r.b }));
  }

  blockedAlerts(): number {
    return (
      this.db.prepare("SELECT count(*) AS n FROM console_alerts WHERE action = 'blocked'").get() as {
        n: number;
      }
    ).n;
  }

  /** Bytes per zone and minute over the last `minutes` recorded minutes. */
  trafficSeries(minutes: number): Array<{ minute: number; zone: string; bytes: number }> {
    const last = (
      this.db.prepare('SELECT max(minute) AS m FROM console_traffic').get() as { m: number | null }
    ).m;
    if (last === null) return [];
    return this.db
      .prepare(
        `SELECT minute, zone, sum(bytes) AS bytes FROM console_traffic WHERE minute > ? GROUP BY minute, zone
         ORDER BY minute`,
      )
      .all(last - minutes) as Array<{ minute: number; zone: string; bytes: number }>;
  }

  topTalkers(n: number): Array<{ ip: string; zone: string; bytes: number; flows: number }> {
    return this.db
      .prepare(
        'SELECT ip, zone, sum(bytes) AS bytes, sum(flows) AS flows FROM console_traffic GROUP BY ip, zone ORDER BY bytes DESC LIMIT ?',
      )
      .all(n) as Array<{ ip: string; zone: string; bytes: number; flows: number }>;
  }

  deviceSettings(): Map<string, DeviceSettings> {
    const rows = this.db.prepare('SELECT * FROM console_devices').all() as Eve[];
    return new Map(rows.map((r) => [String(r.mac), settingsOf(r)]));
  }

  setDevice(mac: string, change: Partial<Omit<DeviceSettings, 'mac'>>): DeviceSettings {
    const cur = this.db.prepare('SELECT * FROM console_devices WHERE mac = ?').get(mac) as Eve | undefined;
    const s: DeviceSettings = {
      ...(cur
        ? settingsOf(cur)
        : { mac, name: null, group: 'unassigned', restricted: false, authorised: false, kind: 'user' }),
      ...change,
    };
    this.db
      .prepare(
        `INSERT OR REPLACE INTO console_devices (mac, name, grp, restricted, authorised, kind, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        mac,
        s.name,
        s.group,
        s.restricted ? 1 : 0,
        s.authorised ? 1 : 0,
        s.kind,
        new Date().toISOString(),
      );
    return s;
  }

  audit(user: string, action: string, target: string, detail: unknown): void {
    this.db
      .prepare('INSERT INTO console_audit (at, user, action, target, detail) VALUES (?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), user, action, target, JSON.stringify(detail ?? null));
  }

  auditLog(limit: number): AuditRow[] {
    return this.db.prepare('SELECT * FROM console_audit ORDER BY id DESC LIMIT ?').all(limit) as AuditRow[];
  }

  setting<T>(key: string): T | undefined {
    const r = this.db.prepare('SELECT value FROM console_settings WHERE key = ?').get(key) as
      { value: string } | undefined;
    return r ? (JSON.parse(r.value) as T) : undefined;
  }

  setSetting(key: string, value: unknown): void {
    this.db
      .prepare('INSERT OR REPLACE INTO console_settings (key, value) VALUES (?, ?)')
      .run(key, JSON.stringify(value));
  }
}

function settingsOf(r: Eve): DeviceSettings {
  return {
    mac: String(r.mac),
    name: (r.name as string | null) ?? null,
    group: String(r.grp),
    restricted: r.restricted === 1,
    authorised: r.authorised === 1,
    kind: String(r.kind),
  };
}
