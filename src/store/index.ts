/**
 * Persistence, in one place: the SQLite store (default), PostgreSQL, the one Redis client factory, and the one
 * versioned migration mechanism every component's schema goes through.
 */
export { openSqlite, SqliteStore, type Db, type SqliteOpenOptions } from './sqlite.js';
export { PgStore, redactUrl, type PgPool, type PgConnectOptions } from './postgres.js';
export { isPostgresUrl, type Store } from './location.js';
export {
  checksum,
  BOOKKEEPING_TABLE,
  LEGACY_TABLE,
  type Migration,
  type Schema,
  type AppliedMigration,
  type MigrationReport,
  type Dialect,
} from './migrations.js';
export { StoreError, type StoreErrorKind } from './errors.js';
export { createRedisClient, subscriberOf, type RedisClient, type RedisClientOptions } from './redis.js';
