/**
 * The entries in force, kept in the store (A-62: the watch state survives restarts). One row per event-cache key with
 * the entry as the bus carried it; a restarted gateway reads them back and puts the same table in force again.
 */
import type { CacheEntryMessage } from '../../framework/index.js';
import type { Db, Schema, SqliteStore } from '../../store/index.js';
import { expiresAtS, verdictKey } from './verdict-ruleset.js';

export const VERDICT_SCHEMA: Schema = {
  component: 'gateway-verdicts',
  migrations: [
    {
      version: 1,
      name: 'verdicts in force',
      sqlite: `CREATE TABLE gateway_verdicts (
      key TEXT PRIMARY KEY,
      entry TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    },
  ],
};

export class VerdictStore {
  private readonly db: Db;

  constructor(store: SqliteStore) {
    store.migrate(VERDICT_SCHEMA);
    this.db = store.db;
  }

  put(e: CacheEntryMessage): void {
    this.db
      .prepare(
        `INSERT INTO gateway_verdicts (key, entry, expires_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET entry = excluded.entry, expires_at = excluded.expires_at,
         updated_at = excluded.updated_at`,
      )
      .run(verdictKey(e), JSON.stringify(e), expiresAtS(e), new Date().toISOString());
  }

  delete(key: string): void {
    this.db.prepare('DELETE FROM gateway_verdicts WHERE key = ?').run(key);
  }

  /** Entries still alive at `nowS`; expired rows are deleted on the way. */
  load(nowS = Date.now() / 1000): CacheEntryMessage[] {
    this.db.prepare('DELETE FROM gateway_verdicts WHERE expires_at <= ?').run(Math.floor(nowS));
    const rows = this.db.prepare('SELECT entry FROM gateway_verdicts ORDER BY key').all() as Array<{
      entry: string;
    }>;
    return rows.map((r) => JSON.parse(r.entry) as CacheEntryMessage);
  }
}
