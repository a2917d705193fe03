/**
 * The security component's event cache as an A-1 component: the table (A-30, A-36), persisted in the store it is
 * given, filled from the engines' verdicts on the bus (A-34) by a VerdictRecorder subscribed as group 'security',
 * and written back to the store every few seconds so a crash loses at most that much.
 */
import type { Component, Health, MessageBus, MoatTopics } from '../framework/index.js';
import type { SqliteStore } from '../store/index.js';
import { EventCacheTable } from './event-cache.js';
import { VerdictRecorder, type VerdictOptions } from './verdict-recorder.js';

export interface EventCacheConfig {
  /** The store the table lives in (none: memory only). */
  store?: SqliteStore;
  /** The engines whose verdicts become entries (default: all). */
  engines?: VerdictOptions['engines'];
  /** The consumer group on the bus (default 'security'). */
  group?: string;
  /** Dirty entries are written to the store this often (default 5000 ms). */
  flushIntervalMs?: number;
}

export class EventCacheComponent implements Component<EventCacheConfig> {
  readonly name = 'security';
  readonly dependsOn = ['bus'];
  private table: EventCacheTable | undefined;
  private recorder: VerdictRecorder | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushError: string | undefined;

  constructor(
    readonly config: EventCacheConfig,
    private readonly bus: Pick<MessageBus<MoatTopics>, 'subscribe'>,
  ) {}

  get cache(): EventCacheTable {
    if (!this.table) throw new Error('the security component is not started');
    return this.table;
  }

  async start(): Promise<void> {
    const table = new EventCacheTable(this.config.store);
    const recorder = new VerdictRecorder(table, { engines: this.config.engines });
    await recorder.subscribe(this.bus, this.config.group ?? 'security');
    this.table = table;
    this.recorder = recorder;
    this.timer = setInterval(() => this.flush(), this.config.flushIntervalMs ?? 5000);
    this.timer.unref();
  }

  private flush(): void {
    try {
      this.table?.flush();
      this.flushError = undefined;
    } catch (err) {
      this.flushError = err instanceof Error ? err.message : String(err);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.recorder?.close();
    this.table?.flush();
    this.table = undefined;
    this.recorder = undefined;
  }

  health(): Health {
    if (!this.table || !this.recorder) return { ok: false, detail: 'not started' };
    const detail = `${this.table.size} cache entries, ${this.recorder.recorded} from verdicts`;
    if (this.flushError)
      return { ok: false, detail: `${detail}; writing to the store failed: ${this.flushError}` };
    return { ok: true, detail };
  }
}
