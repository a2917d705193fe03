/** Every policy set the configuration client applied, versioned in the store, so a bad change can be undone. */
import type { Db, Schema, SqliteStore } from '../../store/index.js';

export const POLICY_VERSION_SCHEMA: Schema = {
  component: 'tlsmon-policy-versions',
  migrations: [
    {
      version: 1,
      name: 'policy versions',
      legacyId: 'tlsmon-003-policy-versions',
      sqlite: `CREATE TABLE tlsmon_policy_versions (
      version INTEGER PRIMARY KEY,
      applied_at TEXT NOT NULL,
      source TEXT NOT NULL,
      text TEXT NOT NULL
    );`,
    },
  ],
};

export class PolicyVersions {
  private readonly db: Db;

  constructor(store: SqliteStore) {
    store.migrate(POLICY_VERSION_SCHEMA);
    this.db = store.db;
  }

  add(text: string, source: string): number {
    const r = this.db
      .prepare('INSERT INTO tlsmon_policy_versions (applied_at, source, text) VALUES (?, ?, ?)')
      .run(new Date().toISOString(), source, text);
    return Number(r.lastInsertRowid);
  }

  get(version: number): { version: number; applied_at: string; source: string; text: string } | undefined {
    return this.db.prepare('SELECT * FROM tlsmon_policy_versions WHERE version = ?').get(version) as
      { version: number; applied_at: string; source: string; text: string } | undefined;
  }

  list(): Array<{ version: number; applied_at: string; source: string }> {
    return this.db
      .prepare(
        'SELECT version, applied_at, source FROM tlsmon_policy_versions ORDER BY version DESC LIMIT 100',
      )
      .all() as Array<{ version: number; applied_at: string; source: string }>;
  }
}
