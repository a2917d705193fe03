/**
 * The bus inside one process (the default). A message is handed to each subscribing group synchronously, inside
 * publish(), when the group's handler is synchronous and idle: an inspector that publishes a verdict sees the
 * event-cache entry it causes before the next packet, as a direct call would. A handler that returns a promise
 * holds back that group's later messages until it settles, so every group still sees one topic in order. Nothing
 * is copied or serialised; payloads are checked against their schema unless `validate: false`.
 */
import {
  asError,
  compareMessageIds,
  defaultBusErrorReporter,
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

export interface InProcessBusOptions<M> extends Partial<BusOptions<M>> {
  /** Check payloads against their topic's schema on publish (default true). */
  validate?: boolean;
}

interface LocalSub {
  topic: string;
  group: string;
  handler: Handler<unknown>;
  after?: string;
  busy: boolean;
  closed: boolean;
  queue: Array<[unknown, MessageMeta]>;
  /** Resolved when the group's queue has drained. */
  idleWaiters: Array<() => void>;
}

export class InProcessBus<M = MoatTopics> implements MessageBus<M> {
  readonly name = 'bus';
  readonly dependsOn: readonly string[] = [];
  readonly config: BusConfig;
  private readonly catalog: TopicCatalog<M>;
  private readonly validate: boolean;
  private readonly onError: (r: BusErrorReport) => void;
  private readonly subs = new Map<string, LocalSub[]>();
  private readonly seq = new Map<string, number>();
  private closed = false;
  readonly stats = { published: 0, delivered: 0, handlerErrors: 0 };

  constructor(opts: InProcessBusOptions<M> = {}) {
    this.catalog = opts.catalog ?? (MOAT_TOPICS as unknown as TopicCatalog<M>);
    this.validate = opts.validate ?? true;
    this.onError = opts.onError ?? defaultBusErrorReporter;
    this.config = { kind: 'in-process', topics: Object.keys(this.catalog) };
  }

  publish<T extends keyof M & string>(topic: T, payload: M[T]): void {
    if (this.closed) throw new Error(`bus closed: cannot publish on '${topic}'`);
    if (this.validate) validatePayload(this.catalog, topic, payload, 'publish');
    else if (!(topic in (this.catalog as object))) validatePayload(this.catalog, topic, undefined, 'publish');
    const n = (this.seq.get(topic) ?? 0) + 1;
    this.seq.set(topic, n);
    this.stats.published++;
    const list = this.subs.get(topic);
    if (!list) return;
    const meta: MessageMeta = { topic, id: `0-${n}`, publishedAtMs: Date.now(), redelivered: false };
    for (const s of list) {
      if (s.busy) s.queue.push([payload, meta]);
      else this.run(s, payload, meta);
    }
  }

  subscribe<T extends keyof M & string>(
    topic: T,
    group: string,
    handler: Handler<M[T]>,
    opts: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.closed) return Promise.reject(new Error(`bus closed: cannot subscribe to '${topic}'`));
    try {
      if (!(topic in (this.catalog as object))) validatePayload(this.catalog, topic, undefined, 'subscribe');
    } catch (err) {
      return Promise.reject(asError(err));
    }
    const list = this.subs.get(topic) ?? [];
    if (list.some((s) => s.group === group))
      return Promise.reject(new Error(`group '${group}' already subscribes to '${topic}' on this bus`));
    const s: LocalSub = {
      topic,
      group,
      handler: handler as Handler<unknown>,
      after: opts.after,
      busy: false,
      closed: false,
      queue: [],
      idleWaiters: [],
    };
    list.push(s);
    this.subs.set(topic, list);
    return Promise.resolve({
      topic,
      group,
      close: async () => {
        s.closed = true;
        s.queue.length = 0;
        await this.idle(s);
        const l = this.subs.get(topic);
        if (l)
          this.subs.set(
            topic,
            l.filter((x) => x !== s),
          );
      },
    });
  }

  private run(s: LocalSub, payload: unknown, meta: MessageMeta): void {
    if (s.closed) return;
    if (s.after !== undefined && compareMessageIds(meta.id, s.after) <= 0) return;
    let r: void | Promise<void>;
    try {
      r = s.handler(payload, meta);
    } catch (err) {
      this.failed(s, meta, err);
      return;
    }
    if (r && typeof (r as Promise<void>).then === 'function') {
      s.busy = true;
      (r as Promise<void>).then(
        () => {
          this.stats.delivered++;
          this.settled(s);
        },
        (err: unknown) => {
          this.failed(s, meta, err);
          this.settled(s);
        },
      );
      return;
    }
    this.stats.delivered++;
  }

  private settled(s: LocalSub): void {
    s.busy = false;
    while (!s.busy && s.queue.length > 0) {
      const [p, m] = s.queue.shift() as [unknown, MessageMeta];
      this.run(s, p, m);
    }
    if (!s.busy) for (const w of s.idleWaiters.splice(0)) w();
  }

  private failed(s: LocalSub, meta: MessageMeta, err: unknown): void {
    this.stats.handlerErrors++;
    this.onError({ topic: s.topic, group: s.group, id: meta.id, error: asError(err) });
  }

  private idle(s: LocalSub): Promise<void> {
    return s.busy ? new Promise((r) => s.idleWaiters.push(r)) : Promise.resolve();
  }

  async flush(): Promise<void> {
    for (const list of this.subs.values()) await Promise.all(list.map((s) => this.idle(s)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.subs.clear();
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('bus closed: an in-process bus cannot be restarted');
  }

  stop(): Promise<void> {
    return this.close();
  }

  health(): Health {
    const groups = [...this.subs.values()].reduce((n, l) => n + l.length, 0);
    return {
      ok: !this.closed,
      detail: `in process: ${groups} subscription(s), ${this.stats.published} published, ${this.stats.handlerErrors} handler error(s)`,
    };
  }
}
