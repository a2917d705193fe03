/**
 * PostgreSQL, for what a fleet shares (today: the identification service's API keys and request log). Same
 * migration mechanism as SQLite; concurrent services migrating one database at start-up are serialised by an
 * advisory lock held for the migration's transaction.
 */
import pg from 'pg';
import { StoreError } from './errors.js';
import {
  BOOKKEEPING_TABLE,
  checksum,
  plan,
  sqlFor,
  type AppliedMigration,
  type MigrationReport,
  type Schema,
} from './migrations.js';

/** Any constant: the advisory lock moat's migrations take (pg_advisory_xact_lock). */
const MIGRATION_LOCK = 0x6d6f6174; // 'moat'

export type PgPool = pg.Pool;

/** The connection string without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');
}

export interface PgConnectOptions {
  /** Connections in the pool (default 4). */
  max?: number;
  connectionTimeoutMillis?: number;
}

export class PgStore {
  readonly kind = 'postgres' as const;

  private constructor(
    readonly pool: PgPool,
    /** The URL without its password. */
    readonly location: string,
  ) {}

  /**
   * A pool whose server answered and whose bookkeeping table exists: a wrong URL fails here, naming the server
   * (password hidden), not on a component's first query.
   */
  static async connect(url: string, opts: PgConnectOptions = {}): Promise<PgStore> {
    const location = redactUrl(url);
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.max ?? 4,
      connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 10_000,
    });
    // An idle client losing its server (restart) must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    try {
      // CREATE TABLE IF NOT EXISTS is not safe against a concurrent one (both may try to create the row type):
      // services starting together take the migration lock for it too.
      await pool.query(`BEGIN;
        SELECT pg_advisory_xact_lock(${MIGRATION_LOCK});
        CREATE TABLE IF NOT EXISTS ${BOOKKEEPING_TABLE} (
          component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,
          applied_at TIMESTAMPTZ NOT NULL, checksum TEXT NOT NULL, PRIMARY KEY (component, version));
        COMMIT`);
    } catch (err) {
      await pool.end().catch(() => {});
      throw new StoreError(
        'open',
        `PostgreSQL ${location}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    return new PgStore(pool, location);
  }

  /**
   * Brings the component's tables to the newest shipped version, in one transaction under the migration lock.
   * PostgreSQL stores predate versioning without bookkeeping: their first steps are written `IF NOT EXISTS`, so
   * running them over tables today's code created keeps every row.
   */
  async migrate(schema: Schema): Promise<MigrationReport> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const recorded = (
        await client.query<{ version: number; checksum: string }>(
          `SELECT version, checksum FROM ${BOOKKEEPING_TABLE} WHERE component = $1`,
          [schema.component],
        )
      ).rows;
      const p = plan(schema, 'postgres', this.location, recorded, new Map());
      for (const m of p.apply) {
        const sql = sqlFor(schema, m, 'postgres', this.location);
        try {
          await client.query(sql);
        } catch (err) {
          throw new StoreError(
            'failed',
            `store ${this.location}: migration ${schema.component} #${m.version} '${m.name}' failed, nothing of this run was applied: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
        }
        await client.query(
          `INSERT INTO ${BOOKKEEPING_TABLE} (component, version, name, applied_at, checksum) VALUES ($1, $2, $3, now(), $4)`,
          [schema.component, m.version, m.name, checksum(sql)],
        );
      }
      await client.query('COMMIT');
      return {
        component: schema.component,
        from: p.from,
        to: p.apply.length ? p.apply[p.apply.length - 1].version : p.from,
        adopted: [],
        applied: p.apply.map((m) => m.version),
      };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      if (err instanceof StoreError) throw err;
      broken = true;
      throw new StoreError(
        'open',
        `PostgreSQL ${this.location}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    } finally {
      // A connection that failed mid-transaction is not handed back to the pool.
      client.release(broken);
    }
  }

  async applied(component?: string): Promise<AppliedMigration[]> {
    const r = await this.pool.query<{
      component: string;
      version: number;
      name: string;
      applied_at: Date;
      checksum: string;
    }>(
      `SELECT component, version, name, applied_at, checksum FROM ${BOOKKEEPING_TABLE}
       ${component === undefined ? '' : 'WHERE component = $1'} ORDER BY component, version`,
      component === undefined ? [] : [component],
    );
    return r.rows.map((x) => ({
      component: x.component,
      version: x.version,
      name: x.name,
      appliedAt: x.applied_at.toISOString(),
      checksum: x.checksum,
    }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
