/**
 * API keys in PostgreSQL, for services configured with `--pg`: a fleet of identification services shares
 * one set of terminals, so a key issued or revoked once applies everywhere. Same rules as the SQLite store
 * (only the SHA-256 is stored; verification is cached for 5 s so a revocation applies within that), but a
 * cache miss costs a query, answered asynchronously.
 */
import type { PgPool, PgStore } from '../store/index.js';
import {
  IDENTIFY_API_SCHEMA,
  DEFAULT_RATE_PER_S,
  defaultBurst,
  hashKey,
  KeyVerifyCache,
  newKey,
  type KeyRow,
  type KeyVerifier,
  type TerminalKey,
} from './api-keys.js';

export class PgApiKeyStore implements KeyVerifier {
  private readonly cache = new KeyVerifyCache();

  private constructor(private readonly pool: PgPool) {}

  /** Migrates the table; the pool belongs to the store (closed with it). */
  static async open(store: PgStore): Promise<PgApiKeyStore> {
    await store.migrate(IDENTIFY_API_SCHEMA);
    return new PgApiKeyStore(store.pool);
  }

  async issue(terminal: string, opts: { ratePerS?: number; burst?: number } = {}): Promise<string> {
    const key = newKey();
    const rate = opts.ratePerS ?? DEFAULT_RATE_PER_S;
    await this.pool.query(
      `INSERT INTO identify_api_keys (terminal, key_hash, created_at, rate_per_s, burst) VALUES ($1, $2, now(), $3, $4)
       ON CONFLICT (terminal) DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at,
         revoked_at = NULL, rate_per_s = excluded.rate_per_s, burst = excluded.burst`,
      [terminal, hashKey(key), rate, opts.burst ?? defaultBurst(rate)],
    );
    this.cache.clear();
    return key;
  }

  async revoke(terminal: string): Promise<boolean> {
    const r = await this.pool.query(
      'UPDATE identify_api_keys SET revoked_at = now() WHERE terminal = $1 AND revoked_at IS NULL',
      [terminal],
    );
    this.cache.clear();
    return (r.rowCount ?? 0) > 0;
  }

  async list(): Promise<KeyRow[]> {
    const r = await this.pool.query(
      'SELECT terminal, created_at, revoked_at, rate_per_s, burst FROM identify_api_keys ORDER BY terminal',
    );
    return r.rows.map((x: Record<string, unknown>) => ({
      terminal: x.terminal as string,
      created_at: (x.created_at as Date).toISOString(),
      revoked_at: x.revoked_at ? (x.revoked_at as Date).toISOString() : null,
      rate_per_s: x.rate_per_s as number,
      burst: x.burst as number,
    }));
  }

  /** Cached answers are synchronous (the hot path); a miss asks the server. */
  verify(key: string): TerminalKey | null | Promise<TerminalKey | null> {
    const h = hashKey(key);
    const hit = this.cache.get(h);
    if (hit !== undefined) return hit;
    return this.pool
      .query(
        'SELECT terminal, rate_per_s, burst FROM identify_api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
        [h],
      )
      .then((r) => {
        const row = r.rows[0] as { terminal: string; rate_per_s: number; burst: number } | undefined;
        const v = row ? { terminal: row.terminal, ratePerS: row.rate_per_s, burst: row.burst } : null;
        this.cache.set(h, v);
        return v;
      });
  }
}
