/**
 * The one Redis client factory: every component that shares state through Redis (history counters, the
 * event cache, the message bus) gets its connection here, so connection options, retries and the URL
 * check live in one place.
 */
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

/**
 * ioredis is loaded on the first client, not with this module: loading it puts V8's String.prototype in dictionary
 * mode (its RESP decoder's class setup does), and from then on every string method call in optimized code —
 * `charCodeAt` in the EVE writer, the parsers — goes through a generic property lookup. `moat analyze --rules`
 * reached this module through the security stage and spent ~0.6 CPU s more on big.pcap with ET Open for it (a whole run ~7).
 */
let RedisCtor: typeof Redis | undefined;
function redisClass(): typeof Redis {
  return (RedisCtor ??= (createRequire(import.meta.url)('ioredis') as { Redis: typeof Redis }).Redis);
}

export type RedisClient = Redis;

export interface RedisClientOptions {
  /** Commands fail after this many reconnection attempts instead of queueing forever (default 2). */
  maxRetriesPerRequest?: number | null;
  /** Batch commands issued in the same tick into one round trip (default true). */
  autoPipelining?: boolean;
  /** Connect on the first command instead of at once (default false). */
  lazyConnect?: boolean;
  /** Name shown by CLIENT LIST, e.g. `moat-bus`. */
  connectionName?: string;
}

/** Opens a client for `url` (redis://host:port[/db]); throws a clear error for anything else. */
export function createRedisClient(url: string, opts: RedisClientOptions = {}): RedisClient {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`redis: '${url}' is not a URL (expected redis://host:port)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`redis: '${url}' has scheme ${parsed.protocol} (expected redis:// or rediss://)`);
  }
  const o: RedisOptions = {
    lazyConnect: opts.lazyConnect ?? false,
    maxRetriesPerRequest: opts.maxRetriesPerRequest === undefined ? 2 : opts.maxRetriesPerRequest,
    enableAutoPipelining: opts.autoPipelining ?? true,
  };
  if (opts.connectionName) o.connectionName = opts.connectionName;
  return new (redisClass())(url, o);
}

/**
 * A second connection to the same server for SUBSCRIBE (a subscribed connection can run nothing else); the caller
 * owns and quits it. Commands are not auto-pipelined on it: it only subscribes.
 */
export function subscriberOf(client: RedisClient, connectionName?: string): RedisClient {
  return client.duplicate({
    enableAutoPipelining: false,
    ...(connectionName ? { connectionName } : {}),
  });
}
