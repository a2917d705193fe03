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

/** The shared seeded generator, under the name this module's callers use. */
export { mulberry32 as prng } from '../../../src/framework/prng.js';
