/**
 * The embedded store: one SQLite file (better-sqlite3) in WAL mode holding every component's tables. Components
 * receive the handle and bring their schema (`migrate`); they never open files themselves.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from './errors.js';
import {
  BOOKKEEPING_TABLE,
  LEGACY_TABLE,
  checksum,
  plan,
  sqlFor,
  type AppliedMigration,
  type MigrationReport,
  type Schema,
} from './migrations.js';

export type Db = Database.Database;

export interface SqliteOpenOptions {
  /** false: refuse a file that does not exist instead of creating it (a store that must already hold data). */
  create?: boolean;
}

export class SqliteStore {
  readonly kind = 'sqlite' as const;

  constructor(
    readonly db: Db,
    /** The file, as given (':memory:' for a throw-away store). */
    readonly location: string,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS ${BOOKKEEPING_TABLE} (
      component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL,
      checksum TEXT NOT NULL, PRIMARY KEY (component, version))`);
  }

  /**
   * Brings the component's tables to the newest shipped version. Reads first without a lock (the usual case:
   * nothing to do); otherwise takes the write lock (BEGIN IMMEDIATE), decides again under it — another process may
   * have migrated meanwhile — and runs the missing steps and their bookkeeping in one transaction.
   */
  migrate(schema: Schema): MigrationReport {
    const first = this.plan(schema);
    if (first.adopt.length === 0 && first.apply.length === 0)
      return { component: schema.component, from: first.from, to: first.from, adopted: [], applied: [] };
    const record = this.db.prepare(
      `INSERT INTO ${BOOKKEEPING_TABLE} (component, version, name, applied_at, checksum) VALUES (?, ?, ?, ?, ?)`,
    );
    const run = this.db.transaction((): MigrationReport => {
      const p = this.plan(schema);
      for (const { migration: m, appliedAt } of p.adopt)
        record.run(
          schema.component,
          m.version,
          m.name,
          appliedAt,
          checksum(sqlFor(schema, m, 'sqlite', this.location)),
        );
      for (const m of p.apply) {
        const sql = sqlFor(schema, m, 'sqlite', this.location);
        try {
          this.db.exec(sql);
        } catch (err) {
          throw new StoreError(
            'failed',
            `store ${this.location}: migration ${schema.component} #${m.version} '${m.name}' failed, nothing of this run was applied: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
        }
        record.run(schema.component, m.version, m.name, new Date().toISOString(), checksum(sql));
      }
      const last = p.apply.length ? p.apply[p.apply.length - 1].version : p.from;
      return {
        component: schema.component,
        from: p.from,
        to: last,
        adopted: p.adopt.map((a) => a.migration.version),
        applied: p.apply.map((m) => m.version),
      };
    });
    return run.immediate();
  }

  /** The bookkeeping rows by component and version (all components, or one). */
  applied(component?: string): AppliedMigration[] {
    const rows = this.db
      .prepare(
        `SELECT component, version, name, applied_at AS appliedAt, checksum FROM ${BOOKKEEPING_TABLE}
         ${component === undefined ? '' : 'WHERE component = ?'} ORDER BY component, version`,
      )
      .all(...(component === undefined ? [] : [component])) as AppliedMigration[];
    return rows;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private plan(schema: Schema): ReturnType<typeof plan> {
    const recorded = this.db
      .prepare(`SELECT version, checksum FROM ${BOOKKEEPING_TABLE} WHERE component = ?`)
      .all(schema.component) as Array<{ version: number; checksum: string }>;
    return plan(schema, 'sqlite', this.location, recorded, recorded.length ? new Map() : this.legacyIds());
  }

  /** Pre-versioning bookkeeping: `schema_migrations(id, applied_at)`, kept as it is (nothing is dropped). */
  private legacyIds(): Map<string, string> {
    const t = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
      .get(LEGACY_TABLE);
    if (!t) return new Map();
    const rows = this.db.prepare(`SELECT id, applied_at FROM ${LEGACY_TABLE}`).all() as Array<{
      id: string;
      applied_at: string;
    }>;
    return new Map(rows.map((r) => [r.id, r.applied_at]));
  }
}

/**
 * Opens (creating it and its folder unless `create: false`) the SQLite store at `path`; ':memory:' is a store that
 * lives as long as the handle. Errors name the path.
 */
export function openSqlite(path: string, opts: SqliteOpenOptions = {}): SqliteStore {
  const memory = path === ':memory:';
  if (!memory && opts.create === false && !existsSync(path))
    throw new StoreError('open', `store ${path}: no such file`);
  let db: Db;
  try {
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode loses at most the last transactions on power loss, never corrupts; kill -9 is safe.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (err) {
    throw new StoreError('open', `store ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  try {
    return new SqliteStore(db, path);
  } catch (err) {
    db.close();
    throw new StoreError('open', `store ${path}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}
