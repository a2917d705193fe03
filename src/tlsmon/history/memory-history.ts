/**
 * Heat counts in time buckets (the realisation notes: exact enough, cheap at hundreds of thousands of
 * connections per minute). Each key keeps only the buckets it occurred in, oldest first, so a rare key costs a
 * few numbers and a hot one at most window/bucket entries. A window's count sums whole buckets whose start lies
 * inside it, so the trailing edge is exact to one bucket width (60 s by default).
 */
import type { HeatHistory, HeatKind } from '../services.js';

export interface Buckets {
  b: number[];
  c: number[];
}

export class MemoryHeatHistory implements HeatHistory {
  protected readonly keys = new Map<string, Buckets>();
  /** Increments not yet written to a persistent store: composite key → bucket → delta. */
  protected readonly dirty = new Map<string, Map<number, number>>();
  protected latestS = 0;

  constructor(
    readonly bucketS = 60,
    /** Buckets older than this behind the newest time are dropped (the longest window any policy uses). */
    readonly retainS = 30 * 86400,
    private readonly trackDirty = false,
  ) {}

  static compositeKey(kind: HeatKind, key: string): string {
    return `${kind}\u0000${key}`;
  }

  count(kind: HeatKind, key: string, windowS: number, nowS: number): number {
    const e = this.keys.get(MemoryHeatHistory.compositeKey(kind, key));
    if (!e) return 0;
    const from = Math.floor((nowS - windowS) / this.bucketS);
    const to = Math.floor(nowS / this.bucketS);
    let n = 0;
    for (let i = e.b.length - 1; i >= 0 && e.b[i] >= from; i--) if (e.b[i] <= to) n += e.c[i];
    return n;
  }

  record(keys: ReadonlyArray<readonly [HeatKind, string]>, nowS: number): void {
    const bucket = Math.floor(nowS / this.bucketS);
    if (nowS > this.latestS) this.latestS = nowS;
    for (const [kind, key] of keys) this.add(MemoryHeatHistory.compositeKey(kind, key), bucket, 1);
  }

  /** Adds `n` occurrences to a bucket (also used when loading from a store). */
  add(ck: string, bucket: number, n: number, markDirty = this.trackDirty): void {
    let e = this.keys.get(ck);
    if (!e) {
      e = { b: [], c: [] };
      this.keys.set(ck, e);
    }
    const last = e.b.length - 1;
    if (last >= 0 && e.b[last] === bucket) e.c[last] += n;
    else if (last < 0 || e.b[last] < bucket) {
      e.b.push(bucket);
      e.c.push(n);
    } else {
      // Out of order (another monitor's data, a reordered capture): insert in place.
      let i = last;
      while (i >= 0 && e.b[i] > bucket) i--;
      if (i >= 0 && e.b[i] === bucket) e.c[i] += n;
      else {
        e.b.splice(i + 1, 0, bucket);
        e.c.splice(i + 1, 0, n);
      }
    }
    if (markDirty) {
      let d = this.dirty.get(ck);
      if (!d) {
        d = new Map();
        this.dirty.set(ck, d);
      }
      d.set(bucket, (d.get(bucket) ?? 0) + n);
    }
  }

  /** Replaces a key's buckets wholesale (a shared store's view, which already includes our increments). */
  replace(ck: string, buckets: Buckets): void {
    this.keys.set(ck, buckets);
  }

  /** Drops buckets older than the retention behind the newest time seen. */
  prune(): number {
    const oldest = Math.floor((this.latestS - this.retainS) / this.bucketS);
    let dropped = 0;
    for (const [ck, e] of this.keys) {
      let i = 0;
      while (i < e.b.length && e.b[i] < oldest) i++;
      if (i === 0) continue;
      dropped += i;
      if (i === e.b.length) this.keys.delete(ck);
      else {
        e.b.splice(0, i);
        e.c.splice(0, i);
      }
    }
    return dropped;
  }

  get size(): number {
    return this.keys.size;
  }
}
