/**
 * The console's own tables: accounts and sessions, the audit log, alerts it has been handed (EVE), per-minute
 * traffic per zone and talker, the user's names/groups/restrictions of devices and the first-deployment state.
 * What other components own (devices, event cache, honeypot, bundles, models, policies) is only read from their
 * tables (store-view.ts).
 */
import type { Schema } from '../store/index.js';

export const CONSOLE_SCHEMA: Schema = {
  component: 'console',
  migrations: [
    {
      version: 1,
      name: 'console',
      sqlite: `
      CREATE TABLE console_users (
        name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('admin', 'read-only')),
        password_hash TEXT NOT NULL, created_at TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE console_sessions (
        token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, role TEXT NOT NULL, csrf TEXT NOT NULL,
        created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE TABLE console_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,
        target TEXT NOT NULL, detail TEXT NOT NULL);
      CREATE TABLE console_alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts_ms INTEGER NOT NULL, sid INTEGER NOT NULL, signature TEXT NOT NULL,
        severity INTEGER NOT NULL, action TEXT NOT NULL, category TEXT NOT NULL, src_ip TEXT, dest_ip TEXT,
        eve TEXT NOT NULL);
      CREATE INDEX console_alerts_ts ON console_alerts (ts_ms);
      CREATE INDEX console_alerts_src ON console_alerts (src_ip, ts_ms);
      CREATE TABLE console_traffic (
        minute INTEGER NOT NULL, zone TEXT NOT NULL, ip TEXT NOT NULL, bytes INTEGER NOT NULL, flows INTEGER NOT NULL,
        PRIMARY KEY (minute, zone, ip)) WITHOUT ROWID;
      CREATE TABLE console_devices (
        mac TEXT PRIMARY KEY, name TEXT, grp TEXT NOT NULL DEFAULT 'unassigned', restricted INTEGER NOT NULL DEFAULT 0,
        authorised INTEGER NOT NULL DEFAULT 0, kind TEXT NOT NULL DEFAULT 'user', updated_at TEXT NOT NULL);
      CREATE TABLE console_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
    },
  ],
};
