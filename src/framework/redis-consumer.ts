/**
 * The reading side of the Redis Streams bus: one StreamConsumer per (topic, group) on its own connection, as
 * blocking reads hold it. It reads the group's own pending messages first (a restart under the same consumer
 * name), then new ones, one at a time in stream order, acknowledging each after its handler returned; takes over
 * what dead consumers of the group left pending (XAUTOCLAIM); moves undeliverable messages to the dead-letter
 * stream; and reports messages the stream bound trimmed away before the group read them.
 */
import type { Redis as RedisClient } from 'ioredis';
import {
  asError,
  compareMessageIds,
  validatePayload,
  type BusErrorReport,
  type Handler,
  type MessageMeta,
  type SubscribeOptions,
} from './bus.js';
import type { TopicCatalog } from './topics.js';

type StreamEntry = [id: string, fields: string[] | null];

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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

/** What the bus counted (all groups of this process together). */
export interface BusStats {
  published: number;
  delivered: number;
  /** Redelivered messages acknowledged without a handler call (the subscriber's checkpoint, or handled already). */
  skipped: number;
  deadLettered: number;
  /** Messages trimmed from a stream (MAXLEN) before a subscribing group read or acknowledged them. */
  lost: number;
  redelivered: number;
}

/** What a consumer needs from its bus. */
export interface ConsumerHost {
  readonly consumer: string;
  readonly maxLen: number;
  readonly stats: BusStats;
  readonly settings: ConsumerSettings;
  streamKey(topic: string): string;
  deadLetterKey(topic: string): string;
  connection(role: string, autoPipelining?: boolean): Promise<RedisClient>;
  report(r: BusErrorReport): void;
}

export interface ConsumerSettings {
  batch: number;
  blockMs: number;
  claimIdleMs: number;
  maxAttempts: number;
  catalog: TopicCatalog<unknown>;
}

/** One group's reader for one topic: its own connection, as reads block it. */
export class StreamConsumer {
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
