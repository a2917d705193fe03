/**
 * A-34 for the engines besides the rules: the security component subscribes to the bus's `verdict` topic (A-1:
 * every inter-component message goes through the framework) and turns each verdict — the TLS monitor's risky
 * handshakes, the identification model's black addresses — into an event-cache entry for its connection, so the
 * next packets meet the decision in the cache first. On the in-process bus the entry exists before the
 * publishing engine returns, as a direct call would make it; over Redis it arrives from another process.
 *
 * What operation a verdict earns is the caller's choice per engine; by default a verdict that wanted blocking
 * drops and anything else is tracked (A-62: not clearly malicious — watch it closely).
 */
import type { MessageBus, MoatTopics, Subscription, VerdictMessage } from '../framework/index.js';
import type { CacheEntry, EventCacheTable, Operation } from './event-cache.js';

export interface EngineVerdictOptions {
  /** Written as the entry's diagnosis (default: the engine's name: 'tlsmon', 'ml' …). */
  diagnosis?: string;
  /** The operation a verdict earns (undefined: none). */
  operation?: (v: VerdictMessage) => Operation | undefined;
  lifetimeS?: number;
  /** One entry per pair of addresses (ports and protocol 0) instead of per connection: a verdict on an address. */
  addressLevel?: boolean;
}

export interface VerdictOptions {
  /** The engines whose verdicts become entries, with their options; unset: every engine, with the defaults. */
  engines?: Record<string, EngineVerdictOptions>;
  /** Live: program the entry into the kernel. */
  enforce?: (entry: CacheEntry) => Promise<void>;
}

/** A verdict that blocked or wanted blocking drops; others are tracked. */
export function defaultOperation(v: VerdictMessage): Operation {
  return v.blocked || v.block ? 'drop' : 'track';
}

/** Entries kept in `created` (a long-running monitor must not grow without bound). */
const KEEP_CREATED = 10_000;

export class VerdictRecorder {
  /** The most recent entries this recorder made (at most KEEP_CREATED). */
  readonly created: CacheEntry[] = [];
  /** Entries made since the start. */
  recorded = 0;
  private readonly pending = new Set<Promise<void>>();
  readonly enforceErrors: string[] = [];
  private sub: Subscription | undefined;

  constructor(
    private readonly cache: EventCacheTable,
    private readonly opts: VerdictOptions = {},
  ) {}

  /** Subscribes this recorder, as component group `group`, to the bus's verdicts. */
  async subscribe(bus: Pick<MessageBus<MoatTopics>, 'subscribe'>, group = 'security'): Promise<void> {
    if (this.sub) throw new Error('the verdict recorder is subscribed already');
    this.sub = await bus.subscribe('verdict', group, (v) => {
      this.record(v);
    });
  }

  /** Records one verdict; undefined when its engine is not recorded or it earns no operation. */
  record(v: VerdictMessage): CacheEntry | undefined {
    const o = this.opts.engines ? this.opts.engines[v.engine] : {};
    if (!o) return undefined;
    const op = (o.operation ?? defaultOperation)(v);
    if (!op) return undefined;
    const diagnosis = o.diagnosis ?? v.engine;
    const e = this.cache.record({
      srcIp: v.srcIp,
      dstIp: v.dstIp,
      srcPort: o.addressLevel ? 0 : v.srcPort,
      dstPort: o.addressLevel ? 0 : v.dstPort,
      proto: o.addressLevel ? 0 : v.proto,
      createdUs: v.tsUs,
      maxLifetimeUs: (o.lifetimeS ?? 3600) * 1e6,
      direction: 'both',
      scope: 'any',
      operation: op,
      eventId: `${diagnosis}:${v.signatureId}`,
      diagnosis,
    });
    this.recorded++;
    if (this.created.length >= KEEP_CREATED) this.created.splice(0, KEEP_CREATED / 2);
    this.created.push(e);
    const enforce = this.opts.enforce;
    if (enforce) {
      const p = enforce(e)
        .catch((err: unknown) => {
          if (this.enforceErrors.length < 100)
            this.enforceErrors.push(err instanceof Error ? err.message : String(err));
        })
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
    return e;
  }

  /** Stops listening and waits for the kernel programming already under way. */
  async close(): Promise<void> {
    await this.sub?.close();
    this.sub = undefined;
    await Promise.all([...this.pending]);
  }
}
