/**
 * The bus over Redis Streams, for components in separate processes or boxes. One stream per topic
 * (`<prefix><topic>`, trimmed with MAXLEN ~ so it stays bounded); each subscribing component is a consumer group,
 * so every group gets every message, and the group's position lives in Redis: a consumer that restarts, or a
 * publisher that restarts, picks up where the group left off.
 *
 * Delivery per group is one message at a time, in stream order, acknowledged (XACK) only after the handler
 * returned. A consumer that died holding messages finds them first when it comes back under the same consumer
 * name (its pending list is read before new messages, so order holds); messages a consumer that never comes back
 * left unacknowledged are taken over by the group's other consumers after `claimIdleMs` (XAUTOCLAIM). That is
 * at-least-once; a consumer that keeps its results with the message id passes that id back as `after` and gets
 * exactly once. A payload that fails its schema, or a handler that fails `maxAttempts` times, goes to the topic's
 * dead-letter stream (`<prefix><topic>:dead`) and is reported, so one bad message never stalls a group.
 *
 * Published messages wait in an in-memory outbox until Redis has stored them, in order, retried while Redis is
 * away; flush() waits for that, and close() reports what it could not store.
 */
import { hostname } from 'node:os';
import type { Redis as RedisClient } from 'ioredis';

/** Opens a Redis connection; the store's `createRedisClient` is one. */
export type RedisFactory = (
  url: string,
  opts: { connectionName?: string; autoPipelining?: boolean },
) => RedisClient;
import {
  asError,
  defaultBusErrorReporter,
  isMessageId,
  validatePayload,
  type BusConfig,
  type BusErrorReport,
  type BusOptions,
  type Handler,
  type MessageBus,
  type SubscribeOptions,
  type Subscription,
} from './bus.js';
import type { Health } from './component.js';
import { sleep, StreamConsumer, type BusStats, type ConsumerSettings } from './redis-consumer.js';
import { MOAT_TOPICS, type MoatTopics, type TopicCatalog } from './topics.js';

export interface RedisStreamsBusOptions<M> extends Partial<BusOptions<M>> {
  /** redis://host:port[/db] */
  url: string;
  /**
   * The store's one Redis client factory (`createRedisClient` of src/store), handed in by whoever composes the
   * bus: framework/ sits below store/, so it does not import it.
   */
  redis: RedisFactory;
  /**
   * This process's consumer name inside each group. Keep it stable across restarts (default: the host name) so a
   * restarted consumer reads its own unacknowledged messages first; give each replica of one group its own.
   */
  consumer?: string;
  /** Stream key prefix (default 'moat:bus:'). */
  prefix?: string;
  /** Approximate bound on each topic's stream (MAXLEN ~, default 100 000). */
  maxLen?: number;
  /** Messages read per round trip (default 100). */
  batch?: number;
  /** How long a read waits for new messages before the consumer looks for abandoned ones (default 2000 ms). */
  blockMs?: number;
  /** A message pending this long at another consumer of the group is taken over (default 60 000 ms). */
  claimIdleMs?: number;
  /** Handler attempts before a message goes to the dead-letter stream (default 3). */
  maxAttempts?: number;
  /** How long close() waits for the outbox to reach Redis (default 5000 ms). */
  closeTimeoutMs?: number;
}

interface Outgoing {
  topic: string;
  json: string;
  at: number;
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

export class RedisStreamsBus<M = MoatTopics> implements MessageBus<M> {
  readonly name = 'bus';
  readonly dependsOn: readonly string[] = [];
  readonly config: BusConfig;
  private readonly catalog: TopicCatalog<M>;
  private readonly onError: (r: BusErrorReport) => void;
  readonly consumer: string;
  private readonly prefix: string;
  readonly maxLen: number;
  private readonly opts: RedisStreamsBusOptions<M>;
  private pub: RedisClient | undefined;
  private starting: Promise<void> | undefined;
  private readonly outbox: Outgoing[] = [];
  private pumping: Promise<void> | undefined;
  private flushWaiters: Array<() => void> = [];
  private readonly consumers = new Set<StreamConsumer>();
  private closed = false;
  private lastError: string | undefined;
  /** @internal what the consumers read */
  readonly settings: ConsumerSettings;
  readonly stats: BusStats = {
    published: 0,
    delivered: 0,
    skipped: 0,
    deadLettered: 0,
    lost: 0,
    redelivered: 0,
  };

  constructor(opts: RedisStreamsBusOptions<M>) {
    this.opts = opts;
    this.catalog = opts.catalog ?? (MOAT_TOPICS as unknown as TopicCatalog<M>);
    this.onError = opts.onError ?? defaultBusErrorReporter;
    this.consumer = opts.consumer ?? hostname();
    this.prefix = opts.prefix ?? 'moat:bus:';
    this.maxLen = opts.maxLen ?? 100_000;
    if (!(Number.isInteger(this.maxLen) && this.maxLen > 0))
      throw new Error(`bus: maxLen must be a positive whole number, got ${String(opts.maxLen)}`);
    this.config = { kind: 'redis-streams', url: safeUrl(opts.url), topics: Object.keys(this.catalog) };
    this.settings = {
      batch: opts.batch ?? 100,
      blockMs: opts.blockMs ?? 2000,
      claimIdleMs: opts.claimIdleMs ?? 60_000,
      maxAttempts: opts.maxAttempts ?? 3,
      catalog: this.catalog as TopicCatalog<unknown>,
    };
  }

  /** The stream that carries `topic`. */
  streamKey(topic: string): string {
    return `${this.prefix}${topic}`;
  }

  /** The stream where `topic`'s undeliverable messages go. */
  deadLetterKey(topic: string): string {
    return `${this.prefix}${topic}:dead`;
  }

  /** Opens a connection (the store's one Redis client factory; loaded here so the in-process bus needs no client). */
  async connection(role: string, autoPipelining = true): Promise<RedisClient> {
    const c = this.opts.redis(this.opts.url, { connectionName: `moat-bus-${role}`, autoPipelining });
    // Connection errors surface through the commands that fail (reported, retried); the event itself only says
    // the same again on every reconnection attempt.
    c.on('error', (err: Error) => {
      this.lastError = err.message;
    });
    return c;
  }

  /** Connects and checks that Redis answers; publishing and subscribing start it too. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('bus closed: a Redis bus cannot be restarted'));
    this.starting ??= (async () => {
      const pub = await this.connection('publish');
      try {
        await pub.ping();
      } catch (err) {
        pub.disconnect();
        this.starting = undefined;
        // The connection's own error (ECONNREFUSED …) says more than the command's retry count.
        const why = this.lastError ?? asError(err).message;
        throw new Error(`bus: cannot reach Redis at ${this.config.url ?? ''}: ${why}`, {
          cause: err,
        });
      }
      this.pub = pub;
      this.kick();
    })();
    return this.starting;
  }

  publish<T extends keyof M & string>(topic: T, payload: M[T]): void {
    if (this.closed) throw new Error(`bus closed: cannot publish on '${topic}'`);
    const data = validatePayload(this.catalog, topic, payload, 'publish');
    this.outbox.push({ topic, json: JSON.stringify(data), at: Date.now() });
    if (this.pub) this.kick();
    else
      this.start().catch((err: unknown) => {
        this.report({ topic, error: asError(err) });
      });
  }

  private kick(): void {
    if (this.pumping || !this.pub || this.outbox.length === 0) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.outbox.length > 0 && !this.closed) this.kick();
      else for (const w of this.flushWaiters.splice(0)) w();
    });
  }

  /** Stores the outbox in order; on a failure keeps what was not stored and tries again, backing off. */
  private async pump(): Promise<void> {
    const pub = this.pub as RedisClient;
    let backoff = 100;
    while (this.outbox.length > 0 && pub.status !== 'end') {
      const batch = this.outbox.slice(0, 500);
      const p = pub.pipeline();
      for (const m of batch)
        p.xadd(this.streamKey(m.topic), 'MAXLEN', '~', this.maxLen, '*', 't', String(m.at), 'p', m.json);
      let stored = 0;
      let failure: unknown;
      try {
        const res = (await p.exec()) ?? [];
        for (const [err] of res) {
          if (err) {
            failure = err;
            break;
          }
          stored++;
        }
        if (res.length === 0) failure = new Error('no reply to the publish pipeline');
      } catch (err) {
        failure = err;
      }
      this.outbox.splice(0, stored);
      this.stats.published += stored;
      if (failure === undefined) {
        backoff = 100;
        continue;
      }
      this.report({ topic: batch[stored]?.topic ?? batch[0].topic, error: asError(failure) });
      if (this.closed && this.closingDeadline !== undefined && Date.now() > this.closingDeadline) return;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  private closingDeadline: number | undefined;

  async flush(): Promise<void> {
    if (this.outbox.length === 0 && !this.pumping) return;
    if (!this.pub) await this.start();
    await new Promise<void>((r) => {
      this.flushWaiters.push(r);
      this.kick();
    });
  }

  async subscribe<T extends keyof M & string>(
    topic: T,
    group: string,
    handler: Handler<M[T]>,
    opts: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.closed) throw new Error(`bus closed: cannot subscribe to '${topic}'`);
    if (!(topic in (this.catalog as object))) validatePayload(this.catalog, topic, undefined, 'subscribe');
    if (opts.after !== undefined && !isMessageId(opts.after))
      throw new Error(`bus: subscribe '${topic}' after '${opts.after}': not a message id (<ms>-<seq>)`);
    for (const c of this.consumers)
      if (c.topic === topic && c.group === group)
        throw new Error(`group '${group}' already subscribes to '${topic}' on this bus`);
    await this.start();
    const c = new StreamConsumer(this, topic, group, handler as Handler<unknown>, opts);
    this.consumers.add(c);
    try {
      await c.open();
    } catch (err) {
      this.consumers.delete(c);
      await c.close();
      throw new Error(`bus: cannot subscribe group '${group}' to '${topic}': ${asError(err).message}`, {
        cause: err,
      });
    }
    return {
      topic,
      group,
      close: async () => {
        this.consumers.delete(c);
        await c.close();
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Consumers first: a handler may still publish (a verdict turned into a cache entry) before the outbox drains.
    await Promise.all([...this.consumers].map((c) => c.close()));
    this.consumers.clear();
    const timeout = this.opts.closeTimeoutMs ?? 5000;
    this.closingDeadline = Date.now() + timeout;
    if (this.outbox.length > 0 && this.pub) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.flush(),
        new Promise<void>((r) => {
          timer = setTimeout(r, timeout);
        }),
      ]);
      clearTimeout(timer);
    }
    this.closed = true;
    const left = this.outbox.length;
    this.pub?.disconnect();
    await this.pumping?.catch(() => undefined);
    if (left > 0)
      throw new Error(
        `bus: ${left} published message(s) not stored in Redis at ${this.config.url ?? ''} before close (${this.lastError ?? 'not connected'})`,
      );
  }

  stop(): Promise<void> {
    return this.close();
  }

  health(): Health {
    const broken = [...this.consumers].filter((c) => c.error !== undefined);
    const status = this.pub?.status ?? 'not started';
    const ok = !this.closed && status === 'ready' && broken.length === 0;
    const parts = [
      `redis ${this.config.url ?? ''} (${status})`,
      `${this.consumers.size} subscription(s)`,
      `${this.outbox.length} waiting to publish`,
      `${this.stats.published} published`,
      `${this.stats.delivered} delivered`,
    ];
    if (this.stats.deadLettered) parts.push(`${this.stats.deadLettered} dead-lettered`);
    if (this.stats.lost) parts.push(`${this.stats.lost} trimmed before delivery`);
    for (const c of broken) parts.push(`${c.group}/${c.topic}: ${c.error ?? ''}`);
    return { ok, detail: parts.join(', ') };
  }

  /** @internal */
  report(r: BusErrorReport): void {
    this.lastError = r.error.message;
    this.onError(r);
  }
}
