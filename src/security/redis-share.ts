/**
 * Shares the security event cache table between moat processes through Redis, while each keeps its
 * own SQLite copy (the table's flush) so a restart without Redis still has it. Lookups stay local and synchronous —
 * they are the first check on every flow. Local changes are pushed in batches: an entry is a hash (`e`: the entry
 * as JSON, `hits`: HINCRBY of everyone's hits, `last`: the latest hit, kept by max), expiring with its lifetime;
 * each batch is announced on a channel, and the other processes fetch the keys it names and apply them. A process
 * that starts later loads every shared entry first. The client comes from the store's factory and stays the
 * caller's; the share opens (and closes) only its own subscriber connection.
 */
import { randomUUID } from 'node:crypto';
import { subscriberOf, type RedisClient } from '../store/index.js';
import type { CacheEntry, EventCacheTable } from './event-cache.js';

/** Keeps the larger last-hit time: two processes hitting one entry must not move it backwards. */
const MAX_LAST = `local c = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
if tonumber(ARGV[1]) > c then redis.call('HSET', KEYS[1], 'last', ARGV[1]) end
return 0`;

interface Pending {
  kind: 'put' | 'hit' | 'del';
  hits: number;
}

export interface RedisShareOptions {
  prefix?: string;
  /** Batch delay, ms: changes within it go out together. */
  batchMs?: number;
}

export class RedisCacheShare {
  private readonly sub: RedisClient;
  private readonly origin = randomUUID();
  private readonly prefix: string;
  private readonly channel: string;
  private readonly pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private pushing: Promise<void> = Promise.resolve();
  private applying: Promise<void> = Promise.resolve();
  readonly errors: string[] = [];
  /** Entries received from other processes. */
  received = 0;

  constructor(
    private readonly table: EventCacheTable,
    private readonly redis: RedisClient,
    private readonly opts: RedisShareOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'moat:seccache:';
    this.channel = `${this.prefix}changes`;
    this.sub = subscriberOf(redis, 'moat-seccache-sub');
    table.onChange = (key, kind) => this.note(key, kind);
  }

  /** Subscribes, then loads every entry already shared (a process joining later sees them at once). */
  async start(): Promise<void> {
    this.sub.on('message', (_ch: string, msg: string) => {
      let m: { o: string; k: string[] };
      try {
        m = JSON.parse(msg) as { o: string; k: string[] };
      } catch {
        this.errors.push(`bad change message on ${this.channel}`);
        return;
      }
      if (m.o === this.origin) return;
      this.applying = this.applying.then(() => this.fetch(m.k)).catch((err: unknown) => this.fail(err));
    });
    await this.sub.subscribe(this.channel);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}e:*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch.map((k) => k.slice(this.prefix.length + 2)));
    } while (cursor !== '0');
    await this.fetch(keys);
  }

  private fail(err: unknown): void {
    this.errors.push(err instanceof Error ? err.message : String(err));
  }

  private note(key: string, kind: Pending['kind']): void {
    const p = this.pending.get(key);
    if (!p) this.pending.set(key, { kind, hits: kind === 'hit' ? 1 : 0 });
    else {
      // A delete wins; a put carries the full entry (and any hits noted before it).
      if (kind === 'del' || p.kind === 'del') p.kind = kind;
      else if (kind === 'put') p.kind = 'put';
      if (kind === 'hit') p.hits++;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.pushing = this.pushing.then(() => this.push()).catch((err: unknown) => this.fail(err));
    }, this.opts.batchMs ?? 20);
  }

  private async push(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    const m = this.redis.multi();
    for (const [key, p] of batch) {
      const rk = `${this.prefix}e:${key}`;
      const e = this.table.get(key);
      if (p.kind === 'del' || !e) {
        m.del(rk);
        continue;
      }
      if (p.kind === 'put') {
        const { hits: _h, lastHitUs: _l, ...rest } = e;
        m.hset(rk, 'e', JSON.stringify(rest));
        // Redis keeps it as long as its lifetime allows from now; the table checks the real expiry itself.
        m.pexpire(rk, Math.max(1000, Math.ceil(e.maxLifetimeUs / 1000)));
      }
      if (p.hits > 0) m.hincrby(rk, 'hits', p.hits);
      m.eval(MAX_LAST, 1, rk, String(e.lastHitUs));
    }
    await m.exec();
    await this.redis.publish(this.channel, JSON.stringify({ o: this.origin, k: batch.map(([k]) => k) }));
  }

  private async fetch(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const p = this.redis.pipeline();
    for (const k of keys) p.hgetall(`${this.prefix}e:${k}`);
    const res = (await p.exec()) ?? [];
    res.forEach(([err, v], i) => {
      if (err) throw err;
      const h = v as Record<string, string>;
      const key = keys[i];
      if (!h.e) {
        this.table.applyRemote(key, undefined);
        return;
      }
      const base = JSON.parse(h.e) as Omit<CacheEntry, 'hits' | 'lastHitUs'>;
      const mine = this.table.get(key);
      const entry: CacheEntry = {
        ...base,
        hits: Number(h.hits ?? 0),
        lastHitUs: Math.max(Number(h.last ?? base.createdUs), mine?.lastHitUs ?? 0),
      };
      this.table.applyRemote(key, entry);
      this.received++;
    });
  }

  /** Waits until local changes are in Redis and received ones are applied. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.pushing = this.pushing.then(() => this.push()).catch((err: unknown) => this.fail(err));
    }
    await this.pushing;
    await this.applying;
  }

  async close(): Promise<void> {
    await this.flush();
    this.table.onChange = undefined;
    await this.sub.quit();
  }
}
