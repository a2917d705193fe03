/**
 * Intel in the store (B-4 seed data): one row per (indicator, source) with provenance — which source, from
 * which file, when loaded — first/last seen and expiry. Loading the same feed again refreshes last-seen and
 * expiry and keeps first-seen; `expire` deletes what is past its expiry.
 */
import { basename } from 'node:path';
import type { Db, Schema, SqliteStore } from '../store/index.js';
import type { FeedParseResult, Indicator } from './feeds/types.js';

export const INTEL_SCHEMA: Schema = {
  component: 'intel',
  migrations: [
    {
      version: 1,
      name: 'indicators',
      legacyId: 'intel-001-indicators',
      sqlite: `
      CREATE TABLE intel_sources (
        name TEXT PRIMARY KEY, path TEXT NOT NULL, format TEXT NOT NULL, loaded_at TEXT NOT NULL,
        entries INTEGER NOT NULL, errors INTEGER NOT NULL);
      CREATE TABLE intel_indicators (
        type TEXT NOT NULL, value TEXT NOT NULL, source TEXT NOT NULL, category TEXT, list_count INTEGER,
        first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, expires_at TEXT, loaded_at TEXT NOT NULL,
        origin TEXT NOT NULL,
        PRIMARY KEY (type, value, source));
      CREATE INDEX intel_indicators_expiry ON intel_indicators (expires_at);
      CREATE INDEX intel_indicators_source ON intel_indicators (source);`,
    },
    {
      version: 2,
      name: 'state',
      legacyId: 'intel-002-state',
      sqlite: `CREATE TABLE intel_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
    },
  ],
};

export interface LoadOptions {
  /** Provenance name; default the file name. */
  source?: string;
  /** Expiry for entries that carry none, in days from now (default 30); 0 = never expire. */
  ttlDays?: number;
  now?: Date;
}

export interface LoadSummary {
  source: string;
  format: string;
  accepted: number;
  errors: number;
}

export interface IndicatorRow {
  type: string;
  value: string;
  source: string;
  category: string | null;
  list_count: number | null;
  first_seen: string;
  last_seen: string;
  expires_at: string | null;
  loaded_at: string;
  origin: string;
}

export class IntelStore {
  readonly db: Db;

  constructor(store: SqliteStore) {
    store.migrate(INTEL_SCHEMA);
    this.db = store.db;
  }

  /** Stores the accepted indicators of a parsed feed (bad lines were already set aside by the parser). */
  load(path: string, parsed: FeedParseResult, opts: LoadOptions = {}): LoadSummary {
    const now = (opts.now ?? new Date()).toISOString();
    const ttl = opts.ttlDays ?? 30;
    const defaultExpiry = ttl > 0 ? new Date(Date.parse(now) + ttl * 86400_000).toISOString() : null;
    const source = opts.source ?? basename(path);
    const upsert = this.db.prepare(`
      INSERT INTO intel_indicators (type, value, source, category, list_count, first_seen, last_seen, expires_at, loaded_at, origin)
      VALUES (@type, @value, @source, @category, @listCount, @firstSeen, @lastSeen, @expiresAt, @now, @origin)
      ON CONFLICT (type, value, source) DO UPDATE SET
        category = COALESCE(excluded.category, category),
        list_count = COALESCE(excluded.list_count, list_count),
        first_seen = MIN(first_seen, excluded.first_seen),
        last_seen = MAX(last_seen, excluded.last_seen),
        expires_at = excluded.expires_at,
        loaded_at = excluded.loaded_at,
        origin = excluded.origin`);
    const run = this.db.transaction((items: Indicator[]) => {
      for (const ind of items) {
        upsert.run({
          type: ind.type,
          value: ind.value,
          source,
          category: ind.category ?? null,
          listCount: ind.listCount ?? null,
          firstSeen: ind.firstSeen ?? now,
          lastSeen: ind.lastSeen ?? now,
          expiresAt: ind.expiresAt ?? defaultExpiry,
          now,
          origin: `${path}:${ind.where.replace(/^line /, '')}`,
        });
      }
      this.db
        .prepare(
          `INSERT INTO intel_sources (name, path, format, loaded_at, entries, errors) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET path = excluded.path, format = excluded.format,
             loaded_at = excluded.loaded_at, entries = excluded.entries, errors = excluded.errors`,
        )
        .run(source, path, parsed.format, now, items.length, parsed.errors.length);
    });
    run(parsed.indicators);
    return {
      source,
      format: parsed.format,
      accepted: parsed.indicators.length,
      errors: parsed.errors.length,
    };
  }

  /** Deletes entries whose expiry has passed; returns how many. */
  expire(now: Date = new Date()): number {
    const n = this.db
      .prepare('DELETE FROM intel_indicators WHERE expires_at IS NOT NULL AND expires_at <= ?')
      .run(now.toISOString()).changes;
    if (n > 0)
      this.db
        .prepare("INSERT OR REPLACE INTO intel_state (key, value) VALUES ('expired_at', ?)")
        .run(now.toISOString());
    return n;
  }

  /**
   * Changes whenever feeds are loaded or entries expire: services compare it to rebuild their index.
   * (Entries passing their expiry without `expire` being run are also dropped when the index is rebuilt.)
   */
  stamp(): string {
    const r = this.db
      .prepare(
        "SELECT (SELECT MAX(loaded_at) FROM intel_sources) AS l, (SELECT value FROM intel_state WHERE key = 'expired_at') AS e, (SELECT COUNT(*) FROM intel_indicators) AS n",
      )
      .get() as { l: string | null; e: string | null; n: number };
    return `${r.l ?? ''}|${r.e ?? ''}|${r.n}`;
  }

  sources(): {
    name: string;
    path: string;
    format: string;
    loaded_at: string;
    entries: number;
    errors: number;
    live: number;
  }[] {
    return this.db
      .prepare(
        `SELECT s.*, (SELECT COUNT(*) FROM intel_indicators i WHERE i.source = s.name) AS live
         FROM intel_sources s ORDER BY s.name`,
      )
      .all() as never;
  }

  list(filter: { type?: string; source?: string; value?: string; limit?: number } = {}): IndicatorRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.type) {
      where.push('type = ?');
      args.push(filter.type);
    }
    if (filter.source) {
      where.push('source = ?');
      args.push(filter.source);
    }
    if (filter.value) {
      where.push('value LIKE ?');
      args.push(`${filter.value}%`);
    }
    const sql = `SELECT * FROM intel_indicators ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY type, value LIMIT ${Math.max(1, Math.min(filter.limit ?? 100, 1_000_000))}`;
    return this.db.prepare(sql).all(...args) as IndicatorRow[];
  }

  /** Live (unexpired) rows, streamed for building the in-memory index. */
  *live(now: Date = new Date()): Generator<IndicatorRow> {
    yield* this.db
      .prepare('SELECT * FROM intel_indicators WHERE expires_at IS NULL OR expires_at > ?')
      .iterate(now.toISOString()) as Generator<IndicatorRow>;
  }
}
