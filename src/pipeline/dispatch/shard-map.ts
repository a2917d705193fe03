/**
 * Which analysis thread owns a flow hash. With N threads the reading thread is thread 0: it also reads the
 * capture, splits its records and reads the flow key off every packet, so it takes a smaller share of the
 * flows than the workers. The share comes from READER_COST (the reading thread's own work — splitting
 * records, hashing, listing — as a fraction of a single-threaded analysis: ~0.12 on the bench corpus now that
 * an I/O thread reads the file; ~0.27 when this thread did the reads) so that all threads finish together:
 * reader + f = (1 − f) / (N − 1)  ⇒  f = (1 − READER_COST·(N − 1)) / N, and never below zero.
 * Every thread uses the same table, so a flow placed by the raw-byte hash and a flow placed after a full decode
 * (fragments, tunnels) land on the same thread.
 */
const BUCKETS = 64;
const READER_COST = 0.12;

export class ShardMap {
  private readonly table = new Uint8Array(BUCKETS);

  constructor(readonly count: number) {
    if (count <= 1) return;
    const f = Math.max(0, (1 - READER_COST * (count - 1)) / count);
    const mine = Math.round(f * BUCKETS);
    for (let b = 0; b < BUCKETS; b++) {
      this.table[b] = b < mine ? 0 : 1 + ((b - mine) % (count - 1));
    }
  }

  /**
   * The thread (0 = the reading thread) owning flows with this symmetric hash (uint32). The top bits choose it:
   * the flow table buckets by the low bits, which then stay evenly spread inside every thread.
   */
  of(hash: number): number {
    return this.table[hash >>> 26];
  }
}
