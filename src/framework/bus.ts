/**
 * The message bus every inter-component message goes through (A-1, A-20): typed topics, and per topic any number
 * of subscribing component groups, each of which gets every message once, in publishing order. Two
 * implementations keep the same contract: InProcessBus (the default: one process, synchronous hand-over) and
 * RedisStreamsBus (components in separate processes or boxes).
 */
import type { Component } from './component.js';
import type { MoatTopics, TopicCatalog } from './topics.js';

export interface MessageMeta {
  topic: string;
  /** Unique and increasing per topic ('<ms>-<seq>' on Redis, '0-<n>' in process): a consumer's checkpoint. */
  id: string;
  /** When it was published (ms since the epoch). */
  publishedAtMs: number;
  /** Delivered before, to a consumer that stopped before acknowledging it (at-least-once transport). */
  redelivered: boolean;
}

export type Handler<P> = (payload: P, meta: MessageMeta) => void | Promise<void>;

export interface SubscribeOptions {
  /**
   * The id of the last message this subscriber's own durable state already holds: older messages and that one
   * are acknowledged without calling the handler. A consumer that stores its results with the message id passes
   * it after a restart, and then sees every message exactly once even when it died between its own write and the
   * acknowledgement.
   */
  after?: string;
  /** A group new to a topic starts with the oldest message still kept ('start', the default) or the next one. */
  from?: 'start' | 'new';
}

export interface Subscription {
  readonly topic: string;
  readonly group: string;
  /** Stops delivery to this subscription (a message being handled is finished and acknowledged first). */
  close(): Promise<void>;
}

/** Something the bus could not do, reported to `onError` (delivery goes on). */
export interface BusErrorReport {
  topic: string;
  /** The subscribing group, for delivery errors. */
  group?: string;
  /** The message, when one is concerned. */
  id?: string;
  error: Error;
}

export interface MessageBus<M = object> extends Component<BusConfig> {
  /**
   * Hands a message to every group subscribed to `topic`. Checks the payload against the topic's schema first and
   * throws BusValidationError (naming the topic and the field) without sending anything when it does not fit.
   * Transport failures are retried in order and reported to `onError`; `flush()` waits for delivery.
   */
  publish<T extends keyof M & string>(topic: T, payload: M[T]): void;
  /** Registers `group`'s handler for `topic`; one handler per (topic, group) on one bus. */
  subscribe<T extends keyof M & string>(
    topic: T,
    group: string,
    handler: Handler<M[T]>,
    opts?: SubscribeOptions,
  ): Promise<Subscription>;
  /** Resolves when everything published so far is stored (Redis) or handled (in process). */
  flush(): Promise<void>;
  /** flush(), then closes every subscription and connection. */
  close(): Promise<void>;
}

/** The side of the bus a producing component needs (what an inspector is given to publish its verdicts). */
export type Publisher<M = MoatTopics> = Pick<MessageBus<M>, 'publish'>;

export interface BusConfig {
  kind: 'in-process' | 'redis-streams';
  /** redis://… for the Redis bus (password removed). */
  url?: string;
  topics: string[];
}

export interface BusOptions<M> {
  catalog: TopicCatalog<M>;
  /** Told about delivery and transport failures; default: written to stderr. */
  onError?: (report: BusErrorReport) => void;
}

/** A payload that does not match its topic's schema (or a topic the catalogue does not know). */
export class BusValidationError extends Error {
  constructor(
    readonly topic: string,
    readonly issues: readonly string[],
    where: string,
  ) {
    super(`bus topic '${topic}': ${where}: ${issues.join('; ')}`);
    this.name = 'BusValidationError';
  }
}

/** Checks `payload` against `topic`'s schema and returns the parsed value (unknown fields dropped). */
export function validatePayload<M>(
  catalog: TopicCatalog<M>,
  topic: string,
  payload: unknown,
  where: string,
): unknown {
  const schema = (catalog as Record<string, TopicCatalog<M>[keyof M] | undefined>)[topic];
  if (!schema)
    throw new BusValidationError(topic, [`unknown topic (known: ${Object.keys(catalog).join(', ')})`], where);
  const r = schema.safeParse(payload);
  if (r.success) return r.data;
  throw new BusValidationError(
    topic,
    r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`),
    where,
  );
}

export function defaultBusErrorReporter(r: BusErrorReport): void {
  const at = [r.group && `group ${r.group}`, r.id && `message ${r.id}`].filter(Boolean).join(', ');
  process.stderr.write(`moat: bus topic '${r.topic}'${at ? ` (${at})` : ''}: ${r.error.message}\n`);
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Orders two message ids ('<ms>-<seq>'): negative when `a` came first. */
export function compareMessageIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const s = BigInt(as) - BigInt(bs);
  return s === 0n ? 0 : s < 0n ? -1 : 1;
}

/** A message id as a checkpoint: '<ms>-<seq>' with decimal parts. */
export function isMessageId(s: string): boolean {
  return /^\d+-\d+$/.test(s);
}
