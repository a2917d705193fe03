/**
 * Delivers alerts to named channels without ever stalling the packet path: `send` only queues; a small async
 * loop delivers with retries and exponential back-off, and a bounded queue drops the oldest (counted) when a
 * channel is down for long — losing alerts to a dead webhook beats losing packets.
 */
import type { EveEvent } from '../eve/header.js';
import type { AlertChannel } from './channel.js';

export interface DispatchStats {
  delivered: number;
  failed: number;
  dropped: number;
  retries: number;
}

interface Job {
  channel: string;
  alert: EveEvent;
  attempt: number;
}

export class AlertDispatcher {
  readonly stats: DispatchStats = { delivered: 0, failed: 0, dropped: 0, retries: 0 };
  readonly errors: string[] = [];
  private readonly queue: Job[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly channels: ReadonlyMap<string, AlertChannel>,
    private readonly opts: { retries?: number; backoffMs?: number; maxQueue?: number } = {},
  ) {}

  send(channel: string, alert: EveEvent): void {
    if (!this.channels.has(channel)) {
      this.stats.failed++;
      this.errors.push(`no alert channel named '${channel}'`);
      return;
    }
    if (this.queue.length >= (this.opts.maxQueue ?? 10_000)) {
      this.queue.shift();
      this.stats.dropped++;
    }
    this.queue.push({ channel, alert, attempt: 0 });
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
  }

  private async run(): Promise<void> {
    const retries = this.opts.retries ?? 3;
    const backoff = this.opts.backoffMs ?? 500;
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      const ch = this.channels.get(job.channel);
      if (!ch) continue;
      for (;;) {
        try {
          await ch.deliver(job.alert);
          this.stats.delivered++;
          break;
        } catch (err) {
          if (job.attempt >= retries) {
            this.stats.failed++;
            if (this.errors.length < 100) {
              this.errors.push(`${job.channel}: ${err instanceof Error ? err.message : String(err)}`);
            }
            break;
          }
          job.attempt++;
          this.stats.retries++;
          await new Promise((r) => setTimeout(r, backoff * 2 ** (job.attempt - 1)));
        }
      }
    }
  }

  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    await this.drain();
    for (const ch of this.channels.values()) await ch.close?.();
  }
}
