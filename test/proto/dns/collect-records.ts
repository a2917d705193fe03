/** An AppContext that keeps what a parser emits, for assertions. */
import type { AppContext, AppRecord } from '../../../src/proto/app-layer.js';

export class RecordCollector implements AppContext {
  readonly records: Array<{ record: AppRecord; tsUs: number }> = [];
  emit(record: AppRecord, tsUs: number): void {
    this.records.push({ record, tsUs });
  }
  of<T extends AppRecord['type']>(type: T): Array<Extract<AppRecord, { type: T }>> {
    return this.records
      .map((r) => r.record)
      .filter((r): r is Extract<AppRecord, { type: T }> => r.type === type);
  }
}

/** Deterministic PRNG (mulberry32) for fuzz tests with a fixed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
