/**
 * The stores a command opens from its flags (the convention is in ./store-flags.ts), one handle per location, all
 * closed together when the command ends. A store that cannot be opened is a usage error naming the flag; a store's
 * refusal later (a migration edited after release, a store newer than this moat) is a StoreError, which cli/main.ts
 * prints as one line like every typed error. Commands that may run without a store import this file lazily.
 */
import { resolve } from 'node:path';
import {
  PgStore,
  createRedisClient,
  isPostgresUrl,
  openSqlite,
  redactUrl,
  type RedisClient,
  type SqliteStore,
  type Store,
} from '../store/index.js';
import { UsageError } from './errors.js';

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class StoreSet {
  private readonly sqlite = new Map<string, SqliteStore>();
  private readonly pg = new Map<string, PgStore>();
  private readonly redis = new Map<string, RedisClient>();

  /**
   * The SQLite store at `location` (two flags naming one file share one handle); `holds` names what needs SQLite,
   * for the message when a postgres:// URL is given. `create: false` refuses a file that does not exist.
   */
  sqliteStore(flag: string, location: string, holds: string, opts: { create?: boolean } = {}): SqliteStore {
    if (isPostgresUrl(location))
      throw new UsageError(
        `${flag} ${redactUrl(location)}: PostgreSQL does not hold ${holds} (SQLite only); give a file path`,
      );
    const key = location === ':memory:' ? `:memory:${this.sqlite.size}` : resolve(location);
    const open = this.sqlite.get(key);
    if (open) return open;
    try {
      const s = openSqlite(location, opts);
      this.sqlite.set(key, s);
      return s;
    } catch (err) {
      throw new UsageError(`${flag}: ${reason(err)}`);
    }
  }

  /** The store at `location`: PostgreSQL for a postgres:// URL, otherwise the SQLite file. */
  async store(flag: string, location: string): Promise<Store> {
    if (!isPostgresUrl(location)) return this.sqliteStore(flag, location, 'this');
    const open = this.pg.get(location);
    if (open) return open;
    try {
      const s = await PgStore.connect(location);
      this.pg.set(location, s);
      return s;
    } catch (err) {
      throw new UsageError(`${flag}: ${reason(err)}`);
    }
  }

  /**
   * A client from the one factory, checked with a PING so a wrong URL fails here and names the flag. Connection
   * errors are reported once per outage on stderr (the client reconnects by itself), not as ioredis's stack traces.
   */
  async redisClient(flag: string, url: string): Promise<RedisClient> {
    const open = this.redis.get(url);
    if (open) return open;
    let client: RedisClient;
    try {
      client = createRedisClient(url, { connectionName: 'moat' });
    } catch (err) {
      throw new UsageError(`${flag}: ${reason(err)}`);
    }
    let ready = false;
    let lastError: unknown;
    let reported = false;
    client.on('error', (err: unknown) => {
      lastError = err;
      if (!ready || reported) return;
      reported = true;
      process.stderr.write(`moat: ${flag} ${url}: ${reason(err)}; reconnecting\n`);
    });
    client.on('ready', () => {
      reported = false;
    });
    try {
      await client.ping();
      ready = true;
    } catch (err) {
      client.disconnect();
      throw new UsageError(`${flag} ${url}: cannot reach the server: ${reason(lastError ?? err)}`);
    }
    this.redis.set(url, client);
    return client;
  }

  async close(): Promise<void> {
    for (const s of this.sqlite.values()) s.close();
    this.sqlite.clear();
    const pending: Promise<unknown>[] = [];
    for (const s of this.pg.values()) pending.push(s.close());
    for (const c of this.redis.values()) pending.push(c.quit().catch(() => c.disconnect()));
    this.pg.clear();
    this.redis.clear();
    await Promise.all(pending);
  }
}

/** Runs a command's work with the stores it opens, closing them all at the end. */
export async function withStores<T>(fn: (stores: StoreSet) => T | Promise<T>): Promise<T> {
  const stores = new StoreSet();
  try {
    return await fn(stores);
  } finally {
    await stores.close();
  }
}
