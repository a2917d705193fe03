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
import type { RedisClient } from '../store/index.js';
import {
  asError,
  compareMessageIds,
  defaultBusErrorReporter,
  isMessageId,
  validatePayload,
  type BusConfig,
  type BusErrorReport,
  type BusOptions,
  type Handler,
  type MessageBus,
  type MessageMeta,
  type SubscribeOptions,
  type Subscription,
} from './bus.js';
import type { Health } from './component.js';
import { MOAT_TOPICS, type MoatTopics, type TopicCatalog } from './topics.js';

export interface RedisStreamsBusOptions<M> extends Partial<BusOptions<M>> {
  /** redis://host:port[/db] */
  url: string;
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

type StreamEntry = [id: string, fields: string[] | null];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function fieldsOf(fields: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) m.set(fields[i], fields[i + 1]);
  return m;
}

/** XINFO's flat [name, value, name, value …] reply as a map. */
function flatInfo(reply: unknown[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (let i = 0; i + 1 < reply.length; i += 2) m.set(String(reply[i]), reply[i + 1]);
  return m;
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
  readonly stats = {
    published: 0,
    delivered: 0,
    /** Redelivered messages acknowledged without a handler call (the subscriber's checkpoint, or handled already). */
    skipped: 0,
    deadLettered: 0,
    /** Messages trimmed from a stream (MAXLEN) before a subscribing group read or acknowledged them. */
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
    const { createRedisClient } = await import('../store/index.js');
    const c = createRedisClient(this.opts.url, { connectionName: `moat-bus-${role}`, autoPipelining });
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

/** What a consumer needs from its bus. */
interface ConsumerHost {
  readonly consumer: string;
  readonly maxLen: number;
  readonly stats: RedisStreamsBus['stats'];
  readonly settings: ConsumerSettings;
  streamKey(topic: string): string;
  deadLetterKey(topic: string): string;
  connection(role: string, autoPipelining?: boolean): Promise<RedisClient>;
  report(r: BusErrorReport): void;
}

interface ConsumerSettings {
  batch: number;
  blockMs: number;
  claimIdleMs: number;
  maxAttempts: number;
  catalog: TopicCatalog<unknown>;
}

/** One group's reader for one topic: its own connection, as reads block it. */
class StreamConsumer {
  private conn: RedisClient | undefined;
  private readonly key: string;
  private closing = false;
  private reading = false;
  private loop: Promise<void> | undefined;
  private handling: Promise<void> | undefined;
  /** Handled here but not yet acknowledged (the XACK failed): acknowledged without a second delivery. */
  private readonly handledUnacked = new Set<string>();
  error: string | undefined;

  constructor(
    private readonly bus: ConsumerHost,
    readonly topic: string,
    readonly group: string,
    private readonly handler: Handler<unknown>,
    private readonly opts: SubscribeOptions,
  ) {
    this.key = bus.streamKey(topic);
  }

  async open(): Promise<void> {
    this.conn = await this.bus.connection(`${this.group}-${this.topic}`, false);
    await this.ensureGroup();
    this.loop = this.run();
  }

  private async ensureGroup(): Promise<void> {
    const conn = this.conn as RedisClient;
    try {
      await conn.xgroup('CREATE', this.key, this.group, this.opts.from === 'new' ? '$' : '0', 'MKSTREAM');
      // A group made just now never missed what was trimmed before it existed.
      this.newGroup = true;
    } catch (err) {
      if (!/BUSYGROUP/.test(asError(err).message)) throw err;
    }
  }

  private async run(): Promise<void> {
    const s = this.bus.settings;
    const conn = this.conn as RedisClient;
    // Own unacknowledged messages first (a restart under the same consumer name), then new ones.
    let pendingPhase = true;
    let lastClaim = 0;
    let backoff = 100;
    while (!this.closing) {
      try {
        if (Date.now() - lastClaim >= Math.min(s.claimIdleMs, 30_000)) {
          lastClaim = Date.now();
          await this.checkTrimmed();
          await this.claimAbandoned();
        }
        if (this.closing) break;
        this.reading = true;
        const res = (
          pendingPhase
            ? await conn.xreadgroup(
                'GROUP',
                this.group,
                this.bus.consumer,
                'COUNT',
                s.batch,
                'STREAMS',
                this.key,
                '0',
              )
            : await conn.xreadgroup(
                'GROUP',
                this.group,
                this.bus.consumer,
                'COUNT',
                s.batch,
                'BLOCK',
                s.blockMs,
                'STREAMS',
                this.key,
                '>',
              )
        ) as Array<[string, StreamEntry[]]> | null;
        this.reading = false;
        const entries = res?.[0]?.[1] ?? [];
        if (pendingPhase && entries.length === 0) pendingPhase = false;
        for (const [id, fields] of entries) {
          if (this.closing) break;
          await this.handle(id, fields, pendingPhase);
        }
        backoff = 100;
        this.error = undefined;
      } catch (err) {
        this.reading = false;
        if (this.closing) break;
        const e = asError(err);
        this.error = e.message;
        if (/NOGROUP/.test(e.message)) {
          // The stream went away (a Redis restarted without persistence, a manual DEL): recreate and go on.
          this.bus.report({
            topic: this.topic,
            group: this.group,
            error: new Error(`${e.message}: recreating the group`),
          });
          await this.ensureGroup().catch(() => undefined);
          pendingPhase = true;
          continue;
        }
        this.bus.report({ topic: this.topic, group: this.group, error: e });
        pendingPhase = true;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /**
   * Says so when the stream was trimmed past messages this group had not read yet (it fell more than maxLen
   * behind): those are gone, and the operator must know how many. Needs Redis 7 (the group's lag); older servers
   * are not checked.
   */
  private async checkTrimmed(): Promise<void> {
    if (this.newGroup) {
      this.newGroup = false;
      return;
    }
    const conn = this.conn as RedisClient;
    const stream = flatInfo((await conn.xinfo('STREAM', this.key)) as unknown[]);
    const first = stream.get('first-entry') as [string, unknown] | null | undefined;
    if (!first) return;
    const groups = (await conn.xinfo('GROUPS', this.key)) as unknown[][];
    const mine = groups.map(flatInfo).find((g) => g.get('name') === this.group);
    const last = mine?.get('last-delivered-id');
    const lag = mine?.get('lag');
    if (typeof last !== 'string' || typeof lag !== 'number') return;
    // Everything the stream still holds lies ahead of this group; the rest of what it has not read is gone.
    if (compareMessageIds(last, first[0]) >= 0 || this.trimReported === first[0]) return;
    const lost = lag - Number(stream.get('length'));
    if (lost <= 0) return;
    this.trimReported = first[0];
    this.bus.stats.lost += lost;
    this.bus.report({
      topic: this.topic,
      group: this.group,
      error: new Error(
        `${lost} message(s) after ${last} were trimmed from the stream (MAXLEN) before this group read them`,
      ),
    });
  }

  private trimReported: string | undefined;
  private newGroup = false;

  /** Takes over messages other consumers of the group left pending for longer than claimIdleMs. */
  private async claimAbandoned(): Promise<void> {
    const s = this.bus.settings;
    const conn = this.conn as RedisClient;
    let cursor = '0-0';
    do {
      const r = (await conn.xautoclaim(
        this.key,
        this.group,
        this.bus.consumer,
        s.claimIdleMs,
        cursor,
        'COUNT',
        s.batch,
      )) as [string, StreamEntry[], string[]?];
      cursor = r[0];
      for (const [id, fields] of r[1]) {
        if (this.closing) return;
        await this.handle(id, fields, true);
      }
      // Redis 7 drops pending entries the stream no longer holds (trimmed) and lists them here.
      for (const id of r[2] ?? []) this.lostMessage(id);
    } while (cursor !== '0-0' && !this.closing);
  }

  private lostMessage(id: string): void {
    this.bus.stats.lost++;
    this.bus.report({
      topic: this.topic,
      group: this.group,
      id,
      error: new Error('trimmed from the stream (MAXLEN) before this group acknowledged it'),
    });
  }

  private handle(id: string, fields: string[] | null, redelivered: boolean): Promise<void> {
    const h = this.handleOne(id, fields, redelivered);
    this.handling = h.finally(() => {
      this.handling = undefined;
    });
    return h;
  }

  private async handleOne(id: string, fields: string[] | null, redelivered: boolean): Promise<void> {
    const conn = this.conn as RedisClient;
    const stats = this.bus.stats;
    if (
      this.handledUnacked.has(id) ||
      (this.opts.after !== undefined && compareMessageIds(id, this.opts.after) <= 0)
    ) {
      await conn.xack(this.key, this.group, id);
      this.handledUnacked.delete(id);
      stats.skipped++;
      return;
    }
    if (!fields) {
      await conn.xack(this.key, this.group, id);
      this.lostMessage(id);
      return;
    }
    const f = fieldsOf(fields);
    let payload: unknown;
    try {
      payload = validatePayload(
        this.bus.settings.catalog,
        this.topic,
        JSON.parse(f.get('p') ?? ''),
        `message ${id}`,
      );
    } catch (err) {
      await this.deadLetter(id, f, err);
      return;
    }
    const meta: MessageMeta = { topic: this.topic, id, publishedAtMs: Number(f.get('t') ?? 0), redelivered };
    if (redelivered) stats.redelivered++;
    const { maxAttempts } = this.bus.settings;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.handler(payload, meta);
        break;
      } catch (err) {
        if (attempt >= maxAttempts) {
          await this.deadLetter(id, f, err);
          return;
        }
        await sleep(50 * 2 ** attempt);
      }
    }
    this.handledUnacked.add(id);
    await conn.xack(this.key, this.group, id);
    this.handledUnacked.delete(id);
    stats.delivered++;
  }

  /** Moves a message nobody can handle aside (with why), acknowledged so the group goes on. */
  private async deadLetter(id: string, f: Map<string, string>, err: unknown): Promise<void> {
    const conn = this.conn as RedisClient;
    const e = asError(err);
    await conn
      .multi()
      .xadd(
        this.bus.deadLetterKey(this.topic),
        'MAXLEN',
        '~',
        this.bus.maxLen,
        '*',
        'id',
        id,
        'group',
        this.group,
        'error',
        e.message,
        't',
        f.get('t') ?? '',
        'p',
        f.get('p') ?? '',
      )
      .xack(this.key, this.group, id)
      .exec();
    this.bus.stats.deadLettered++;
    this.bus.report({
      topic: this.topic,
      group: this.group,
      id,
      error: new Error(`moved to ${this.bus.deadLetterKey(this.topic)}: ${e.message}`),
    });
  }

  /** Resolves when no message is being handled right now. */
  async idle(): Promise<void> {
    await this.handling?.catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closing = true;
    // A blocked read is cut; a message being handled is finished and acknowledged first.
    if (this.reading) this.conn?.disconnect();
    await this.loop;
    this.conn?.disconnect();
  }
}
