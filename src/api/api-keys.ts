/**
 * API keys per terminal (B-1 terminals): only the SHA-256 of a key is stored — keys are 32 random bytes,
 * so a fast hash is enough (no password stretching needed) and a lookup is one indexed probe.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db, Schema, SqliteStore } from '../store/index.js';

/**
 * The identification service's terminals and request log. The PostgreSQL form is written IF NOT EXISTS: stores
 * that predate versioning created these tables without bookkeeping, and their rows are kept.
 */
export const IDENTIFY_API_SCHEMA: Schema = {
  component: 'identify-api',
  migrations: [
    {
      version: 1,
      name: 'api keys and request log',
      legacyId: 'identify-002-api-keys-requests',
      sqlite: `
      CREATE TABLE identify_api_keys (
        terminal TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,
        revoked_at TEXT, rate_per_s REAL NOT NULL, burst REAL NOT NULL);
      CREATE TABLE identify_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, terminal TEXT, route TEXT NOT NULL,
        status INTEGER NOT NULL, items INTEGER NOT NULL, ms REAL NOT NULL, client TEXT);
      CREATE INDEX identify_requests_at ON identify_requests (at);`,
      postgres: `
      CREATE TABLE IF NOT EXISTS identify_api_keys (
        terminal TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ, rate_per_s DOUBLE PRECISION NOT NULL, burst DOUBLE PRECISION NOT NULL);
      CREATE TABLE IF NOT EXISTS identify_requests (
        id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL, terminal TEXT, route TEXT NOT NULL,
        status INTEGER NOT NULL, items INTEGER NOT NULL, ms DOUBLE PRECISION NOT NULL, client TEXT);
      CREATE INDEX IF NOT EXISTS identify_requests_at ON identify_requests (at);`,
    },
  ],
};

export interface TerminalKey {
  terminal: string;
  ratePerS: number;
  burst: number;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new key: shown once to the operator, only its hash is stored. */
export function newKey(): string {
  return `moat_${randomBytes(32).toString('base64url')}`;
}

export const DEFAULT_RATE_PER_S = 50_000;

/** Seconds of its rate a terminal may spend at once: burst = k × rate (k = BURST_SECONDS). */
export const BURST_SECONDS = 2;

/**
 * Default burst: k × rate, at least one verdict. No floor at a full batch: a key with a rate of 2/s must not
 * pass a 9,990-item batch; a terminal that sends full batches needs a rate that pays for them.
 */
export function defaultBurst(rate: number): number {
  return Math.max(rate * BURST_SECONDS, 1);
}

/** What the HTTP server needs: the terminal of a presented key (a store may answer asynchronously). */
export interface KeyVerifier {
  verify(key: string): TerminalKey | null | Promise<TerminalKey | null>;
}

export interface KeyRow {
  terminal: string;
  created_at: string;
  revoked_at: string | null;
  rate_per_s: number;
  burst: number;
}

/**
 * Verification answers by key hash, dropped every 5 s (so a revocation applies within that) and when more than
 * 10,000 distinct keys were presented (so junk keys cannot grow it without bound).
 */
export class KeyVerifyCache {
  private readonly map = new Map<string, TerminalKey | null>();
  private loadedAt = 0;

  get(hash: string): TerminalKey | null | undefined {
    const now = Date.now();
    if (now - this.loadedAt > 5000) {
      this.map.clear();
      this.loadedAt = now;
    }
    return this.map.get(hash);
  }

  set(hash: string, v: TerminalKey | null): void {
    if (this.map.size > 10_000) this.map.clear();
    this.map.set(hash, v);
  }

  clear(): void {
    this.map.clear();
  }
}

export class ApiKeyStore implements KeyVerifier {
  private readonly cache = new KeyVerifyCache();

  readonly db: Db;

  constructor(store: SqliteStore) {
    store.migrate(IDENTIFY_API_SCHEMA);
    this.db = store.db;
  }

  /** Creates (or replaces) the key of a terminal and returns the key; it is shown once and never stored. */
  issue(terminal: string, opts: { ratePerS?: number; burst?: number } = {}): string {
    const key = newKey();
    const rate = opts.ratePerS ?? DEFAULT_RATE_PER_S;
    this.db
      .prepare(
        `INSERT INTO identify_api_keys (terminal, key_hash, created_at, rate_per_s, burst) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (terminal) DO UPDATE SET key_hash = excluded.key_hash, created_at = excluded.created_at,
           revoked_at = NULL, rate_per_s = excluded.rate_per_s, burst = excluded.burst`,
      )
      .run(terminal, hashKey(key), new Date().toISOString(), rate, opts.burst ?? defaultBurst(rate));
    this.cache.clear();
    return key;
  }

  revoke(terminal: string): boolean {
    const n = this.db
      .prepare('UPDATE identify_api_keys SET revoked_at = ? WHERE terminal = ? AND revoked_at IS NULL')
      .run(new Date().toISOString(), terminal).changes;
    this.cache.clear();
    return n > 0;
  }

  list(): KeyRow[] {
    return this.db
      .prepare(
        'SELECT terminal, created_at, revoked_at, rate_per_s, burst FROM identify_api_keys ORDER BY terminal',
      )
      .all() as never;
  }

  /** The terminal owning a presented key, or null. Cached; the cache drops every 5 s so revocations apply. */
  verify(key: string): TerminalKey | null {
    const h = hashKey(key);
    const hit = this.cache.get(h);
    if (hit !== undefined) return hit;
    const r = this.db
      .prepare(
        'SELECT terminal, rate_per_s, burst FROM identify_api_keys WHERE key_hash = ? AND revoked_at IS NULL',
      )
      .get(h) as { terminal: string; rate_per_s: number; burst: number } | undefined;
    const v = r ? { terminal: r.terminal, ratePerS: r.rate_per_s, burst: r.burst } : null;
    this.cache.set(h, v);
    return v;
  }
}
