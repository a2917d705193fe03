/**
 * Where a store lives, as the operator writes it: a file path (SQLite, the default) or a postgres:// URL.
 */
import type { SqliteStore } from './sqlite.js';
import type { PgStore } from './postgres.js';

export type Store = SqliteStore | PgStore;

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}
