/**
 * Heat history shared by several monitors through Redis (acceptance 3): each key is a hash of bucket → count
 * (`HINCRBY`, expiring after the retention). Scoring stays synchronous: before a connection is scored the live
 * monitor awaits `prefetch()` of that connection's keys — one pipelined round trip — and counts from the fresh
 * view. Increments are sent as they happen, on the same connection, so a prefetch always sees our own. The client
 * (from the store's factory) stays the caller's: `close` waits for the increments, it does not disconnect.
 */
import type { RedisClient } from '../../store/index.js';
import type { HeatKind } from '../services.js';
import { MemoryHeatHistory } from './memory-history.js';

export class RedisHeatHistory extends MemoryHeatHistory {
  private pending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly redis: RedisClient,
    bucketS = 60,
    retainS = 30 * 86400,
    private readonly prefix = 'moat:heat:',
  ) {
    super(bucketS, retainS);
  }

  override record(keys: ReadonlyArray<readonly [HeatKind, string]>, nowS: number): void {
    super.record(keys, nowS);
    const bucket = String(Math.floor(nowS / this.bucketS));
    const multi = this.redis.pipeline();
    for (const [kind, key] of keys) {
      const rk = this.prefix + MemoryHeatHistory.compositeKey(kind, key);
      multi.hincrby(rk, bucket, 1);
      multi.expire(rk, this.retainS);
    }
    this.pending = multi.exec();
  }

  /** Loads the shared counts of these keys (call before scoring a connection that uses them). */
  async prefetch(keys: ReadonlyArray<readonly [HeatKind, string]>): Promise<void> {
    await this.pending;
    const multi = this.redis.pipeline();
    const cks = keys.map(([kind, key]) => MemoryHeatHistory.compositeKey(kind, key));
    for (const ck of cks) multi.hgetall(this.prefix + ck);
    const res = (await multi.exec()) ?? [];
    res.forEach(([err, value], i) => {
      if (err) throw err;
      const entries = Object.entries(value as Record<string, string>)
        .map(([b, c]) => [Number(b), Number(c)] as const)
        .sort((x, y) => x[0] - y[0]);
      this.replace(cks[i], { b: entries.map((e) => e[0]), c: entries.map((e) => e[1]) });
    });
  }

  async flush(): Promise<void> {
    await this.pending;
  }

  async close(): Promise<void> {
    await this.pending;
  }
}
